// POST /hooks/stripe against the real binary, every delivery signed by Stripe's own
// library (stripe.webhooks.generateTestHeaderString): a paid checkout is one verified
// card however often it comes, a full refund takes it back everywhere, and nothing that
// is unsigned, stale, test-mode, unpaid or malformed reaches a page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  API_KEY, STRIPE_SECRET, authorized, charge, checkoutSession, metric, openStream, post,
  postStripe, startProof, stripeEvent, stripeSignature,
} from './harness.mjs';

const checkout = (id, options = {}) =>
  stripeEvent(`evt_${id}`, 'checkout.session.completed', checkoutSession(`cs_${id}`, options), options);

describe('POST /hooks/stripe', () => {
  let proof;
  let stream;
  before(async () => {
    proof = await startProof({
      apiKey: API_KEY,
      args: ['--stripe-secret', 'whsec_retired_secret', '--stripe-secret', STRIPE_SECRET,
        '--max-publish-rate', '1'],
    });
    stream = await openStream(proof);
  });
  after(async () => {
    stream.close();
    assert.deepEqual(await proof.stop(), { code: 0, signal: null });
  });

  it('publishes a paid checkout as a verified card, the name as --display-name shows it', async () => {
    const answer = await postStripe(proof, checkout('a1', { offer: 'Blue mug' }));
    assert.equal(answer.status, 202, answer.text);
    const event = await stream.next();
    assert.equal(event.event, 'signup');
    assert.equal(Number(event.id), answer.json.id);
    assert.equal(event.data.source, 'stripe');
    assert.equal(event.data.user_name, 'Jane D.');
    assert.equal(event.data.offer_name, 'Blue mug');
    assert.equal(event.data.city, 'Leeds');
  });

  it('is not held to the publish rate: a burst of sales all show', async () => {
    // --max-publish-rate 1 would refuse the second POST /signup within a second.
    for (const id of ['b1', 'b2', 'b3']) {
      assert.equal((await postStripe(proof, checkout(id))).status, 202);
      assert.equal((await stream.next()).data.source, 'stripe');
    }
  });

  it('answers a retried delivery, or another event about the same payment, as a duplicate', async () => {
    const event = checkout('c1');
    assert.equal((await postStripe(proof, event)).status, 202);
    assert.ok(await stream.next());
    const again = await postStripe(proof, event);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { ignored: 'duplicate' });
    const same = stripeEvent('evt_c1_async', 'checkout.session.async_payment_succeeded',
      checkoutSession('cs_c1_other', { intent: 'pi_c1' }));
    assert.deepEqual((await postStripe(proof, same)).json, { ignored: 'duplicate' });
    assert.equal(await stream.next(500), null, 'a duplicate reached the page');
  });

  it('shows a delayed payment when Stripe reports it paid, not before', async () => {
    const waiting = await postStripe(proof, checkout('d1', { status: 'unpaid' }));
    assert.deepEqual([waiting.status, waiting.json], [200, { ignored: 'unpaid' }]);
    assert.equal(await stream.next(300), null);
    const paid = stripeEvent('evt_d1_paid', 'checkout.session.async_payment_succeeded', checkoutSession('cs_d1'));
    assert.equal((await postStripe(proof, paid)).status, 202);
    assert.equal((await stream.next()).data.source, 'stripe');
  });

  it('ignores test mode, and other event types', async () => {
    assert.deepEqual((await postStripe(proof, checkout('e1', { live: false }))).json, { ignored: 'test' });
    const other = stripeEvent('evt_e2', 'customer.created', { id: 'cus_1' });
    assert.deepEqual((await postStripe(proof, other)).json, { ignored: 'event type' });
    assert.equal(await stream.next(300), null);
  });

  it('takes the card back on a full refund: gone from open pages, replay and totals', async () => {
    const before = (await (await fetch(`${proof.url}/summary?hours=1`)).json()).count;
    const shown = await postStripe(proof, checkout('f1'));
    assert.equal(shown.status, 202);
    await stream.next();
    const partial = await postStripe(proof, stripeEvent('evt_f1_p', 'charge.refunded', charge('pi_f1', { refunded: false })));
    assert.deepEqual(partial.json, { ignored: 'partial refund' });
    const refund = await postStripe(proof, stripeEvent('evt_f1_r', 'charge.refunded', charge('pi_f1')));
    assert.equal(refund.status, 200);
    assert.deepEqual(refund.json, { erased: shown.json.id });
    const erase = await stream.next();
    assert.equal(erase.event, 'erase');
    assert.deepEqual(erase.data, { id: shown.json.id });
    // A new page's replay no longer has it; the totals no longer count it.
    const fresh = await openStream(proof, '/events?replay=100');
    const replayed = [];
    for (let e = await fresh.next(500); e; e = await fresh.next(300)) replayed.push(Number(e.id));
    fresh.close();
    assert.ok(!replayed.includes(shown.json.id), 'the refunded card is still replayed');
    // Cached 5 s: ask for a period no one asked for yet.
    assert.equal((await (await fetch(`${proof.url}/summary?hours=2`)).json()).count, before);
    // The refund retried, and the sale retried after it: nothing.
    assert.deepEqual((await postStripe(proof, stripeEvent('evt_f1_r', 'charge.refunded', charge('pi_f1')))).json, { ignored: 'duplicate' });
    assert.deepEqual((await postStripe(proof, checkout('f1'))).json, { ignored: 'duplicate' });
  });

  it('verifies with either secret during a rotation', async () => {
    const payload = JSON.stringify(checkout('g1'));
    const old = await post(proof, '/hooks/stripe', payload, { 'Stripe-Signature': stripeSignature(payload, { secret: 'whsec_retired_secret' }) });
    assert.equal(old.status, 202, old.text);
    await stream.next();
  });

  it('refuses missing, wrong and stale signatures with 401, naming the step, publishing nothing', async () => {
    const payload = JSON.stringify(checkout('h1'));
    const cases = [
      [{}, /missing/],
      [{ 'Stripe-Signature': stripeSignature(payload, { secret: 'whsec_someone_else' }) }, /--stripe-secret/],
      [{ 'Stripe-Signature': stripeSignature(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }) }, /old/],
      [{ 'Stripe-Signature': 'v1=abc' }, /timestamp/],
    ];
    for (const [headers, message] of cases) {
      const answer = await post(proof, '/hooks/stripe', payload, headers);
      assert.equal(answer.status, 401, answer.text);
      assert.match(answer.json.error, message);
      assert.match(answer.headers.get('www-authenticate'), /^Signature /);
    }
    // A body changed after signing (a proxy re-encoding JSON) does not verify either.
    const reencoded = JSON.stringify(JSON.parse(payload), null, 2);
    assert.equal((await post(proof, '/hooks/stripe', reencoded, { 'Stripe-Signature': stripeSignature(payload) })).status, 401);
    assert.equal(await stream.next(300), null);
    assert.ok(await metric(proof, 'proof_source_deliveries_total{source="stripe",outcome="bad_signature"}') >= 5);
    // None of it was published, so the same delivery properly signed still is.
    assert.equal((await postStripe(proof, checkout('h1'))).status, 202);
    await stream.next();
  });

  it('accepts 300 KB, refuses past 1 MiB with 413, and refuses a signed body that is not JSON', async () => {
    const big = checkout('i1');
    big.data.object.padding = 'x'.repeat(300 * 1024);
    assert.equal((await postStripe(proof, big)).status, 202);
    await stream.next();
    const huge = checkout('i2');
    huge.data.object.padding = 'x'.repeat(1024 * 1024);
    const refused = await postStripe(proof, huge);
    assert.equal(refused.status, 413);
    assert.match(refused.json.error, /too large/);
    assert.equal(await metric(proof, 'proof_source_deliveries_total{source="stripe",outcome="too_large"}'), 1);
    const notJson = 'this is not JSON';
    const malformed = await post(proof, '/hooks/stripe', notJson, { 'Stripe-Signature': stripeSignature(notJson) });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error, /JSON/);
  });

  it('takes ?channel= and ?offer=, the event\'s own product name first', async () => {
    const mugs = await openStream(proof, '/events?channel=mugs');
    assert.equal((await postStripe(proof, checkout('j1'), { query: '?channel=mugs&offer=Gift%20card' })).status, 202);
    const event = await mugs.next();
    assert.equal(event.data.channel, 'mugs');
    assert.equal(event.data.offer_name, 'Gift card');
    await stream.next();
    mugs.close();
    assert.equal((await postStripe(proof, checkout('j2'), { query: '?channel=Bad!' })).status, 400);
    assert.equal((await postStripe(proof, checkout('j3'), { query: `?offer=${'o'.repeat(121)}` })).status, 400);
  });

  it('lists what arrived at GET /hooks/recent, behind the key, newest first', async () => {
    assert.equal((await fetch(`${proof.url}/hooks/recent`)).status, 401);
    const recent = await (await fetch(`${proof.url}/hooks/recent`, { headers: authorized })).json();
    assert.deepEqual(recent.sources.map((s) => s.source), ['stripe']);
    const stripe = recent.sources[0];
    assert.equal(stripe.path, '/hooks/stripe');
    assert.ok(stripe.counts.published >= 10);
    assert.ok(stripe.counts.duplicate >= 3);
    assert.ok(stripe.last_delivery > Date.now() - 60000);
    assert.ok(recent.recent.length <= 50);
    const [newest] = recent.recent;
    assert.equal(newest.source, 'stripe');
    assert.ok(recent.recent.some((r) => r.outcome === 'erased'));
    assert.ok(recent.recent.some((r) => r.outcome === 'published' && r.name === 'Jane D.'));
    for (let i = 1; i < recent.recent.length; i++) assert.ok(recent.recent[i - 1].ts >= recent.recent[i].ts);
  });

  it('never shows a secret: not in /metrics, /hooks/recent or the log', async () => {
    const text = (await (await fetch(`${proof.url}/metrics`)).text())
      + JSON.stringify(await (await fetch(`${proof.url}/hooks/recent`, { headers: authorized })).json())
      + proof.output();
    assert.ok(!text.includes(STRIPE_SECRET) && !text.includes('whsec_retired_secret'));
  });
});

describe('POST /hooks/NAME of a source without a secret', () => {
  it('answers 404, and POST /signup cannot claim a source', async () => {
    const proof = await startProof({ apiKey: API_KEY });
    try {
      const payload = JSON.stringify(checkout('k1'));
      const answer = await post(proof, '/hooks/stripe', payload, { 'Stripe-Signature': stripeSignature(payload) });
      assert.equal(answer.status, 404);
      assert.match(answer.json.error, /--stripe-secret/);
      assert.equal((await post(proof, '/hooks/paypal', '{}')).status, 404);
      const claimed = await post(proof, '/signup', JSON.stringify({ user_name: 'Eve', source: 'stripe' }), authorized);
      assert.equal(claimed.status, 400);
      assert.match(claimed.json.error, /source/);
    } finally {
      await proof.stop();
    }
  });
});

describe('bad signatures from one address', () => {
  it('are limited after a burst, and a good delivery from another source of traffic still goes', async () => {
    const proof = await startProof({ apiKey: API_KEY, args: ['--stripe-secret', STRIPE_SECRET] });
    try {
      const payload = JSON.stringify(checkout('l1'));
      const statuses = [];
      for (let i = 0; i < 14; i++) {
        statuses.push((await post(proof, '/hooks/stripe', payload, { 'Stripe-Signature': 't=1,v1=00' })).status);
      }
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
      assert.equal(statuses.at(-1), 429);
      // /signup is not affected by it.
      const signup = await post(proof, '/signup', JSON.stringify({ user_name: 'Bo' }), authorized);
      assert.equal(signup.status, 202);
    } finally {
      await proof.stop();
    }
  });
});
