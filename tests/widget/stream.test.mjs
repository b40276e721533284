import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';

const { createFilter, backoff } = proof;
const NOW = 1764283383123;

test('each event id becomes a card at most once', () => {
  const filter = createFilter(604800000);
  assert.equal(filter.admit({ id: 10 }, false, NOW), true);
  assert.equal(filter.admit({ id: 10 }, false, NOW), false);
  assert.equal(filter.admit({ id: 9 }, false, NOW), false);
  assert.equal(filter.admit({ id: '11' }, false, NOW), true);
  assert.equal(filter.lastId(), 11);
});

test('ids as large as the server makes them are compared exactly', () => {
  const filter = createFilter(604800000);
  assert.equal(filter.admit({ id: 1764283383123456 }, false, NOW), true);
  assert.equal(filter.admit({ id: '1764283383123457' }, false, NOW), true);
  assert.equal(filter.admit({ id: 1764283383123456 }, false, NOW), false);
  assert.equal(filter.lastId(), 1764283383123457);
});

test('events without a usable id are dropped', () => {
  const filter = createFilter(604800000);
  assert.equal(filter.admit({}, false, NOW), false);
  assert.equal(filter.admit({ id: 'abc' }, false, NOW), false);
  assert.equal(filter.lastId(), 0);
});

test('history older than the maximum age is skipped, live events never are', () => {
  const filter = createFilter(60000);
  assert.equal(filter.admit({ id: 1, ts: NOW - 61000 }, true, NOW), false);
  assert.equal(filter.admit({ id: 2, ts: NOW - 59000 }, true, NOW), true);
  assert.equal(filter.admit({ id: 3, ts: NOW - 999999 }, false, NOW), true);
  // History without a timestamp cannot prove it is recent.
  assert.equal(filter.admit({ id: 4 }, true, NOW), false);
  // Skipped events still count as seen.
  assert.equal(filter.lastId(), 4);
});

test('reconnect backoff doubles, is capped, and is jittered', () => {
  assert.equal(backoff(0, 1), 1000);
  assert.equal(backoff(0, 0), 500);
  assert.equal(backoff(1, 1), 2000);
  assert.equal(backoff(3, 1), 8000);
  assert.equal(backoff(20, 1), 60000);
  assert.equal(backoff(20, 0), 30000);
  for (let i = 0; i < 100; i++) {
    const d = backoff(2, Math.random());
    assert.ok(d >= 2000 && d <= 4000, String(d));
  }
});
