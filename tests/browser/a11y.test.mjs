// Issue 36, item 8: cards every visitor can read and stop. In Chromium against the real
// proof binary: axe-core (npm) finds no violation on the demo page with a card up and on
// /admin with data; a card stays while hovered or focused, Esc closes it, a close lasts
// the visit, focus goes back where it was, the card grows to fit its text, on a phone it
// keeps out of the focused element's way; and what the audit found right stays right (no
// layout shift, contrast, no leak). Also the snippet that loads proof.js after the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  useChromium, postSignup, postStripe, stripeCheckout, STRIPE_ARGS, waitForCards, cards, API_KEY, artifact, slidIn,
} from './harness.mjs';
import { visit } from './visitors.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const { setup } = useChromium();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PHONE = { width: 375, height: 667 };
const up = (page) => page.evaluate(() => document.querySelector('.proof')?.classList.contains('proof-visible') ?? false);

// axe-core's whole rule set (WCAG 2.0-2.2 A and AA, and its best practices) on the page
// as it is; resolves to the violations, each as "rule: target, ...".
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('axe-core finds no violation on the demo page with a card up, on a desktop and on a phone', async (t) => {
  const scene = await setup(t);
  const { proof } = scene;
  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', PHONE]]) {
    const page = await scene.page(await scene.context({ viewport }));
    await page.goto(`${proof.url}/`);
    await page.waitForSelector('.proof[data-state=open]', { state: 'attached' });
    await postSignup(proof, {
      user_name: 'Jane', offer_name: 'the Plum Mug', city: 'Leeds', url: '/mugs', img_path: '/img/mug.svg',
    });
    await waitForCards(page, 1);
    await slidIn(page);
    assert.deepEqual(await axe(page), [], name);
    await page.screenshot({ path: artifact(`a11y-demo-${name}.png`) });
  }
});

test('axe-core finds no violation on /admin with the key typed in and data on every panel', async (t) => {
  const scene = await setup(t, { args: [...STRIPE_ARGS, '--holdout', '10'] });
  const { proof } = scene;
  const ids = [];
  for (const name of ['Ada', 'Bo']) ids.push(await postSignup(proof, { user_name: name, offer_name: 'Tea', city: 'York' }));
  assert.equal((await postStripe(proof, stripeCheckout())).status, 202);
  for (const kind of ['shown', 'shown', 'click']) {
    await fetch(`${proof.url}/beacon`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ id: ids[0], kind }) });
  }
  // A page of a site proof does not allow, for the Refused origins table.
  assert.equal((await fetch(`${proof.url}/summary`, { headers: { Origin: 'https://blog.example' } })).status, 403);
  // Visitors in both arms, some of whom buy, for the picture of "Do the cards help?".
  await visit(proof.url, (arm, n) => n % 2 === 0, (c) => c.holdout[0] >= 3 && c.shown[0] >= 10);
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 375, height: 812 }]]) {
    // The page's Content-Security-Policy allows only its own scripts: bypassed so that
    // the test can inject axe.
    const page = await scene.page(await scene.context({ viewport, bypassCSP: true }), { record: false });
    await page.goto(`${proof.url}/admin`);
    assert.deepEqual(await axe(page), [], `${name}: the key form`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByLabel('API key').press('Enter');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('[data-stat="purchases"][data-period="today"]')?.textContent.trim() === '1' &&
      document.querySelector('[data-stat="signups"][data-period="today"]')?.textContent.trim() === '2');
    await page.waitForFunction(() => document.querySelectorAll('#events .event').length === 3 && !document.getElementById('sources-panel').hidden &&
      !document.getElementById('origins-panel').hidden && document.querySelector('#experiment svg'));
    await page.locator('details').evaluate((d) => { d.open = true; });
    assert.deepEqual(await axe(page), [], `${name}: the dashboard`);
  }
});

test('a hovered card stays past its time and leaves once the pointer does', async (t) => {
  const { proof, open } = await setup(t, { context: { viewport: { width: 1280, height: 720 } } });
  const duration = 1500;
  const page = await open({ duration, cooldown: 0, replay: 0 });
  await postSignup(proof, { user_name: 'Hover', offer_name: 'Tea' });
  await waitForCards(page, 1);
  await slidIn(page);
  await page.hover('.proof .proof-msg');
  await sleep(duration + 2000);
  assert.equal(await up(page), true, 'still up while hovered');
  await page.mouse.move(5, 5);
  const left = Date.now();
  await page.waitForFunction(() => !document.querySelector('.proof').classList.contains('proof-visible'), null, { timeout: duration + 3000 });
  // Its whole time again once let go, so whoever moved away to read on is not rushed.
  assert.ok(Date.now() - left >= duration - 200, `left ${Date.now() - left} ms after the pointer`);
});

test('a focused card stays; Esc closes it, focus goes back where it was, and the close lasts the visit', async (t) => {
  const scene = await setup(t, { context: { viewport: { width: 1280, height: 720 } } });
  const { proof, open } = scene;
  const duration = 1000;
  const page = await open({ duration, cooldown: 0, replay: 0 });
  await page.focus('#buy');
  await postSignup(proof, { user_name: 'Focus', offer_name: 'Tea', url: '/tea' });
  await waitForCards(page, 1);
  // The card is the next stop after the page's last control.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'proof-body');
  await sleep(duration + 1500);
  assert.equal(await up(page), true, 'still up while focused');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-keyshortcuts')), 'Escape', 'the close button says its key');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.proof', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'buy', 'focus is back on the Buy button');

  // The next page view of this tab shows no card, replayed or live, while another browser
  // (another visit) shows them.
  await open({ duration, cooldown: 0, replay: 3 }, { page, name: '/next' });
  const control = await open({ duration: 200, cooldown: 0, replay: 3 }, { name: '/control' });
  await postSignup(proof, { user_name: 'After', offer_name: 'Tea' });
  await waitForCards(control, 2);
  await sleep(500);
  assert.deepEqual(await cards(page), [], 'closed for the rest of the visit, replay and live alike');
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.proof));
  assert.equal(stored.c, 1);
  assert.deepEqual(Object.keys(await page.evaluate(() => ({ ...sessionStorage }))), ['proof'], 'one key, the visit\'s state');
  assert.equal(await page.evaluate(() => document.cookie), '');
});

test('Esc closes a card up from anywhere on the page; a page\'s own use of Esc is left alone', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60000, cooldown: 0, replay: 0 }, { name: '/esc' });
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.id = 'search';
    input.setAttribute('aria-label', 'Search');
    // A search box that clears itself on Esc and says it used the key.
    input.addEventListener('keydown', (e) => { if (e.key === 'Escape') e.preventDefault(); });
    document.querySelector('main').prepend(input);
  });
  await postSignup(proof, { user_name: 'Esc', offer_name: 'Tea' });
  await waitForCards(page, 1);
  await page.focus('#search');
  await page.keyboard.press('Escape');
  await sleep(300);
  assert.equal(await up(page), true, 'the search box had the key');
  await page.focus('#buy');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.proof', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'buy');
});

test('a take-back of a focused card, or a close with the mouse: focus goes back where it was, not to <body>', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60000, cooldown: 0, replay: 0 });
  const id = await postSignup(proof, { user_name: 'Taken', offer_name: 'Tea', url: '/tea' });
  await waitForCards(page, 1);
  await page.focus('#buy');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'proof-body');
  const res = await fetch(`${proof.url}/events/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${API_KEY}` } });
  assert.equal(res.status, 204);
  await page.waitForFunction(() => !document.querySelector('.proof').classList.contains('proof-visible'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'buy');

  await postSignup(proof, { user_name: 'Next', offer_name: 'Tea' });
  await waitForCards(page, 2);
  await slidIn(page);
  await page.focus('#buy');
  await page.click('.proof-close');
  await page.waitForSelector('.proof', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'buy');
});

// A card with a long name, city and product, as the limits allow.
const LONG = {
  user_name: 'Maximiliane W.',
  city: 'Castrop-Rauxel-Süd', // 18 characters
  offer_name: 'Organic cotton tee, heavyweight, garment-dyed, navy blue (XL)', // 61 characters
};

test('a card grows to fit its text at 320 px: the name line whole, a long product name cut short', async (t) => {
  const { proof, open } = await setup(t, { context: { viewport: { width: 320, height: 568 }, isMobile: true, hasTouch: true } });
  const page = await open({ duration: 60000, replay: 0 });
  await postSignup(proof, { ...LONG, offer_name: `${LONG.offer_name} and a gift card for your next order` });
  await waitForCards(page, 1);
  await slidIn(page);
  const box = await page.evaluate(() => {
    const rect = (s) => document.querySelector(s).getBoundingClientRect().toJSON();
    const card = document.querySelector('.proof');
    return { card: rect('.proof'), msg: rect('.proof-msg'), text: card.querySelector('.proof-msg').textContent, cut: card.scrollHeight - card.clientHeight };
  });
  assert.equal(box.cut, 0, 'nothing overflows the card');
  assert.ok(box.msg.top >= box.card.top && box.msg.bottom <= box.card.bottom, JSON.stringify(box));
  assert.ok(box.card.height > 100, `the card grew: ${box.card.height} px`);
  assert.ok(box.card.bottom <= 568, 'on screen');
  assert.match(box.text, /^Maximiliane W\. from Castrop-Rauxel-Süd just signed up with Organic cotton tee.*…!$/);
  await page.screenshot({ path: artifact('a11y-long-320.png') });
});

// A phone-sized page of 28 links, with the widget tag.
function linksPage(proofUrl) {
  const links = Array.from({ length: 28 }, (_, i) => `<p><a href="#l${i}" id="l${i}">Link ${i + 1}</a> with some text after it.</p>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Links</title><link rel="icon" href="data:,">
<style>body{margin:0;font:16px sans-serif} main{padding:8px 20px} p{margin:0 0 14px}</style></head>
<body><main><h1>Links</h1>${links}</main>
<script src="${proofUrl}/proof.js" async data-duration="600000" data-replay="0"></script></body></html>`;
}

test('at 375 px a card never covers the focused element: it moves to the top while the focus is under it', async (t) => {
  const scene = await setup(t, { context: { viewport: PHONE, isMobile: true, hasTouch: true } });
  const page = await scene.page();
  await page.goto(scene.pages.set('/links', linksPage(scene.proof.url)));
  await page.waitForSelector('.proof[data-state=open]', { state: 'attached' });
  await postSignup(scene.proof, { ...LONG, url: '/offer' });
  await waitForCards(page, 1);
  await slidIn(page);
  const covered = [];
  let moved = 0;
  for (let i = 0; i < 28; i++) {
    await page.keyboard.press('Tab');
    // The card moves after the focus has scrolled into view.
    await sleep(100);
    const r = await page.evaluate(() => {
      const a = document.activeElement.getBoundingClientRect();
      const c = document.querySelector('.proof').getBoundingClientRect();
      const overlap = Math.max(0, Math.min(a.right, c.right) - Math.max(a.left, c.left)) * Math.max(0, Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top));
      return { id: document.activeElement.id, overlap, top: c.top < innerHeight / 2 };
    });
    if (r.overlap > 0) covered.push(r.id);
    if (r.top) moved++;
    if (i === 27) await page.screenshot({ path: artifact('a11y-focus-375.png') });
  }
  assert.deepEqual(covered, [], 'links covered by the card');
  assert.ok(moved > 0, 'the card moved at least once (links reach the bottom of the screen)');
  assert.equal(await up(page), true, 'and stayed up');
});

test('no layout shift over 8 cards of different heights, desktop and phone', async (t) => {
  const scene = await setup(t);
  const pages = [];
  for (const viewport of [{ width: 1280, height: 720 }, PHONE]) {
    const page = await scene.page(await scene.context({ viewport }));
    await page.addInitScript(() => {
      window.__shifts = [];
      new PerformanceObserver((list) => window.__shifts.push(...list.getEntries().map((e) => e.value))).observe({ type: 'layout-shift', buffered: true });
    });
    pages.push(await scene.open({ duration: 300, cooldown: 200, replay: 0, backlog: 10 }, { page, name: `/shift${viewport.width}` }));
  }
  for (let i = 0; i < 8; i++) {
    await postSignup(scene.proof, i % 2 ? LONG : { user_name: `Short ${i}`, offer_name: 'Tea' });
  }
  for (const page of pages) {
    await waitForCards(page, 8, 30000);
    await sleep(1500);
    assert.deepEqual(await page.evaluate(() => window.__shifts), [], 'layout-shift entries');
  }
});

test('contrast stays 12.5:1, and the card is a polite status region', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60000, replay: 0 });
  await postSignup(proof, { user_name: 'Jo', offer_name: 'Tea' });
  await waitForCards(page, 1);
  const [fg, bg, role, live] = await page.locator('.proof').evaluate((el) => {
    const s = getComputedStyle(el);
    return [s.color, s.backgroundColor, el.getAttribute('role'), el.getAttribute('aria-live')];
  });
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (luminance(fg) + 0.05) / (luminance(bg) + 0.05);
  // 12.49:1, which the audit (and any contrast checker) gives as 12.5:1.
  assert.ok(Math.round(ratio * 10) / 10 >= 12.5, `contrast ${ratio.toFixed(2)}:1`);
  assert.deepEqual([role, live], ['status', 'polite']);
});

test('no leak: DOM nodes and event listeners stay level over 40 cards', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60, cooldown: 0, replay: 0, backlog: 50 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map(({ name, value }) => [name, value]));
    return { nodes: m.Nodes, listeners: m.JSEventListeners };
  };
  const post = async (from, to) => {
    for (let i = from; i < to; i++) await postSignup(proof, { user_name: `N${i}`, offer_name: 'Tea', url: '/x', city: 'Leeds' });
    await waitForCards(page, to, 30000);
    await sleep(300);
  };
  await post(0, 5);
  const before = await measure();
  await post(5, 45);
  const after = await measure();
  assert.ok(after.nodes <= before.nodes + 10, `DOM nodes ${before.nodes} -> ${after.nodes}`);
  assert.ok(after.listeners <= before.listeners + 2, `event listeners ${before.listeners} -> ${after.listeners}`);
});

// The snippet of the README that loads proof.js once the page has loaded: the tag is
// made by the page itself, with its options as data-* on it.
function afterLoadPage(proofUrl) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>After load</title>
<link rel="icon" href="data:,">
<script>
  addEventListener('load', function () {
    var s = document.createElement('script');
    s.src = '${proofUrl}/proof.js';
    s.setAttribute('data-template-signup', '{user_name} joined {offer_name}');
    s.setAttribute('data-replay', '0');
    document.body.appendChild(s);
  });
</script></head>
<body><main><h1>After load</h1><img src="/big.svg" alt="A big picture" width="600" height="400"></main></body></html>`;
}

test('the after-load snippet: proof.js is fetched after the page\'s load event and reads its options from the tag it made', async (t) => {
  const scene = await setup(t);
  scene.pages.set('/big.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400"><rect width="600" height="400" fill="#ccc"/></svg>');
  const page = await scene.page();
  await page.goto(scene.pages.set('/after', afterLoadPage(scene.proof.url)));
  await page.waitForSelector('.proof[data-state=open]', { state: 'attached' });
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const widget = performance.getEntriesByType('resource').find((e) => /\/proof\.js$/.test(e.name));
    return { load: nav.loadEventStart, fetched: widget.startTime };
  });
  assert.ok(timing.fetched >= timing.load, JSON.stringify(timing));
  await postSignup(scene.proof, { user_name: 'Jo', offer_name: 'Tea' });
  const [card] = await waitForCards(page, 1);
  assert.equal(card.text, 'Jo joined Tea');
});

test('the shown ids kept for the visit are trimmed to the newest, whatever was stored before', async (t) => {
  const { proof, open } = await setup(t);
  const tab = await open({ duration: 100, cooldown: 0, replay: 0 }, {
    init: {
      fn: () => {
        if (!sessionStorage.proof) sessionStorage.proof = JSON.stringify({ i: Array.from({ length: 400 }, (_, k) => 1000 + k) });
      },
    },
  });
  const id = await postSignup(proof, { user_name: 'New', offer_name: 'Tea' });
  await waitForCards(tab, 1);
  await tab.waitForFunction((n) => JSON.parse(sessionStorage.proof).i.includes(n), id);
  const stored = await tab.evaluate(() => JSON.parse(sessionStorage.proof).i);
  assert.equal(stored.length, 50);
  assert.equal(stored.at(-1), id);
  assert.ok(await tab.evaluate(() => sessionStorage.proof.length) < 1000);
});
