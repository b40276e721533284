// The visit's state in sessionStorage (createMemory): ids not to show again, trimmed to
// the newest, and whether the visitor closed the cards. sessionStorage is a plain
// object here, as the browser's behaves for a string property.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';

const { createMemory } = proof;

beforeEach(() => {
  globalThis.sessionStorage = {};
});

test('ids shown in one page view are remembered by the next, and a close lasts the visit', () => {
  const first = createMemory(false, 50);
  first.add(1795819905973181);
  first.add('1795819905973182');
  assert.equal(first.closed(), false);
  first.close();
  const next = createMemory(false, 50);
  assert.equal(next.has('1795819905973181'), true);
  assert.equal(next.has(1795819905973182), true);
  assert.equal(next.has(1795819905973183), false);
  assert.equal(next.closed(), true);
  assert.deepEqual(JSON.parse(sessionStorage.proof), { i: [1795819905973181, 1795819905973182], c: 1 });
});

test('the list keeps the newest ids only: it no longer grows with every card', () => {
  const memory = createMemory(false, 50);
  const base = 1795819905973181;
  for (let i = 0; i < 500; i++) memory.add(base + i * 1000);
  const stored = JSON.parse(sessionStorage.proof).i;
  assert.equal(stored.length, 50);
  assert.equal(stored[0], base + 450 * 1000);
  assert.equal(stored.at(-1), base + 499 * 1000);
  assert.ok(sessionStorage.proof.length < 50 * 18 + 20, `${sessionStorage.proof.length} bytes`);
  // Published in one order, shown in another (replayed cards wait behind live ones): still the newest.
  memory.add(base - 5);
  assert.equal(memory.has(base - 5), false);
  assert.equal(memory.has(base + 499 * 1000), true);
});

test('the replay decides how many are kept at least', () => {
  const memory = createMemory(false, 80);
  for (let i = 1; i <= 100; i++) memory.add(i);
  assert.equal(JSON.parse(sessionStorage.proof).i.length, 80);
});

test('data-repeat neither reads nor writes ids, but a close still lasts', () => {
  createMemory(false, 50).add(7);
  const repeat = createMemory(true, 50);
  assert.equal(repeat.has(7), false);
  repeat.add(8);
  repeat.close();
  const next = createMemory(false, 50);
  assert.equal(next.has(7), true);
  assert.equal(next.has(8), false);
  assert.equal(next.closed(), true);
});

test('what an older widget stored, or junk, is a fresh start, not an error', () => {
  for (const junk of ['{"1795819905973181":1}', '{not json', 'null', '[1,2]', '{"i":"x","c":0}']) {
    sessionStorage.proof = junk;
    const memory = createMemory(false, 50);
    assert.equal(memory.closed(), false, junk);
    memory.add(3);
    assert.equal(memory.has(3), true, junk);
  }
});

test('no sessionStorage (blocked by the browser): it works for the page view', () => {
  delete globalThis.sessionStorage;
  Object.defineProperty(globalThis, 'sessionStorage', { configurable: true, get() { throw new Error('SecurityError'); } });
  const memory = createMemory(false, 50);
  memory.add(1);
  memory.close();
  assert.equal(memory.has(1), true);
  assert.equal(memory.closed(), true);
  delete globalThis.sessionStorage;
});
