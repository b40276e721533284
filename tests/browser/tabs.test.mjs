// Issue 14: the tabs of one browser share one stream. Eight tabs of a shop page
// on another origin than proof, proof serving plain HTTP/1.1 itself: Chromium
// allows six connections per host, so without sharing tabs 7 and 8 would wait
// for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, postSignup, cards, waitFor, waitForCards, setVisibility } from './harness.mjs';

const { setup: chromium } = useChromium();

async function subscribers(proof) {
  const text = await (await fetch(`${proof.url}/metrics`)).text();
  return Number(/^proof_subscribers (\d+)/m.exec(text)[1]);
}

// Listens, in the page, to what the tab holding the stream relays on the
// widget's channel (as every other tab's widget does): ids of signups, in order.
function listenToRelay(key) {
  window.__relayed = [];
  new BroadcastChannel(key).onmessage = (e) => {
    if (e.data.e === 'signup') window.__relayed.push(JSON.parse(e.data.d).id);
  };
}

async function setup(t) {
  const scene = await chromium(t);
  const { proof } = scene;
  const key = (channel = '') => `proof2:${proof.url}/?${channel && `channel=${channel}`}`;
  // Opens n tabs of the shop page in ctx (a browser), each listening to the relay.
  async function tabs(ctx, n, attributes = {}) {
    const list = [];
    for (let i = 0; i < n; i++) {
      const name = `/${attributes.channel || 'shop'}`;
      const init = { fn: listenToRelay, arg: key(attributes.channel) };
      // state null: only the tab holding the stream opens one.
      list.push(await scene.open({ duration: 200, cooldown: 0, replay: 0, backlog: 50, ...attributes }, { context: ctx, name, init, state: null }));
    }
    return list;
  }
  const leaders = async (list) => {
    const states = await Promise.all(list.map((p) => p.evaluate(() => document.querySelector('.proof').dataset.state)));
    return list.filter((_, i) => states[i] !== 'shared');
  };
  return { proof, context: scene.context, tabs, leaders };
}

test('eight tabs share one stream: every tab gets every event and shows its card', async (t) => {
  const { proof, context, tabs, leaders } = await setup(t);
  const list = await tabs(await context(), 8);
  await waitFor(async () => (await leaders(list)).length === 1 && (await subscribers(proof)) === 1, { what: 'one stream' });
  await waitFor(async () => (await leaders(list))[0].evaluate(() => document.querySelector('.proof').dataset.state === 'open'));
  const id = await postSignup(proof, { user_name: 'Tab Test', offer_name: 'Tea' });
  for (const page of list) {
    await page.waitForFunction(() => window.__cards.some((c) => /^Tab Test just signed up/.test(c.text)), null, { timeout: 10000 });
  }
  // Each of the other seven tabs heard it relayed once (the leader hears its own relay on its listener too).
  for (const page of list) assert.deepEqual(await page.evaluate(() => window.__relayed), [id]);
  assert.equal(await subscribers(proof), 1);
});

test('closing the tab holding the stream while events are published: the others get each exactly once', async (t) => {
  const { proof, context, tabs, leaders } = await setup(t);
  const list = await tabs(await context(), 4);
  await waitFor(async () => (await subscribers(proof)) === 1, { what: 'one stream' });
  const [leader] = await leaders(list);
  const rest = list.filter((p) => p !== leader);
  const ids = [];
  let closedAt = 0;
  const publishing = (async () => {
    for (let i = 0; i < 12; i++) {
      ids.push(await postSignup(proof, { user_name: `Buyer ${i}`, offer_name: 'Tea' }));
      if (i === 4) {
        closedAt = Date.now();
        leader.close();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  // Another tab takes the stream over within about a second.
  await waitFor(() => closedAt);
  await waitFor(async () => {
    const next = await leaders(rest);
    return next.length === 1 && next[0].evaluate(() => document.querySelector('.proof').dataset.state === 'open');
  }, { what: 'a new tab holding the stream' });
  const handover = Date.now() - closedAt;
  assert.ok(handover < 1500, `handover took ${handover} ms`);
  await publishing;
  for (const page of rest) {
    await page.waitForFunction((n) => window.__relayed.length >= n, ids.length, { timeout: 10000 });
  }
  // A moment for any duplicate to arrive.
  await new Promise((r) => setTimeout(r, 1000));
  for (const page of rest) assert.deepEqual(await page.evaluate(() => window.__relayed), ids);
  // No tab shows a card twice.
  for (const page of rest) {
    const texts = (await cards(page)).map((c) => c.text);
    assert.equal(new Set(texts).size, texts.length, texts.join(' | '));
  }
  assert.equal(await subscribers(proof), 1);
});

test('the tab holding the stream closes while events come: the tab in front shows every card in publish order', async (t) => {
  // As issue 22 found it: eight tabs, the one in front not the one holding the
  // stream, twelve events a quarter second apart, the stream's tab closed after
  // the fourth. Cards last longer than the gap between events, so they wait in
  // the front tab's queue: the events resumed after the handover must not be
  // passed by the live ones that follow them.
  const { proof, context, tabs, leaders } = await setup(t);
  const list = await tabs(await context(), 8, { duration: 450 });
  await waitFor(async () => (await leaders(list)).length === 1 && (await subscribers(proof)) === 1, { what: 'one stream' });
  const [leader] = await leaders(list);
  const front = list.at(-1);
  assert.notEqual(front, leader, 'the first tab opened holds the stream');
  for (const page of list) if (page !== front) await setVisibility(page, 'hidden');
  const names = [];
  for (let i = 1; i <= 12; i++) {
    names.push(`T${i}`);
    await postSignup(proof, { user_name: `T${i}`, offer_name: 'Tea' });
    if (i === 4) await leader.close();
    await new Promise((r) => setTimeout(r, 250));
  }
  const shown = await waitForCards(front, 12, 20000);
  assert.deepEqual(shown.map((c) => c.text.replace(/ just signed up with Tea!$/, '')), names);
});

test('two browsers hold two streams; a page of another channel holds its own', async (t) => {
  const { proof, context, tabs } = await setup(t);
  await tabs(await context(), 3);
  const other = await context();
  await tabs(other, 3);
  await waitFor(async () => (await subscribers(proof)) === 2, { what: 'two streams' });
  await tabs(other, 2, { channel: 'mug' });
  await waitFor(async () => (await subscribers(proof)) === 3, { what: 'a third stream for the channel' });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await subscribers(proof), 3);
});
