// Wrong origins are visible (issue 36 item 5), in Chromium against the real proof binary: a
// shop page whose origin is missing from --allowed-origin logs proof's own sentence on the
// console, once per page view, naming the flag that lets it in; and the operator page lists
// that origin with its count and the setting to add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, API_KEY, artifact } from './harness.mjs';

const { setup } = useChromium();

// What Chromium logs of each refusal (the stream's 403, and the widget's one look at it):
// the refusal itself, not a widget error.
const refusalLogged = (url) => new RegExp(`^console: Failed to load resource: the server responded with a status of 403 \\(Forbidden\\) \\(${url}/events`);

test('a page on a refused origin logs proof\'s sentence once, and /admin lists the origin with the flag to add', async (t) => {
  // proof allows another origin than the page server's.
  const scene = await setup(t, { pageOrigin: 'https://shop.example' });
  const { proof, pages } = scene;
  scene.expectErrors(refusalLogged(proof.url));
  const warnings = [];
  const page = await scene.page();
  page.on('console', (msg) => {
    if (msg.type() === 'warning') warnings.push(msg.text());
  });
  await scene.open({}, { page, state: null });
  // Three refusals at least: the first stream and two retries after it.
  await page.waitForFunction(() => window.__states.filter((s) => s === 'closed').length >= 3, null, { timeout: 15000 });
  const sentence = `proof: this page's origin ${pages.origin} is not allowed; the operator adds it with --allowed-origin ${pages.origin}`;
  assert.deepEqual(warnings.filter((w) => w.startsWith('proof:')), [sentence], 'once per page view');
  assert.equal(await page.locator('.proof.proof-visible').count(), 0);

  // The operator page lists it: the origin, how often, when, and the setting to add.
  const admin = await scene.page(await scene.context(), { record: false });
  await admin.goto(`${proof.url}/admin`);
  await admin.getByLabel('API key').fill(API_KEY);
  await admin.getByLabel('API key').press('Enter');
  await admin.locator('#origins-panel').waitFor({ state: 'visible' });
  const rows = await admin.locator('#origins tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.equal(rows.length, 1, JSON.stringify(rows));
  const [origin, count, when, allow] = rows[0];
  assert.equal(origin, pages.origin);
  assert.ok(Number(count) >= 4, `refused ${count} times: 3 streams and the widget's look`);
  assert.equal(when, 'just now');
  assert.equal(allow, `--allowed-origin ${pages.origin} or, in the config file, allowed-origin = ["${pages.origin}"] (beside the origins listed there already)`);
  assert.equal(await admin.locator('#origins-empty').isVisible(), false);
  await admin.locator('#origins-title').scrollIntoViewIfNeeded();
  await admin.screenshot({ path: artifact('admin-origins.png'), fullPage: true });
});

test('/admin says so when no origin was refused', async (t) => {
  const scene = await setup(t);
  const { proof } = scene;
  const admin = await scene.page(await scene.context({ viewport: { width: 375, height: 812 } }), { record: false });
  await admin.goto(`${proof.url}/admin`);
  await admin.getByLabel('API key').fill(API_KEY);
  await admin.getByLabel('API key').press('Enter');
  await admin.locator('#origins-empty').waitFor({ state: 'visible' });
  assert.match(await admin.locator('#origins-empty').textContent(), /No origin refused since proof started/);
  assert.equal(await admin.locator('#origins-panel').isVisible(), false);
});
