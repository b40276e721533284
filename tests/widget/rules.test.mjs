import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';
import { fakeClock } from './fake-clock.mjs';

const { createQueue, periodLabel, readOptions, fill } = proof;

function setup() {
  const clock = fakeClock();
  const shown = [];
  const queue = createQueue({
    duration: 1000, cooldown: 0, size: 10,
    show: (item) => shown.push(item.name), hide() {}, visible: () => true,
    set: clock.set, clear: clock.clear,
  });
  return { clock, shown, queue };
}

test('a live signup goes ahead of replayed cards still waiting, behind earlier live ones', () => {
  const { clock, shown, queue } = setup();
  for (const name of ['h1', 'h2', 'h3']) queue.push({ name, replay: true });
  queue.push({ name: 'live1' });
  queue.push({ name: 'live2' });
  clock.advance(10000);
  assert.deepEqual(shown, ['h1', 'live1', 'live2', 'h2', 'h3']);
});

test('a catch-up keeps publish order with the live cards behind it', () => {
  const { clock, shown, queue } = setup();
  for (const name of ['r1', 'r2']) queue.push({ name, replay: true });
  for (const name of ['c1', 'c2']) queue.push({ name, history: true });
  queue.push({ name: 'live' });
  clock.advance(10000);
  assert.deepEqual(shown, ['r1', 'c1', 'c2', 'live', 'r2']);
});

test('drop removes waiting cards that match, so they are never shown', () => {
  const { clock, shown, queue } = setup();
  for (const name of ['a', 'b', 'c']) queue.push({ name });
  queue.drop((item) => item.name === 'b');
  clock.advance(10000);
  assert.deepEqual(shown, ['a', 'c']);
});

test('the summary period is in words, in days from two days on, localised', () => {
  assert.equal(periodLabel(168, ''), '7 days');
  assert.equal(periodLabel(24, ''), '24 hours');
  assert.equal(periodLabel(1, ''), '1 hour');
  assert.equal(periodLabel(720, 'fr').replace(/\s/, ' '), '30 jours');
  assert.equal(periodLabel(48, 'de'), '2 Tage');
});

test('the card options of the tag are read, with their defaults', () => {
  const o = readOptions({
    delay: '1500', maxCards: '2', repeat: 'true', hideOnMobile: 'true', channel: 'mug',
    presenceMin: '5', presenceTemplate: '{count} here', summaryHours: '168', summaryMin: '10',
  });
  assert.equal(o.delay, 1500);
  assert.equal(o.maxCards, 2);
  assert.equal(o.repeat, true);
  assert.equal(o.mobile, false);
  assert.equal(o.channel, 'mug');
  assert.equal(o.presenceMin, 5);
  assert.equal(o.summaryHours, 168);
  assert.equal(o.summaryMin, 10);
  assert.equal(fill(o.presenceTemplate, { count: 23 }), '23 here');
  assert.equal(fill(readOptions({}).summaryTemplate, { count: 142, period: periodLabel(168) }),
    '142 people signed up in the last 7 days');
  assert.equal(readOptions({ repeat: 'yes', hideOnMobile: '' }).repeat, false);
  const shop = readOptions({ summaryKind: 'purchase' });
  assert.equal(shop.summaryKind, 'purchase');
  assert.equal(fill(shop.summaryTemplate, { count: 3, period: periodLabel(24) }), '3 people bought in the last 24 hours');
  assert.equal(readOptions({ summaryKind: 'refund' }).summaryKind, '', 'an unknown kind counts everything');
});
