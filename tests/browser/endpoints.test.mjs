// The widget's parts that need the server side of issues 11 and 12: channels,
// erasure, the live count, the total, and the cards' beacons. Against the real
// proof binary; screenshots of the live count and the total on desktop and
// phone go to tests/browser/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, postSignup, cards, waitForCards, artifact, API_KEY } from './harness.mjs';

const { setup } = useChromium();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const auth = { Authorization: `Bearer ${API_KEY}` };
// Pages are 1280 x 720 (Playwright's default) unless they say PHONE.
const PHONE = { width: 375, height: 667 };

const texts = async (page) => (await cards(page)).map((c) => c.text);

test('data-channel: the page gets its channel\'s events and those without one', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ channel: 'mug', duration: 100, cooldown: 0, replay: 0 });
  await postSignup(proof, { user_name: 'Cup', offer_name: 'Tea', channel: 'cup' });
  await postSignup(proof, { user_name: 'Mug', offer_name: 'Tea', channel: 'mug' });
  await postSignup(proof, { user_name: 'All', offer_name: 'Tea' });
  await waitForCards(page, 2);
  await sleep(500);
  assert.deepEqual(await texts(page), ['Mug just signed up with Tea!', 'All just signed up with Tea!']);
});

test('an event erased on the server is dropped from the queue and never shown', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 1500, cooldown: 0, replay: 0 });
  await postSignup(proof, { user_name: 'A', offer_name: 'Tea' });
  const b = await postSignup(proof, { user_name: 'B', offer_name: 'Tea' });
  await postSignup(proof, { user_name: 'C', offer_name: 'Tea' });
  const res = await fetch(`${proof.url}/events/${b}`, { method: 'DELETE', headers: auth });
  assert.equal(res.status, 204);
  await waitForCards(page, 2);
  await sleep(2000);
  assert.deepEqual(await texts(page), ['A just signed up with Tea!', 'C just signed up with Tea!']);
});

test('an erased card on screen leaves at once, in every tab: sliding out, or at once under reduced motion', async (t) => {
  const scene = await setup(t);
  const { proof, open } = scene;
  const attributes = { duration: 60000, cooldown: 0, replay: 0 };
  const browser = await scene.context();
  // Two tabs of one browser (the second gets the stream's events relayed) and a browser
  // that asks for reduced motion.
  const first = await open(attributes, { context: browser });
  const second = await open(attributes, { context: browser, name: '/second', state: null });
  const still = await open(attributes, { context: await scene.context({ reducedMotion: 'reduce' }), name: '/still' });
  const pages = [first, second, still];
  const id = await postSignup(proof, { user_name: 'Refunded', offer_name: 'Tea' });
  for (const page of pages) await waitForCards(page, 1);
  // Whatever the page was doing, the card has been up for a while.
  await sleep(300);
  const erased = Date.now();
  assert.equal((await fetch(`${proof.url}/events/${id}`, { method: 'DELETE', headers: auth })).status, 204);
  const leaving = () => !document.querySelector('.proof').classList.contains('proof-visible');
  for (const page of pages) await page.waitForFunction(leaving, null, { timeout: 5000 });
  assert.ok(Date.now() - erased < 5000, 'gone long before its 60 s');
  // With motion it slides out (a transition runs), then leaves the tab order; without, it is hidden at once.
  const sliding = await first.evaluate(() => document.querySelector('.proof').getAnimations().length);
  assert.ok(sliding >= 1 || await first.evaluate(() => getComputedStyle(document.querySelector('.proof')).visibility === 'hidden'),
    'slides out (or has already slid out on a slow machine)');
  assert.deepEqual(await still.evaluate(() => {
    const card = document.querySelector('.proof');
    return [getComputedStyle(card).visibility, card.getAnimations().length];
  }), ['hidden', 0]);
  await first.waitForFunction(() => getComputedStyle(document.querySelector('.proof')).visibility === 'hidden');
});

test('the live count shows once per page view when enough pages are open (desktop and phone screenshots)', async (t) => {
  const { open } = await setup(t);
  const attributes = { 'presence-min': 2, duration: 60000, replay: 0 };
  const first = await open(attributes);
  await sleep(500);
  assert.deepEqual(await cards(first), [], 'one page open: under the minimum');
  const phone = await open(attributes, { viewport: PHONE, name: '/phone' });
  for (const page of [first, phone]) {
    await waitForCards(page, 1);
    assert.deepEqual(await texts(page), ['2 people are looking at this right now']);
  }
  await first.screenshot({ path: artifact('presence-desktop.png') });
  await phone.screenshot({ path: artifact('presence-phone.png') });
  await open({ ...attributes, 'presence-template': 'Live: {count}' }, { name: '/third' });
  await sleep(1000);
  assert.equal((await cards(first)).length, 1, 'once per page view');
});

test('the total shows once, with its period in words and in the page\'s language (desktop and phone screenshots)', async (t) => {
  const { proof, open } = await setup(t);
  for (const name of ['A', 'B', 'C']) await postSignup(proof, { user_name: name, offer_name: 'Tea' });
  const attributes = { 'summary-hours': 168, duration: 60000, replay: 0 };
  const desktop = await open(attributes);
  const phone = await open(attributes, { viewport: PHONE, name: '/phone' });
  for (const page of [desktop, phone]) {
    await waitForCards(page, 1);
    assert.deepEqual(await texts(page), ['3 people signed up in the last 7 days']);
  }
  await desktop.screenshot({ path: artifact('summary-desktop.png') });
  await phone.screenshot({ path: artifact('summary-phone.png') });
  const french = await open({ ...attributes, locale: 'fr', 'summary-template': '{count} inscriptions sur {period}' }, { name: '/fr' });
  await waitForCards(french, 1);
  assert.deepEqual((await texts(french)).map((x) => x.replace(/\s/g, ' ')), ['3 inscriptions sur 7 jours']);
  const few = await open({ ...attributes, 'summary-min': 5 }, { name: '/few' });
  await sleep(1500);
  assert.deepEqual(await cards(few), [], 'under data-summary-min');
  // A shop counts its purchases apart, in a sentence that says bought.
  for (const name of ['D', 'E']) await postSignup(proof, { user_name: name, offer_name: 'Mug', kind: 'purchase' });
  const bought = await open({ ...attributes, 'summary-kind': 'purchase' }, { name: '/bought' });
  const joined = await open({ ...attributes, 'summary-kind': 'signup' }, { name: '/joined' });
  await waitForCards(bought, 1);
  await waitForCards(joined, 1);
  assert.deepEqual(await texts(bought), ['2 people bought in the last 7 days']);
  assert.deepEqual(await texts(joined), ['3 people signed up in the last 7 days']);
});

test('each card shown and each click on its link is counted by the server (beacons)', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60000, replay: 0 });
  await postSignup(proof, { user_name: 'Link', offer_name: 'Tea', url: '/' });
  await waitForCards(page, 1);
  await page.click('.proof a.proof-body');
  const stats = async () => (await (await fetch(`${proof.url}/stats?days=1`, { headers: auth })).json()).days.at(-1);
  let day;
  for (let i = 0; i < 50; i++) {
    day = await stats();
    if (day.shown >= 1 && day.clicks >= 1) break;
    await sleep(100);
  }
  assert.equal(day.shown, 1);
  assert.equal(day.clicks, 1);
});
