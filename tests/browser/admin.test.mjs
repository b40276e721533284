// The operator page that proof serves at /admin: real counts from /stats drawn as a chart,
// the live count of open pages, recent events erased through DELETE /events/ID, a test
// signup, and a clear message for a wrong key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, API_KEY, postSignup } from './harness.mjs';

const ADMIN = '/admin';

const { setup } = useChromium();

// The operator page in a browser of its own (with these context options); urls collects
// every URL it requests.
async function adminPage(scene, options = {}, urls = []) {
  const page = await scene.page(await scene.context(options), { record: false });
  page.on('request', (req) => urls.push(req.url()));
  return page;
}

test('/admin is the operator page: it asks for the key, labelled and focused, with no errors', async (t) => {
  const scene = await setup(t);
  const { proof } = scene;
  const res = await fetch(`${proof.url}${ADMIN}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const urls = [];
  const page = await adminPage(scene, { viewport: { width: 375, height: 812 } }, urls);
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
});

test('with the key: real counts and chart, erase behind a confirmation, a wrong key told clearly (desktop and phone)', async (t) => {
  const scene = await setup(t);
  const { proof } = scene;
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
    const page = await adminPage(scene, { viewport });
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
    assert.deepEqual(scene.errors, []);
  }

  // Erase the first event: confirm in the dialog; the server no longer replays it.
  const page = await adminPage(scene);
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
  assert.deepEqual(scene.errors, []);

  // A wrong key: a clear message on the login form, not a blank page (whose 401 Chromium
  // logs on the console).
  scene.expectErrors(/status of 401 .*\/stats/);
  const wrong = await scene.page(page.context(), { record: false });
  await wrong.goto(`${proof.url}${ADMIN}`);
  await wrong.evaluate(() => sessionStorage.clear());
  await wrong.reload();
  await wrong.getByLabel('API key').fill('not-the-key');
  await wrong.getByLabel('API key').press('Enter');
  await wrong.waitForFunction(() => /refused this key/.test(document.getElementById('login-message')?.textContent || ''));
  assert.equal(await wrong.locator('#dashboard').isVisible(), false);
});
