// What becomes a card: the stream's messages through createInbox into a real
// queue on a fake clock, as start() wires them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';
import { fakeClock } from './fake-clock.mjs';

const { createInbox, createQueue, createFilter } = proof;
const NOW = 1764283383123;

function setup({ presenceMin = 0, maxAge = 604800000 } = {}) {
  const clock = fakeClock();
  const shown = [];
  const hidden = [];
  const seen = new Set();
  const queue = createQueue({
    duration: 1000, cooldown: 0, size: 50,
    show: (item) => shown.push(item.card || JSON.parse(JSON.stringify(item.ev)).user_name),
    hide: () => hidden.push(clock.now()), visible: () => true, set: clock.set, clear: clock.clear,
  });
  const inbox = createInbox({
    filter: createFilter(maxAge),
    seen: (id) => seen.has(String(id)),
    drop: (id) => {
      seen.add(String(id));
      queue.drop((item) => item.ev && item.ev.id == id, true);
    },
    push: queue.push,
    presenceMin,
    now: () => NOW,
  });
  // A signup message as the stream hands it on: h history, r replayed.
  const signup = (id, name, { h = false, r = false, ts = NOW } = {}) =>
    inbox.take({ e: 'signup', d: JSON.stringify({ id, user_name: name, ts }), i: String(id), h, r });
  return { clock, shown, hidden, seen, inbox, signup };
}

test('the replay on page load waits behind live cards', () => {
  const { clock, shown, signup } = setup();
  for (const [id, name] of [[1, 'R1'], [2, 'R2'], [3, 'R3']]) signup(id, name, { h: true, r: true });
  signup(4, 'L4');
  clock.advance(10000);
  assert.deepEqual(shown, ['R1', 'L4', 'R2', 'R3']);
});

test('a catch-up (another tab took the stream over, or it reconnected) keeps publish order with live cards', () => {
  const { clock, shown, signup } = setup();
  signup(1, 'T1');
  signup(2, 'T2');
  for (const [id, name] of [[3, 'T3'], [4, 'T4'], [5, 'T5']]) signup(id, name, { h: true });
  signup(6, 'T6');
  clock.advance(10000);
  assert.deepEqual(shown, ['T1', 'T2', 'T3', 'T4', 'T5', 'T6']);
});

test('an erased event waiting in the queue is never shown, nor if it comes again', () => {
  const { clock, shown, signup, inbox } = setup();
  signup(1, 'A');
  signup(2, 'B');
  inbox.take({ e: 'erase', d: '{"id":2}', i: '' });
  clock.advance(10000);
  assert.deepEqual(shown, ['A']);
});

test('an erased event on screen leaves it at once', () => {
  const { clock, shown, hidden, signup, inbox } = setup();
  signup(1, 'A');
  signup(2, 'B');
  clock.advance(400);
  inbox.take({ e: 'erase', d: '{"id":1}', i: '' });
  assert.deepEqual(hidden, [400]);
  clock.advance(0);
  assert.deepEqual(shown, ['A', 'B'], 'B follows (no cooldown here)');
  inbox.take({ e: 'erase', d: '{"id":7}', i: '' });
  clock.advance(10000);
  assert.deepEqual(hidden, [400, 1400], 'an erasure of another event left B its whole time');
});

test('an id shown already (here or in another tab) makes no card; nor does a repeat or old history', () => {
  const { clock, shown, signup, seen } = setup({ maxAge: 60000 });
  seen.add('1');
  signup(1, 'Shown elsewhere');
  signup(2, 'New');
  signup(2, 'New again');
  signup(3, 'Too old', { h: true, r: true, ts: NOW - 61000 });
  clock.advance(10000);
  assert.deepEqual(shown, ['New']);
});

test('the live count becomes one card per page view, once it reaches the minimum', () => {
  const { clock, shown, inbox } = setup({ presenceMin: 3 });
  const presence = (count) => inbox.take({ e: 'presence', d: JSON.stringify({ count }), i: '' });
  presence(2);
  assert.equal(inbox.presence(), 2);
  presence(3);
  presence(5);
  clock.advance(10000);
  assert.deepEqual(shown, ['presence']);
  assert.equal(inbox.presence(), 5, 'the card shows the count of when its turn comes');
});

test('the event id comes from the stream when the data has none', () => {
  const { clock, shown, inbox } = setup();
  inbox.take({ e: 'signup', d: '{"user_name":"Jo","ts":1}', i: '9', h: false, r: false });
  inbox.take({ e: 'signup', d: '{"user_name":"Jo again","ts":1}', i: '9', h: false, r: false });
  clock.advance(10000);
  assert.deepEqual(shown, ['Jo']);
});
