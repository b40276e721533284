// Shared pieces of the browser tests: the real proof binary, a host page on
// another origin, headless Chromium, and what the page shows and logs; and
// useChromium(), the fixture every test file starts from.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { PROOF_BIN, ROOT, startProof as startProcess } from '../support/proof.mjs';

export { PROOF_BIN, ROOT, freePort, waitFor } from '../support/proof.mjs';
export const ARTIFACTS = path.join(ROOT, 'tests/browser/artifacts');
// What the build tree beside that binary serves: public/ with proof.js minified
// (cmake/widget.cmake), so the tests run the widget that browsers download.
export const PUBLIC_DIR = path.join(path.dirname(PROOF_BIN), 'public');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const API_KEY = 'browser-test-key';

// Starts build/proof (tests/support/proof.mjs) as the browser tests want it: the staged
// public/, names as posted, the host page's origin allowed.
export async function startProof({ port, pageOrigin, args = [] }) {
  if (!existsSync(path.join(PUBLIC_DIR, 'proof.js'))) throw new Error(`no staged ${PUBLIC_DIR}/proof.js (cmake --build stages it)`);
  return startProcess({
    port,
    apiKey: API_KEY,
    publicDir: PUBLIC_DIR,
    args: [
      // Cards show names as posted here; how names are shortened is tested on the server.
      '--display-name', 'full',
      '--allowed-origin', pageOrigin,
      '--heartbeat', '15',
      '--history', '100',
      ...args,
    ],
  });
}

// POSTs a signup the way a shop's backend does; returns the new event's id.
export async function postSignup(proof, fields) {
  const res = await fetch(`${proof.url}/signup`, {
    method: 'POST',
    body: new URLSearchParams({ api_key: API_KEY, ...fields }),
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`POST /signup answered ${res.status}: ${text}`);
  return JSON.parse(text).id;
}

// The Stripe signing secret of tests that start proof with STRIPE_ARGS.
export const STRIPE_SECRET = 'whsec_test123';
export const STRIPE_ARGS = ['--stripe-secret', STRIPE_SECRET];

// POSTs a Stripe event to /hooks/stripe, signed by Stripe's own library (npm's stripe)
// with `secret`; resolves to the answer's status and JSON body.
export async function postStripe(proof, event, secret = STRIPE_SECRET) {
  const { default: Stripe } = await import('stripe');
  const payload = JSON.stringify(event);
  const signature = new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload, secret });
  const res = await fetch(`${proof.url}/hooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: payload,
  });
  return { status: res.status, body: await res.json() };
}

// A paid Checkout Session as Stripe sends it (the fields proof reads).
export function stripeCheckout({ event = 'evt_1', session = 'cs_1', intent = 'pi_1', name = 'Jane Doe', city = 'Leeds', offer = 'Blue mug', livemode = true } = {}) {
  return {
    id: event,
    type: 'checkout.session.completed',
    livemode,
    data: {
      object: {
        id: session,
        payment_status: 'paid',
        payment_intent: intent,
        customer_details: { name, address: { city } },
        metadata: { offer_name: offer },
      },
    },
  };
}

// A full refund of the charge of that payment intent.
export function stripeRefund({ event = 'evt_2', charge = 'ch_1', intent = 'pi_1' } = {}) {
  return { id: event, type: 'charge.refunded', livemode: true, data: { object: { id: charge, payment_intent: intent, refunded: true } } };
}

// The host page: a shop page on its own origin with the one widget tag.
export function shopPage(proofUrl, attributes = {}) {
  const attrs = Object.entries(attributes)
    .map(([name, value]) => ` data-${name}="${String(value).replace(/"/g, '&quot;')}"`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Test shop</title>
<style>body{margin:0;font:16px sans-serif} main{padding:20px} p{margin:0 0 12px}</style>
</head><body><main><h1>Test shop</h1>
${'<p>Some product text that fills the page.</p>'.repeat(5)}
<button id="buy">Buy</button></main>
<script src="${proofUrl}/proof.js" async${attrs}></script>
</body></html>`;
}

// A tiny server for host pages: set(path, html) and the page is there.
export async function startPageServer() {
  const pages = new Map();
  const server = createServer((req, res) => {
    const html = pages.get(new URL(req.url, 'http://x').pathname);
    if (!html) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    set(pathname, html) {
      pages.set(pathname, html);
      return origin + pathname;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

export function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Records, in the page, every card as it slides in (its text and when), the
// stream states the widget goes through, and the globals there were before.
function recordCards() {
  window.__globals = Object.keys(window);
  window.__cards = [];
  window.__states = [];
  window.__stateTimes = [];
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const el = m.target;
      if (m.attributeName === 'data-state') {
        window.__states.push(el.getAttribute('data-state'));
        window.__stateTimes.push(performance.now());
      } else if (el.classList.contains('proof-visible') && !/\bproof-visible\b/.test(m.oldValue || '')) {
        const msg = el.querySelector('.proof-msg');
        const age = el.querySelector('.proof-age');
        const verified = el.querySelector('.proof-verified');
        window.__cards.push({
          t: performance.now(),
          text: msg ? msg.textContent : null,
          age: age ? age.textContent : null,
          verified: verified ? verified.textContent : null,
        });
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['class', 'data-state'], attributeOldValue: true });
}

// A page that records its cards and collects console errors and page errors
// into errors (tests assert it stays empty).
export async function openPage(context, errors) {
  const page = await context.newPage();
  await page.addInitScript(recordCards);
  return collectErrors(page, errors);
}

function collectErrors(page, errors) {
  page.on('console', (msg) => {
    // Eight tabs of one browser showing a card each send more beacons a second than one
    // address may (429 by design: those counts are dropped); endpoints.test.mjs checks
    // the beacons themselves.
    if (/status of 429 .*\/beacon\)$/.test(`${msg.text()} (${msg.location().url})`)) return;
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return page;
}

// Headless Chromium keeps every page visible: neither bringToFront() of
// another page nor minimising the window (CDP Browser.setWindowBounds)
// changes document.visibilityState. So the tab is hidden the way the widget
// sees it: visibilityState overridden, then a visibilitychange event.
export function setVisibility(page, state) {
  return page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

export const cards = (page) => page.evaluate(() => window.__cards);

// Resolves once the card is up and has slid in: where it stays, so its box can be measured.
// (At rest it is still transformed: at the bottom it hangs up by its own height.)
export function slidIn(page) {
  return page.waitForFunction(() => {
    const card = document.querySelector('.proof.proof-visible');
    return card && card.getAnimations().length === 0;
  });
}

export async function waitForCards(page, n, timeout = 10000) {
  await page.waitForFunction((count) => window.__cards.length >= count, n, { timeout });
  return cards(page);
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

// The fixture of every browser test file: one Chromium for the file (launched
// before its first test, closed after its last), and setup(t) for each test,
// which starts what the test needs and cleans it up after it:
//
//   const { setup } = useChromium();
//   test('...', async (t) => {
//     const { proof, open } = await setup(t);
//     const page = await open({ duration: 200 });   // the shop page, data-* attributes
//     await postSignup(proof, { user_name: 'Jane' });
//   });
//
// setup(t, { args, pageOrigin, context }) starts a host page server and proof
// (args added to its command line; pageOrigin the allowed origin, by default the
// page server's); context holds the browser context options of the test.
// Every page it opens collects console and page errors into `errors`, which
// must be empty when the test ends, except those the test expects
// (expectErrors(/regexp/)): checked before anything is shut down, so the
// shutdown's own errors (a stream cut by the stop) do not count.
export function useChromium() {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  async function setup(t, { args = [], pageOrigin, context: contextOptions = {} } = {}) {
    const contexts = [];
    const servers = [];
    const errors = [];
    const expected = [];
    const pages = await startPageServer();
    servers.push(pages);
    t.after(async () => {
      const unexpected = errors.filter((e) => !expected.some((re) => re.test(e)));
      for (const ctx of contexts) await ctx.close();
      for (const server of servers.reverse()) await (server.stop ? server.stop() : server.close());
      assert.deepEqual(unexpected, [], 'console and page errors');
    });
    const scene = {
      pages,
      errors,
      proof: null,
      expectErrors(...patterns) {
        expected.push(...patterns);
      },
      // A server of the test's own (a proxy in front of proof), closed with the others
      // when the test ends. Not by a t.after of the test: node:test skips the hooks after
      // one that fails, so a failed error check would leave it listening and the file
      // would never end.
      closeAfter(server) {
        servers.push(server);
        return server;
      },
      // A browser of its own (tabs of one browser share a stream and the cards they show).
      async context(options = {}) {
        const ctx = await browser.newContext({ ...contextOptions, ...options });
        contexts.push(ctx);
        return ctx;
      },
      // A page in ctx that collects errors; record: it also records its cards (openPage).
      async page(ctx, { record = true } = {}) {
        ctx ??= await scene.context();
        return record ? openPage(ctx, errors) : collectErrors(await ctx.newPage(), errors);
      },
      // The shop page with the widget tag (these data-* attributes) at `name`, in `page`
      // if given (a new page view in that tab), else in a new tab of `context`, else in a
      // browser of its own (with `viewport`); `server` is where the tag points (proof, or
      // a proxy in front of it). Resolves once the widget's card element has the stream
      // state `state` (null: any state, as a tab that shares another tab's stream).
      async open(attributes = {}, { name = '/', page, context: ctx, viewport, init, state = 'open', server } = {}) {
        if (!page) {
          page = await scene.page(ctx ?? await scene.context(viewport ? { viewport } : {}));
          if (init) await page.addInitScript(init.fn, init.arg);
        }
        await page.goto(pages.set(name, shopPage(server ?? scene.proof.url, attributes)));
        await page.waitForSelector(state ? `.proof[data-state=${state}]` : '.proof[data-state]', { state: 'attached' });
        return page;
      },
      // SIGTERM to proof and the same proof again on its port; resolves to how the first ended.
      async restartProof() {
        const ended = await scene.proof.stop();
        scene.proof = await startProof({ port: scene.proof.port, pageOrigin: pageOrigin ?? pages.origin, args });
        servers.push(scene.proof);
        return ended;
      },
    };
    scene.proof = await startProof({ pageOrigin: pageOrigin ?? pages.origin, args });
    servers.push(scene.proof);
    return scene;
  }
  return { setup };
}
