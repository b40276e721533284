// What the tests of /hooks share: deliveries signed by the platforms' own libraries
// (stripe's generateTestHeaderString, standardwebhooks' Webhook.sign) or, for platforms
// without an official Node library, by Node's own crypto as their documentation says;
// posting them to the real proof; and reading its event stream.
import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';

export { startProof, startRedis, sleep, waitFor } from '../support/proof.mjs';

export const API_KEY = 'hooks-test-key';
export const STRIPE_SECRET = 'whsec_hooks_test_secret';
export const SHOPIFY_SECRET = 'shopify-signing-key-for-tests';
export const WOO_SECRET = 'woo secret & more';
export const LEMON_SECRET = 'lemon-secret-1';
export const STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const stripe = new Stripe('sk_test_not_used', { telemetry: false });

// Posts `body` (a string) to proof's `path` with `headers`; returns status, headers, JSON.
export async function post(proof, path, body, headers = {}) {
  const res = await fetch(proof.url + path, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the test says so
  }
  return { status: res.status, headers: res.headers, json, text };
}

// --- Stripe ---

export function stripeSignature(payload, { secret = STRIPE_SECRET, timestamp } = {}) {
  return stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

export function stripeEvent(id, type, object, { live = true } = {}) {
  return { id, object: 'event', type, livemode: live, created: Math.floor(Date.now() / 1000), data: { object } };
}

export function checkoutSession(id, { status = 'paid', intent = `pi_${id.replace(/^cs_/, '')}`, name = 'Jane Doe', city = 'Leeds', offer } = {}) {
  return {
    id,
    object: 'checkout.session',
    payment_status: status,
    payment_intent: intent,
    customer_details: { name, email: 'jane@example.com', address: { city } },
    metadata: offer ? { offer_name: offer } : {},
  };
}

export function charge(intent, { refunded = true } = {}) {
  return { id: `ch_${intent}`, object: 'charge', payment_intent: intent, refunded, amount: 1000, amount_refunded: refunded ? 1000 : 100 };
}

export function postStripe(proof, event, { query = '', ...options } = {}) {
  const payload = JSON.stringify(event);
  return post(proof, `/hooks/stripe${query}`, payload, { 'Stripe-Signature': stripeSignature(payload, options) });
}

// --- Standard Webhooks ---

export function postStandard(proof, envelope, { id = `msg_${Math.random().toString(36).slice(2)}`, at = new Date(), prefix = 'webhook', secret = STANDARD_SECRET } = {}) {
  const payload = JSON.stringify(envelope);
  const signature = new Webhook(secret).sign(id, at, payload);
  return post(proof, '/hooks/standard', payload, {
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
    [`${prefix}-signature`]: signature,
  });
}

// --- Shopify, WooCommerce, Lemon Squeezy: HMAC-SHA256 as each documents it ---

const hmac = (secret, body, encoding) => createHmac('sha256', secret).update(body).digest(encoding);

// Shopify, WooCommerce and Lemon Squeezy sign no timestamp: their bodies' own times (when the
// order last changed) tell a replay from a delivery, so fixtures carry recent ones.
const DAY = 24 * 3600 * 1000;
export const daysAgo = (n) => new Date(Date.now() - n * DAY);
// As a shop in New York writes it: 2026-12-04T07:00:00-05:00.
const shopifyTime = (date) => new Date(date.getTime() - 5 * 3600 * 1000).toISOString().slice(0, 19) + '-05:00';
// WooCommerce's *_gmt fields: UTC, no zone.
const wooTime = (date) => date.toISOString().slice(0, 19);
// Lemon Squeezy: UTC with microseconds.
const lemonTime = (date) => date.toISOString().slice(0, 19) + '.000000Z';

// `headers` replaces or adds headers after signing: what someone re-sending a captured
// delivery can change.
export function postShopify(proof, order, { topic = 'orders/paid', webhookId = `wh-${order.id}-${topic}`, secret = SHOPIFY_SECRET, headers = {} } = {}) {
  const payload = JSON.stringify(order);
  return post(proof, '/hooks/shopify', payload, {
    'X-Shopify-Hmac-Sha256': hmac(secret, payload, 'base64'),
    'X-Shopify-Topic': topic,
    'X-Shopify-Webhook-Id': webhookId,
    'X-Shopify-Event-Id': `ev-${webhookId}`,
    'X-Shopify-Shop-Domain': 'test-shop.myshopify.com',
    'X-Shopify-Triggered-At': new Date().toISOString(),
    ...headers,
  });
}

export function shopifyOrder(id, { status = 'paid', test = false, title = 'Blue mug', cancelled = null, updated = new Date() } = {}) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    test,
    financial_status: status,
    cancelled_at: cancelled,
    created_at: shopifyTime(new Date(updated.getTime() - 60000)),
    updated_at: shopifyTime(updated),
    billing_address: { first_name: 'Jane', last_name: 'Doe', city: 'Leeds' },
    customer: { first_name: 'Jane', last_name: 'Doe' },
    line_items: [{ title, quantity: 1 }],
  };
}

export function postWoo(proof, order, { topic = 'order.updated', secret = WOO_SECRET, headers = {} } = {}) {
  const payload = JSON.stringify(order);
  return post(proof, '/hooks/woocommerce', payload, {
    'X-WC-Webhook-Signature': hmac(secret, payload, 'base64'),
    'X-WC-Webhook-Topic': topic,
    'X-WC-Webhook-Resource': 'order',
    'X-WC-Webhook-Source': 'https://shop.example/',
    'X-WC-Webhook-Delivery-ID': String(Math.random()),
    ...headers,
  });
}

// As WooCommerce's REST API (v3) renders an order, _links included.
export function wooOrder(id, status, { name = 'Candle', modified = new Date(), site = 'https://shop.example' } = {}) {
  return {
    id,
    status,
    date_created_gmt: wooTime(new Date(modified.getTime() - 60000)),
    date_modified_gmt: wooTime(modified),
    billing: { first_name: 'Ana', last_name: 'Lima', city: 'Porto' },
    line_items: [{ name, quantity: 1 }],
    _links: { self: [{ href: `${site}/wp-json/wc/v3/orders/${id}` }], collection: [{ href: `${site}/wp-json/wc/v3/orders` }] },
  };
}

export function postLemon(proof, body, { secret = LEMON_SECRET, headers = {} } = {}) {
  const payload = JSON.stringify(body);
  return post(proof, '/hooks/lemonsqueezy', payload, {
    'X-Signature': hmac(secret, payload, 'hex'),
    'X-Event-Name': body.meta.event_name,
    ...headers,
  });
}

export function lemonOrder(event, id, status, { test = false, updated = new Date() } = {}) {
  return {
    meta: { event_name: event, test_mode: test, webhook_id: 'w1' },
    data: {
      type: 'orders',
      id: String(id),
      attributes: {
        status, user_name: 'Kim Lee', refunded: status === 'refunded', test_mode: test,
        first_order_item: { product_name: 'Ebook' },
        created_at: lemonTime(new Date(updated.getTime() - 60000)), updated_at: lemonTime(updated),
      },
    },
  };
}

// --- The stream ---

// An open GET /events; next() gives the next SSE block as { event, id, data } (data
// parsed), or null after `timeout` ms.
export async function openStream(proof, path = '/events') {
  const controller = new AbortController();
  const res = await fetch(proof.url + path, { signal: controller.signal });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const blocks = [];
  let waiting = null;
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const parsed = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const name = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (name === 'data') parsed.data = (parsed.data ? parsed.data + '\n' : '') + value;
            else parsed[name] = value;
          }
          if (parsed.data === undefined) continue;  // retry:, comments
          parsed.data = JSON.parse(parsed.data);
          blocks.push(parsed);
          if (waiting) waiting();
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    async next(timeout = 3000) {
      const end = Date.now() + timeout;
      while (!blocks.length) {
        const left = end - Date.now();
        if (left <= 0) return null;
        await new Promise((resolve) => {
          waiting = resolve;
          setTimeout(resolve, left);
        });
        waiting = null;
      }
      return blocks.shift();
    },
    close() {
      controller.abort();
    },
  };
}

// The value of one sample of GET /metrics, e.g. metric(p, 'proof_source_deliveries_total{source="stripe",outcome="published"}').
export async function metric(proof, sample) {
  const text = await (await fetch(`${proof.url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(sample + ' ')) return Number(line.slice(sample.length + 1));
  }
  throw new Error(`no sample ${sample} in /metrics`);
}

export const authorized = { Authorization: `Bearer ${API_KEY}` };
