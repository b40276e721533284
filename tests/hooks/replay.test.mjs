// What someone holding one captured delivery from a platform that signs only the body
// (Shopify, WooCommerce, Lemon Squeezy) can make the real proof do: re-send it with other
// unsigned headers (the shop, the webhook and event ids, the site, the topic), or re-send
// an old one. One card at most, never a card taken back on a header's word.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  API_KEY, LEMON_SECRET, SHOPIFY_SECRET, WOO_SECRET, authorized, daysAgo, lemonOrder, openStream,
  postLemon, postShopify, postWoo, shopifyOrder, startProof, wooOrder,
} from './harness.mjs';

describe('replayed deliveries', () => {
  let proof;
  let stream;
  before(async () => {
    proof = await startProof({
      apiKey: API_KEY,
      args: ['--shopify-secret', SHOPIFY_SECRET, '--woocommerce-secret', WOO_SECRET,
        '--lemonsqueezy-secret', LEMON_SECRET],
    });
    stream = await openStream(proof);
  });
  after(async () => {
    stream.close();
    await proof.stop();
  });

  it('Shopify: the same signed order with another shop, webhook id or event id is a duplicate', async () => {
    const order = shopifyOrder(5001);
    const first = await postShopify(proof, order);
    assert.equal(first.status, 202, first.text);
    await stream.next();
    for (const headers of [
      { 'X-Shopify-Shop-Domain': 'another-shop.myshopify.com' },
      { 'X-Shopify-Webhook-Id': 'a-new-webhook-id' },
      { 'X-Shopify-Event-Id': 'a-new-event-id' },
      { 'X-Shopify-Shop-Domain': 'third.myshopify.com', 'X-Shopify-Webhook-Id': 'w3', 'X-Shopify-Event-Id': 'e3' },
    ]) {
      const again = await postShopify(proof, order, { headers });
      assert.equal(again.status, 200, `${JSON.stringify(headers)}: ${again.text}`);
      assert.deepEqual(again.json, { ignored: 'duplicate' });
    }
    assert.equal(await stream.next(300), null, 'a re-sent delivery was shown');
  });

  it('Shopify: a paid order re-sent as orders/cancelled takes nothing back', async () => {
    const order = shopifyOrder(5002);
    const shown = await postShopify(proof, order);
    assert.equal(shown.status, 202, shown.text);
    await stream.next();
    const forged = await postShopify(proof, order, { topic: 'orders/cancelled' });
    assert.equal(forged.status, 200, forged.text);
    assert.equal(forged.json.erased, undefined);
    assert.equal(await stream.next(300), null, 'the card was taken back');
  });

  it('WooCommerce: the same signed order from another X-WC-Webhook-Source is a duplicate', async () => {
    const order = wooOrder(6001, 'processing');
    const first = await postWoo(proof, order);
    assert.equal(first.status, 202, first.text);
    await stream.next();
    for (const source of ['https://another-shop.example/', 'https://shop.example/?x=1']) {
      const again = await postWoo(proof, order, { headers: { 'X-WC-Webhook-Source': source } });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json, { ignored: 'duplicate' });
    }
    // A forged topic cannot delete it either: WooCommerce's deletion carries only the id.
    const deleted = await postWoo(proof, order, { topic: 'order.deleted' });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.json.erased, undefined);
    assert.equal(await stream.next(300), null);
  });

  it('an order last changed 8 days ago is stale, on every platform that signs no timestamp', async () => {
    const old = daysAgo(8);
    const answers = [
      await postShopify(proof, shopifyOrder(5003, { updated: old })),
      await postWoo(proof, wooOrder(6003, 'completed', { modified: old })),
      await postLemon(proof, lemonOrder('order_created', 7003, 'paid', { updated: old })),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.json, { ignored: 'stale' });
    }
    assert.equal(await stream.next(300), null);
    // Six days old is still within the window.
    const recent = await postShopify(proof, shopifyOrder(5004, { updated: daysAgo(6) }));
    assert.equal(recent.status, 202, recent.text);
    await stream.next();
    // The operator sees why, as proof answered the platform.
    const { recent: deliveries } = await (await fetch(`${proof.url}/hooks/recent`, { headers: authorized })).json();
    const stale = deliveries.filter((d) => d.reason === 'stale').map((d) => [d.source, d.outcome]);
    assert.deepEqual(stale.sort(), [['lemonsqueezy', 'ignored'], ['shopify', 'ignored'], ['woocommerce', 'ignored']]);
  });
});
