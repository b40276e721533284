// Issue 11's display rules, in Chromium against the real proof binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, postSignup, cards, waitForCards } from './harness.mjs';

const { setup: chromium } = useChromium();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One tab for the test: view() loads the shop page in it (a new page view).
async function setup(t, contextOptions = {}) {
  const scene = await chromium(t, { context: contextOptions });
  const page = await scene.page();
  const view = (attributes, name = '/') => scene.open(attributes, { page, name });
  return { proof: scene.proof, page, view };
}

const texts = async (page) => (await cards(page)).map((c) => c.text.replace(/ just signed up with Tea!$/, ''));

test('a replayed card shown in this tab is not shown again on the next page view; data-repeat="true" shows it again', async (t) => {
  const { proof, page, view } = await setup(t);
  for (const name of ['A', 'B']) await postSignup(proof, { user_name: name, offer_name: 'Tea' });
  const fast = { duration: 100, cooldown: 0, replay: 3 };
  await view(fast, '/one');
  await waitForCards(page, 2);
  assert.deepEqual(await texts(page), ['A', 'B']);
  await view(fast, '/two');
  await postSignup(proof, { user_name: 'C', offer_name: 'Tea' });
  await waitForCards(page, 1);
  await sleep(500);
  assert.deepEqual(await texts(page), ['C'], 'only the new one');
  await view({ ...fast, repeat: 'true' }, '/three');
  await waitForCards(page, 3);
  assert.deepEqual(await texts(page), ['A', 'B', 'C']);
});

test('a live signup goes ahead of replayed cards still waiting', async (t) => {
  const { proof, page, view } = await setup(t);
  for (const name of ['H1', 'H2', 'H3']) await postSignup(proof, { user_name: name, offer_name: 'Tea' });
  await view({ duration: 3000, cooldown: 0, replay: 3 });
  await waitForCards(page, 1);
  // Past the first second of the stream, which counts as history.
  await sleep(1200);
  await postSignup(proof, { user_name: 'Live', offer_name: 'Tea' });
  await waitForCards(page, 4, 20000);
  assert.deepEqual(await texts(page), ['H1', 'Live', 'H2', 'H3']);
});

test('data-delay holds the first card back; data-max-cards caps the cards of a page view', async (t) => {
  const { proof, page, view } = await setup(t);
  const loaded = Date.now();
  await view({ duration: 100, cooldown: 0, delay: 1500, 'max-cards': 2, replay: 0 });
  for (const name of ['A', 'B', 'C', 'D']) await postSignup(proof, { user_name: name, offer_name: 'Tea' });
  await waitForCards(page, 2);
  assert.ok(Date.now() - loaded >= 1500, 'the first card came before data-delay');
  await sleep(1000);
  assert.deepEqual(await texts(page), ['A', 'B']);
});

test('data-hide-on-mobile: no cards at 767 px wide or less, cards above', async (t) => {
  const { proof, page, view } = await setup(t, { viewport: { width: 767, height: 700 } });
  await view({ duration: 100, cooldown: 0, replay: 0, 'hide-on-mobile': 'true' });
  await postSignup(proof, { user_name: 'Phone', offer_name: 'Tea' });
  await sleep(1000);
  assert.deepEqual(await cards(page), []);
  await page.setViewportSize({ width: 768, height: 700 });
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await waitForCards(page, 1);
  assert.deepEqual(await texts(page), ['Phone']);
});
