import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';
import { fakeClock } from './fake-clock.mjs';

// A queue on a fake clock that logs what it shows and hides, and when.
function setup({ duration = 3500, cooldown = 2000, size = 5 } = {}) {
  const clock = fakeClock();
  const log = [];
  const state = { visible: true, onScreen: null };
  const queue = proof.createQueue({
    duration,
    cooldown,
    size,
    show(item) {
      assert.equal(state.onScreen, null, 'a card is shown while another one is on screen');
      state.onScreen = item;
      log.push({ at: clock.now(), show: item });
    },
    hide() {
      log.push({ at: clock.now(), hide: state.onScreen });
      state.onScreen = null;
    },
    visible: () => state.visible,
    set: clock.set,
    clear: clock.clear,
  });
  const shown = () => log.filter((e) => 'show' in e);
  return { clock, log, state, queue, shown };
}

test('a card is shown at once, for the duration, then hidden', () => {
  const { clock, queue, log } = setup();
  queue.push('a');
  assert.deepEqual(log, [{ at: 0, show: 'a' }]);
  clock.advance(3499);
  assert.equal(log.length, 1);
  clock.advance(1);
  assert.deepEqual(log[1], { at: 3500, hide: 'a' });
});

test('a burst is shown one at a time, in order, spaced by duration + cooldown', () => {
  const { clock, queue, shown } = setup();
  queue.push('a');
  queue.push('b');
  queue.push('c');
  clock.advance(60000);
  assert.deepEqual(shown().map((e) => e.show), ['a', 'b', 'c']);
  assert.deepEqual(shown().map((e) => e.at), [0, 5500, 11000]);
});

test('a card arriving during the cooldown waits for its end', () => {
  const { clock, queue, shown } = setup({ duration: 100, cooldown: 50 });
  queue.push('a');
  clock.advance(120);
  queue.push('b');
  assert.equal(shown().length, 1);
  clock.advance(29);
  assert.equal(shown().length, 1);
  clock.advance(1);
  assert.deepEqual(shown().map((e) => [e.show, e.at]), [['a', 0], ['b', 150]]);
});

test('after the cooldown an idle queue shows the next card at once', () => {
  const { clock, queue, shown } = setup({ duration: 100, cooldown: 50 });
  queue.push('a');
  clock.advance(1000);
  queue.push('b');
  assert.deepEqual(shown().map((e) => [e.show, e.at]), [['a', 0], ['b', 1000]]);
});

test('the backlog is bounded and keeps the newest cards', () => {
  const { clock, queue, shown } = setup({ size: 3 });
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) queue.push(name);
  clock.advance(600000);
  // 'a' went on screen at once; of the six that waited, the newest three remain.
  assert.deepEqual(shown().map((e) => e.show), ['a', 'e', 'f', 'g']);
});

test('nothing is shown while hidden; showing resumes in order on pump()', () => {
  const { clock, queue, state, shown } = setup({ size: 5 });
  state.visible = false;
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) queue.push(name);
  clock.advance(600000);
  assert.equal(shown().length, 0);
  state.visible = true;
  queue.pump();
  clock.advance(600000);
  assert.deepEqual(shown().map((e) => e.show), ['d', 'e', 'f', 'g', 'h']);
});

test('a tab hidden between two cards holds the next one back', () => {
  const { clock, queue, state, shown } = setup({ duration: 100, cooldown: 50 });
  queue.push('a');
  queue.push('b');
  state.visible = false;
  clock.advance(10000);
  assert.deepEqual(shown().map((e) => e.show), ['a']);
  state.visible = true;
  queue.pump();
  assert.deepEqual(shown().map((e) => [e.show, e.at]), [['a', 0], ['b', 10000]]);
});

test('pump() while a card is on screen does not double up', () => {
  const { clock, queue, shown } = setup({ duration: 100, cooldown: 50 });
  queue.push('a');
  queue.push('b');
  queue.pump();
  queue.pump();
  clock.advance(120);
  queue.pump();
  assert.equal(shown().length, 1);
  clock.advance(30);
  assert.equal(shown().length, 2);
});

test('a take-back of the card on screen hides it at once; the next comes after the cooldown', () => {
  const { clock, queue, log } = setup({ duration: 1000, cooldown: 200 });
  queue.push('a');
  queue.push('b');
  clock.advance(300);
  queue.drop((item) => item === 'a', true);
  assert.deepEqual(log, [{ at: 0, show: 'a' }, { at: 300, hide: 'a' }]);
  clock.advance(199);
  assert.equal(log.length, 2);
  clock.advance(1);
  assert.deepEqual(log[2], { at: 500, show: 'b' });
  clock.advance(1000);
  assert.deepEqual(log[3], { at: 1500, hide: 'b' }, 'b gets its whole duration');
});

test('drop() without onScreen, or of another item, leaves the card on screen alone', () => {
  const { clock, queue, log } = setup({ duration: 1000, cooldown: 0 });
  queue.push('a');
  queue.push('b');
  queue.drop((item) => item === 'a');
  queue.drop((item) => item === 'b', true);
  clock.advance(999);
  assert.deepEqual(log, [{ at: 0, show: 'a' }]);
  clock.advance(10000);
  assert.deepEqual(log, [{ at: 0, show: 'a' }, { at: 1000, hide: 'a' }], 'b was dropped while it waited');
  queue.drop(() => true, true);
  assert.equal(log.length, 2, 'nothing on screen: nothing to hide');
});

test('a card held (hovered or focused) stays; let go, it gets its whole time again', () => {
  const { clock, queue, log } = setup({ duration: 1000, cooldown: 100 });
  queue.push('a');
  queue.push('b');
  clock.advance(900);
  queue.hold(true);
  clock.advance(60000);
  assert.deepEqual(log, [{ at: 0, show: 'a' }], 'still up a minute later');
  queue.hold(false);
  clock.advance(999);
  assert.equal(log.length, 1);
  clock.advance(1);
  assert.deepEqual(log.slice(1), [{ at: 61900, hide: 'a' }]);
  clock.advance(100);
  assert.deepEqual(log[2], { at: 62000, show: 'b' });
});

test('a card that comes up while the pointer rests where it shows stays until let go', () => {
  const { clock, queue, log } = setup({ duration: 1000, cooldown: 0 });
  queue.hold(true);
  queue.push('a');
  clock.advance(5000);
  assert.deepEqual(log, [{ at: 0, show: 'a' }]);
  queue.hold(false);
  clock.advance(1000);
  assert.deepEqual(log[1], { at: 6000, hide: 'a' });
});

test('a take-back leaves the screen even while the card is held', () => {
  const { clock, queue, log } = setup({ duration: 1000, cooldown: 0 });
  queue.push('a');
  queue.hold(true);
  clock.advance(100);
  queue.drop((item) => item === 'a', true);
  assert.deepEqual(log, [{ at: 0, show: 'a' }, { at: 100, hide: 'a' }]);
  queue.hold(false);
  clock.advance(5000);
  assert.equal(log.length, 2, 'nothing on screen to hide when let go');
});

test('stop() clears timers and the backlog, and later pushes show nothing', () => {
  const { clock, queue, shown } = setup();
  queue.push('a');
  queue.push('b');
  queue.stop();
  assert.equal(clock.pending(), 0);
  queue.push('c');
  clock.advance(600000);
  assert.deepEqual(shown().map((e) => e.show), ['a']);
});

test('a backlog size below one still lets cards through', () => {
  const { clock, queue, shown } = setup({ size: 0 });
  queue.push('a');
  queue.push('b');
  queue.push('c');
  clock.advance(600000);
  assert.deepEqual(shown().map((e) => e.show), ['a', 'c']);
});

test('a show() that throws does not stall the queue', () => {
  const clock = fakeClock();
  const shown = [];
  const queue = proof.createQueue({
    duration: 10,
    cooldown: 10,
    size: 5,
    show(item) {
      shown.push(item);
      if (item === 'bad') throw new Error('boom');
    },
    hide() {},
    visible: () => true,
    set: clock.set,
    clear: clock.clear,
  });
  assert.throws(() => queue.push('bad'));
  queue.push('good');
  clock.advance(100);
  assert.deepEqual(shown, ['bad', 'good']);
});
