// POST /hooks/shopify, /hooks/woocommerce, /hooks/lemonsqueezy and /hooks/standard against
// the real binary: each platform's signature as its documentation gives it (Standard
// Webhooks signed by its own npm library), paid orders as verified cards, test and unpaid
// ones ignored, WooCommerce's ping answered, refunds and cancellations taken back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  API_KEY, LEMON_SECRET, SHOPIFY_SECRET, STANDARD_SECRET, WOO_SECRET, lemonOrder, openStream, post,
  postLemon, postShopify, postStandard, postWoo, shopifyOrder, startProof, wooOrder,
} from './harness.mjs';

describe('the other platforms', () => {
  let proof;
  let stream;
  before(async () => {
    proof = await startProof({
      apiKey: API_KEY,
      args: ['--shopify-secret', SHOPIFY_SECRET, '--woocommerce-secret', WOO_SECRET,
        '--lemonsqueezy-secret', LEMON_SECRET, '--webhook-secret', STANDARD_SECRET],
    });
    stream = await openStream(proof);
  });
  after(async () => {
    stream.close();
    await proof.stop();
  });

  describe('Shopify', () => {
    it('shows a paid order once, from its billing name and first line item', async () => {
      const answer = await postShopify(proof, shopifyOrder(1001));
      assert.equal(answer.status, 202, answer.text);
      const event = await stream.next();
      assert.deepEqual([event.data.source, event.data.user_name, event.data.offer_name, event.data.city],
        ['shopify', 'Jane D.', 'Blue mug', 'Leeds']);
      // The same order's orders/updated (another webhook id) is a duplicate.
      const update = await postShopify(proof, shopifyOrder(1001), { topic: 'orders/updated' });
      assert.deepEqual(update.json, { ignored: 'duplicate' });
      // The same delivery retried (Shopify repeats X-Shopify-Webhook-Id).
      assert.deepEqual((await postShopify(proof, shopifyOrder(1001))).json, { ignored: 'duplicate' });
    });

    it('ignores unpaid and test orders (the admin\'s "send test notification")', async () => {
      assert.deepEqual((await postShopify(proof, shopifyOrder(1002, { status: 'pending' }), { topic: 'orders/create' })).json,
        { ignored: 'unpaid' });
      assert.deepEqual((await postShopify(proof, shopifyOrder(9999, { test: true }))).json, { ignored: 'test' });
      assert.equal(await stream.next(300), null);
    });

    it('takes a cancelled or refunded order back', async () => {
      const shown = await postShopify(proof, shopifyOrder(1003));
      await stream.next();
      const cancelled = await postShopify(proof, shopifyOrder(1003, { cancelled: '2026-12-03T10:00:00Z' }), { topic: 'orders/cancelled' });
      assert.deepEqual(cancelled.json, { erased: shown.json.id });
      assert.equal((await stream.next()).event, 'erase');
      const other = await postShopify(proof, shopifyOrder(1004));
      await stream.next();
      const refunded = await postShopify(proof, shopifyOrder(1004, { status: 'refunded' }), { topic: 'orders/updated' });
      assert.deepEqual(refunded.json, { erased: other.json.id });
      await stream.next();
    });

    it('refuses a wrong signature', async () => {
      const answer = await postShopify(proof, shopifyOrder(1005), { secret: 'not-the-key' });
      assert.equal(answer.status, 401);
      assert.match(answer.json.error, /--shopify-secret/);
    });
  });

  describe('WooCommerce', () => {
    it('answers the creation ping with 200 and nothing else', async () => {
      const ping = await post(proof, '/hooks/woocommerce', 'webhook_id=17',
        { 'Content-Type': 'application/x-www-form-urlencoded' });
      assert.equal(ping.status, 200);
      assert.deepEqual(ping.json, { ignored: 'ping' });
      assert.equal(await stream.next(300), null);
    });

    it('shows an order once it is paid (created pending, then updated processing)', async () => {
      assert.deepEqual((await postWoo(proof, wooOrder(42, 'pending'), { topic: 'order.created' })).json,
        { ignored: 'unpaid' });
      const paid = await postWoo(proof, wooOrder(42, 'processing'));
      assert.equal(paid.status, 202, paid.text);
      const event = await stream.next();
      assert.deepEqual([event.data.source, event.data.user_name, event.data.offer_name],
        ['woocommerce', 'Ana L.', 'Candle']);
      assert.deepEqual((await postWoo(proof, wooOrder(42, 'completed'))).json, { ignored: 'duplicate' });
    });

    it('takes back a refunded order, signed with the secret as typed (spaces and & in it)', async () => {
      const shown = await postWoo(proof, wooOrder(43, 'completed'));
      await stream.next();
      // WordPress decodes entities in the stored secret before signing, so "&amp;" in the
      // configured secret would also stand for "&" (unit-tested); the reverse is not true.
      const refunded = await postWoo(proof, wooOrder(43, 'refunded'), { secret: WOO_SECRET.replace('&', '&amp;') });
      assert.equal(refunded.status, 401, 'a different secret verified');
      const back = await postWoo(proof, wooOrder(43, 'refunded'));
      assert.deepEqual(back.json, { erased: shown.json.id });
      await stream.next();
    });
  });

  describe('Lemon Squeezy', () => {
    it('shows a paid order, ignores test mode, takes back a full refund only', async () => {
      const paid = await postLemon(proof, lemonOrder('order_created', 7, 'paid'));
      assert.equal(paid.status, 202, paid.text);
      const event = await stream.next();
      assert.deepEqual([event.data.source, event.data.user_name, event.data.offer_name],
        ['lemonsqueezy', 'Kim L.', 'Ebook']);
      assert.deepEqual((await postLemon(proof, lemonOrder('order_created', 8, 'paid', { test: true }))).json,
        { ignored: 'test' });
      assert.deepEqual((await postLemon(proof, lemonOrder('order_refunded', 7, 'partial_refund'))).json,
        { ignored: 'partial refund' });
      assert.deepEqual((await postLemon(proof, lemonOrder('order_refunded', 7, 'refunded'))).json,
        { erased: paid.json.id });
      await stream.next();
      assert.equal((await postLemon(proof, lemonOrder('order_created', 9, 'paid'), { secret: 'wrong-secret' })).status, 401);
    });
  });

  describe('Standard Webhooks', () => {
    it('publishes data as POST /signup would, once per webhook-id, with webhook- or svix- headers', async () => {
      const envelope = { type: 'order.paid', timestamp: new Date().toISOString(), data: { user_name: 'Jo Bloggs', offer_name: 'Course', order_id: 'ord-1' } };
      const first = await postStandard(proof, envelope, { id: 'msg_std_1' });
      assert.equal(first.status, 202, first.text);
      const event = await stream.next();
      assert.deepEqual([event.data.source, event.data.user_name, event.data.offer_name], ['standard', 'Jo B.', 'Course']);
      assert.deepEqual((await postStandard(proof, envelope, { id: 'msg_std_1', prefix: 'svix' })).json, { ignored: 'duplicate' });
      const refund = await postStandard(proof, { type: 'order.refunded', timestamp: '', data: { order_id: 'ord-1' } });
      assert.deepEqual(refund.json, { erased: first.json.id });
      await stream.next();
    });

    it('refuses timestamps more than 5 minutes away either way, and a data field with HTML-unsafe URL', async () => {
      const envelope = { type: 'signup', timestamp: '', data: { user_name: 'Late' } };
      const old = await postStandard(proof, envelope, { at: new Date(Date.now() - 301000) });
      assert.equal(old.status, 401);
      assert.match(old.json.error, /old/);
      const ahead = await postStandard(proof, envelope, { at: new Date(Date.now() + 301000) });
      assert.equal(ahead.status, 401);
      assert.match(ahead.json.error, /future/);
      const script = await postStandard(proof, { type: 'signup', timestamp: '', data: { user_name: 'X', url: 'javascript:alert(1)' } });
      assert.equal(script.status, 400);
      const claim = await postStandard(proof, { type: 'signup', timestamp: '', data: { user_name: 'X', source: 'stripe' } });
      assert.equal(claim.status, 400, 'a signed sender cannot pass itself off as Stripe');
      assert.equal(await stream.next(300), null);
    });
  });

  it('lists every configured source in the metrics', async () => {
    const text = await (await fetch(`${proof.url}/metrics`)).text();
    for (const source of ['shopify', 'woocommerce', 'lemonsqueezy', 'standard']) {
      assert.match(text, new RegExp(`proof_source_deliveries_total\\{source="${source}",outcome="published"\\} [1-9]`));
    }
    assert.doesNotMatch(text, /source="stripe"/);
  });
});
