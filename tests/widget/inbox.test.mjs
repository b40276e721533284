// What becomes a card: the stream's messages through createInbox into a real
// queue on a fake clock, as start() wires them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';
import { fakeClock } from './fake-clock.mjs';

const { createInbox, createQueue, createFilter } = proof;
const NOW = 1764283383123;

// armed: the stream has said its arm (an experiment's, or {} for none) before the test starts.
function setup({ presenceMin = 0, maxAge = 604800000, armed = true } = {}) {
  const clock = fakeClock();
  const shown = [];
  const hidden = [];
  const seen = new Set();
  const visits = [];
  const queue = createQueue({
    duration: 1000, cooldown: 0, size: 50,
    show: (item) => shown.push(item.card || JSON.parse(JSON.stringify(item.ev)).user_name),
    // As start() wires it: nothing shows until the arm allows it.
    hide: () => hidden.push(clock.now()), visible: () => inbox.shows(), set: clock.set, clear: clock.clear,
  });
  const inbox = createInbox({
    pump: queue.pump,
    visit: () => visits.push(clock.now()),
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
  // The stream's arm: 'shown', 'holdout', or none ({}: no experiment).
  const arm = (name) => inbox.take({ e: 'arm', d: JSON.stringify(name ? { arm: name } : {}), i: undefined, h: true });
  if (armed) arm();
  return { clock, shown, hidden, seen, visits, inbox, signup, arm };
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

test('nothing shows before the stream has said its arm; then what waited shows, in order', () => {
  const { clock, shown, signup, arm } = setup({ armed: false });
  signup(1, 'A');
  signup(2, 'B');
  clock.advance(10000);
  assert.deepEqual(shown, []);
  arm();
  clock.advance(10000);
  assert.deepEqual(shown, ['A', 'B']);
});

test('a held-out page shows nothing at all: no event, no live count, no total', () => {
  const { clock, shown, signup, arm, inbox } = setup({ armed: false, presenceMin: 1 });
  arm('holdout');
  signup(1, 'Replayed', { h: true, r: true });
  signup(2, 'Live');
  inbox.take({ e: 'presence', d: '{"count":5}', i: '' });
  clock.advance(60000);
  assert.deepEqual(shown, []);
  assert.equal(inbox.shows(), false);
  assert.equal(inbox.presence(), 5, 'it still follows the stream');
});

test('a page in the shown arm shows cards as without an experiment', () => {
  const { clock, shown, signup, arm } = setup({ armed: false });
  arm('shown');
  signup(1, 'A');
  clock.advance(10000);
  assert.deepEqual(shown, ['A']);
});

test('the visit beacon: once per page view, on the first arm of an experiment; never without one', () => {
  const none = setup({ armed: false });
  none.arm();
  none.arm();
  assert.deepEqual(none.visits, [], 'no experiment, no visit beacon');
  for (const name of ['holdout', 'shown']) {
    const { visits, arm, clock } = setup({ armed: false });
    arm(name);
    clock.advance(5000);
    // A reconnect, a relay from another tab, the arm asked for again: the same page view.
    arm(name);
    arm(name);
    assert.deepEqual(visits, [0], name);
  }
});

test('an arm the widget does not know shows cards (only "holdout" holds them back)', () => {
  const { clock, shown, signup, arm, visits } = setup({ armed: false });
  arm('variant-b');
  signup(1, 'A');
  clock.advance(10000);
  assert.deepEqual(shown, ['A']);
  assert.equal(visits.length, 1);
});
