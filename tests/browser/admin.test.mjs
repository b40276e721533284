// The operator page that proof serves at /admin: real counts from /stats drawn as a chart,
// the live count of open pages, recent events erased through DELETE /events/ID, a test
// signup, and a clear message for a wrong key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startProof } from './harness.mjs';

const SHOP = 'http://127.0.0.1:9'; // the shop's origin, allowed to open streams
const ADMIN = '/admin';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// A page that collects console errors, page errors and every request URL.
async function adminPage(context, errors, urls = []) {
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('request', (req) => urls.push(req.url()));
  return page;
}

test('/admin is the operator page: it asks for the key, labelled and focused, with no errors', async (t) => {
  const proof = await startProof({ pageOrigin: SHOP });
  t.after(() => proof.stop());
  const res = await fetch(`${proof.url}${ADMIN}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
  t.after(() => context.close());
  const errors = [];
  const urls = [];
  const page = await adminPage(context, errors, urls);
  await page.goto(`${proof.url}${ADMIN}`);
  await page.waitForFunction(() => document.activeElement?.id === 'key');
  assert.equal(await page.title(), 'proof: operator page');
  assert.equal(await page.getByLabel('API key').getAttribute('type'), 'password');
  assert.equal(await page.locator('#dashboard').isVisible(), false);
  // Before a key is typed the page asks proof for nothing but its own files.
  const asked = new Set(urls.map((u) => new URL(u).pathname));
  asked.delete('/img/default.svg'); // the icon, which Chromium may or may not fetch
  assert.deepEqual([...asked].sort(), ['/admin', '/admin.css', '/admin.js']);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375));
  assert.deepEqual(errors, []);
});
