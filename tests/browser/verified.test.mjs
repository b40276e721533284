// Issue 19: cards from verified sources, in Chromium against the real proof binary. The
// Stripe deliveries are signed by Stripe's own library (npm's stripe), so what makes a
// card here is what Stripe's webhooks would make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useChromium, postSignup, postStripe, stripeCheckout, stripeRefund, STRIPE_ARGS, cards, waitForCards, artifact,
} from './harness.mjs';

const { setup } = useChromium();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A verified delivery is a purchase: its own sentence (issue 36).
const JANE = 'Jane Doe from Leeds just bought Blue mug';
const BO = 'Bo just signed up with Tea!';

test('a Stripe delivery makes a card with the verified line inside it; a /signup card has none; data-verified="off" hides it', async (t) => {
  const { proof, open } = await setup(t, { args: STRIPE_ARGS, context: { reducedMotion: 'reduce' } });
  const page = await open({ duration: 2000, cooldown: 0, replay: 0 });
  const off = await open({ duration: 200, cooldown: 0, replay: 0, verified: 'off' }, { name: '/off' });

  const answer = await postStripe(proof, stripeCheckout());
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  await postSignup(proof, { user_name: 'Bo', offer_name: 'Tea' });

  await waitForCards(page, 1);
  // On screen, inside the card and under the sentence (reduced motion: no sliding).
  const boxes = await page.evaluate(() => ['.proof', '.proof-msg', '.proof-verified'].map((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  }));
  const [card, msg, verified] = boxes;
  assert.ok(verified.top >= msg.bottom - 1, `the verified line is under the sentence: ${JSON.stringify(boxes)}`);
  assert.ok(verified.bottom <= card.bottom && verified.left >= card.left && verified.right <= card.right,
    `the verified line is inside the card: ${JSON.stringify(boxes)}`);
  assert.equal(await page.locator('.proof-verified *').count(), 0, 'text only');
  await page.screenshot({ path: artifact('verified-card.png') });

  const shown = await waitForCards(page, 2);
  assert.deepEqual(shown.map((c) => [c.text, c.verified]), [[JANE, 'Verified purchase · Stripe'], [BO, null]]);
  assert.deepEqual((await waitForCards(off, 2)).map((c) => [c.text, c.verified]), [[JANE, null], [BO, null]]);
});

test('data-verified-template words the line; HTML in it stays text', async (t) => {
  const { proof, open } = await setup(t, { args: STRIPE_ARGS });
  const page = await open({ duration: 200, cooldown: 0, replay: 0, 'verified-template': '<b>Bezahlt</b>[ über {source}]' });
  assert.equal((await postStripe(proof, stripeCheckout())).status, 202);
  const [card] = await waitForCards(page, 1);
  assert.equal(card.verified, '<b>Bezahlt</b> über Stripe');
  assert.equal(await page.locator('.proof b').count(), 0);
});

test('purchases read as purchases: their own template, and "from us" without a product name, never "one of our partners"', async (t) => {
  const { proof, open } = await setup(t, { args: STRIPE_ARGS });
  const attributes = { duration: 200, cooldown: 0, replay: 0 };
  const page = await open(attributes);
  const german = await open({
    ...attributes, locale: 'de', template: '{user_name} hat sich für {offer_name} angemeldet',
    'template-purchase': '{user_name}[ aus {city}] hat gerade[ {offer_name}| bei uns] gekauft',
  }, { name: '/de' });
  assert.equal((await postStripe(proof, stripeCheckout())).status, 202);
  // A session without metadata.offer_name: this server names no product.
  assert.equal((await postStripe(proof, stripeCheckout({ event: 'evt_3', session: 'cs_2', intent: 'pi_2', offer: '' }))).status, 202);
  await postSignup(proof, { user_name: 'Bo', offer_name: 'Tea' });
  assert.deepEqual((await waitForCards(page, 3)).map((c) => c.text), [JANE, 'Jane Doe from Leeds just bought from us', BO]);
  assert.deepEqual((await waitForCards(german, 3)).map((c) => c.text), [
    'Jane Doe aus Leeds hat gerade Blue mug gekauft',
    'Jane Doe aus Leeds hat gerade bei uns gekauft',
    'Bo hat sich für Tea angemeldet',
  ]);
});

test('a refund takes the card back: an open page drops it from its queue, and a new page does not replay it', async (t) => {
  const { proof, open } = await setup(t, { args: STRIPE_ARGS });
  // Bo's card holds this page for 8 s: the Stripe card waits in its queue meanwhile.
  const busy = await open({ duration: 8000, cooldown: 0, replay: 0 }, { name: '/busy' });
  await postSignup(proof, { user_name: 'Bo', offer_name: 'Tea' });
  await waitForCards(busy, 1);
  const busySince = Date.now();
  const { status, body } = await postStripe(proof, stripeCheckout());
  assert.equal(status, 202);

  // Before the refund, a new page replays both.
  const before = await open({ duration: 200, cooldown: 0, replay: 5 }, { name: '/before' });
  assert.deepEqual((await waitForCards(before, 2)).map((c) => [c.text, c.verified]), [[BO, null], [JANE, 'Verified purchase · Stripe']]);

  const refund = await postStripe(proof, stripeRefund());
  assert.deepEqual(refund, { status: 200, body: { erased: body.id } });
  assert.ok(Date.now() - busySince < 7000, 'the refund came while Bo\'s card was still up (a slow machine cannot tell)');

  const after = await open({ duration: 200, cooldown: 0, replay: 5 }, { name: '/after' });
  await waitForCards(after, 1);
  await sleep(1000);
  assert.deepEqual((await cards(after)).map((c) => c.text), [BO]);

  // Past Bo's 8 s the busy page has nothing left to show.
  await sleep(Math.max(0, busySince + 9000 - Date.now()));
  assert.deepEqual((await cards(busy)).map((c) => c.text), [BO]);
});

test('a refund of the card on screen takes it off the screen at once', async (t) => {
  const { proof, open } = await setup(t, { args: STRIPE_ARGS });
  const page = await open({ duration: 60000, cooldown: 0, replay: 0 });
  assert.equal((await postStripe(proof, stripeCheckout())).status, 202);
  await waitForCards(page, 1);
  const refunded = Date.now();
  assert.equal((await postStripe(proof, stripeRefund())).status, 200);
  await page.waitForFunction(() => !document.querySelector('.proof').classList.contains('proof-visible'), null, { timeout: 5000 });
  assert.ok(Date.now() - refunded < 5000);
});
