// The operator page that proof serves at /admin: real counts from /stats drawn as a chart,
// the live count of open pages, recent events erased through DELETE /events/ID, a test
// signup, and a clear message for a wrong key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, launchBrowser, postSignup, startProof } from './harness.mjs';

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

test('with the key: real counts and chart, erase behind a confirmation, a wrong key told clearly (desktop and phone)', async (t) => {
  const proof = await startProof({ pageOrigin: SHOP });
  t.after(() => proof.stop());
  const ids = [];
  for (const name of ['Ada', 'Bo', 'Cy']) ids.push(await postSignup(proof, { user_name: name, offer_name: 'Tea' }));
  // Two cards shown and one click, as the widget would report them.
  for (const kind of ['shown', 'shown', 'click']) {
    const res = await fetch(`${proof.url}/beacon`, {
      method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ id: ids[0], kind }),
    });
    assert.equal(res.status, 204);
  }
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 375, height: 812 }]]) {
    const context = await browser.newContext({ viewport });
    t.after(() => context.close());
    const errors = [];
    const page = await adminPage(context, errors);
    await page.goto(`${proof.url}${ADMIN}`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByLabel('API key').press('Enter');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    const today = (stat) => page.locator(`[data-stat="${stat}"][data-period="today"]`);
    await page.waitForFunction(() => document.querySelector('[data-stat="published"][data-period="today"]')?.textContent.trim() === '3');
    assert.equal((await today('shown').textContent()).trim(), '2');
    assert.equal((await today('clicks').textContent()).trim(), '1');
    assert.equal((await today('ctr').textContent()).trim(), '50.0%');
    assert.ok(await page.locator('#chart svg').count() >= 1, 'the chart is drawn');
    assert.equal(await page.locator('#days tbody tr').count(), 30);
    await page.screenshot({ path: `tests/browser/artifacts/admin-${name}.png`, fullPage: true });
    assert.deepEqual(errors, []);
  }

  // Erase the first event: confirm in the dialog; the server no longer replays it.
  const context = await browser.newContext();
  t.after(() => context.close());
  const errors = [];
  const page = await adminPage(context, errors);
  await page.goto(`${proof.url}${ADMIN}`);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByLabel('API key').press('Enter');
  const eraseAda = page.getByRole('button', { name: /Erase: Ada signed up with Tea/ });
  await eraseAda.click();
  await page.locator('#confirm').getByRole('button', { name: 'Erase' }).click();
  await eraseAda.waitFor({ state: 'detached' });
  const replay = await fetch(`${proof.url}/events?replay=10`, { signal: AbortSignal.timeout(1000) })
    .then((r) => r.text()).catch((e) => String(e));
  assert.equal(replay.includes(`"id":${ids[0]}`), false);
  assert.deepEqual(errors, []);

  // A wrong key: a clear message on the login form, not a blank page.
  const wrong = await context.newPage();
  await wrong.goto(`${proof.url}${ADMIN}`);
  await wrong.evaluate(() => sessionStorage.clear());
  await wrong.reload();
  await wrong.getByLabel('API key').fill('not-the-key');
  await wrong.getByLabel('API key').press('Enter');
  await wrong.waitForFunction(() => /refused this key/.test(document.getElementById('login-message')?.textContent || ''));
  assert.equal(await wrong.locator('#dashboard').isVisible(), false);
});
