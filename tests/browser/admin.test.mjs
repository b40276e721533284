// The operator page that proof serves at /admin: real counts from /stats drawn as a chart,
// the live count of open pages, recent events (signups and purchases, in their words)
// erased through DELETE /events/ID, a test signup, and a clear message for a wrong key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useChromium, API_KEY, postSignup, postStripe, stripeCheckout, STRIPE_ARGS, artifact, waitForCards,
} from './harness.mjs';

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
  assert.deepEqual([...asked].sort(), ['/admin', '/admin-experiment.js', '/admin.css', '/admin.js']);
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
    await page.waitForFunction(() => document.querySelector('[data-stat="signups"][data-period="today"]')?.textContent.trim() === '3');
    assert.equal((await today('purchases').textContent()).trim(), '0');
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

// Opens the operator page of proof with the key typed in; resolves once the Sources
// panel has had its first answer.
async function signedIn(scene, options = {}) {
  const page = await adminPage(scene, options);
  await page.goto(`${scene.proof.url}${ADMIN}`);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByLabel('API key').press('Enter');
  await page.locator('#dashboard').waitFor({ state: 'visible' });
  await page.waitForFunction(() => !document.getElementById('sources-panel').hidden || !document.getElementById('sources-empty').hidden);
  return page;
}

// The rows of a table under `selector`, as the cells' text.
const rows = (page, selector) => page.locator(`${selector} tbody tr`).evaluateAll((trs) =>
  trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));

test('Sources: each source with its URL, last delivery and counts by outcome; the last deliveries newest first, live', async (t) => {
  const webhookSecret = `whsec_${Buffer.from('a test key of thirty-two bytes!!').toString('base64')}`;
  const scene = await setup(t, { args: [...STRIPE_ARGS, '--webhook-secret', webhookSecret] });
  const { proof } = scene;
  assert.equal((await postStripe(proof, stripeCheckout())).status, 202);
  assert.equal((await postStripe(proof, stripeCheckout())).status, 200, 'the same delivery again');
  assert.equal((await postStripe(proof, stripeCheckout({ event: 'evt_t', session: 'cs_t', intent: 'pi_t', livemode: false }))).status, 200);
  assert.equal((await postStripe(proof, stripeCheckout({ event: 'evt_x' }), 'whsec_not_the_secret')).status, 401);

  const page = await signedIn(scene);
  assert.equal(await page.locator('#sources-test').isVisible(), false, 'no test-events warning');
  assert.equal(await page.locator('#sources-empty').isVisible(), false);
  // Source, the URL to paste, last delivery, and the outcomes that happened with their counts.
  assert.deepEqual(await rows(page, '#sources'), [
    ['Stripe', `${proof.url}/hooks/stripe`, 'just now', 'purchase card 1 duplicate 1 ignored 1 bad signature 1'],
    ['Standard Webhooks', `${proof.url}/hooks/standard`, 'none yet', 'none yet'],
  ]);
  // Found and read in one task of the page: the table is rebuilt live, and a cell detached
  // between a locator's lookup and its evaluate has no computed style at all ('').
  const badColour = await page.evaluate(() => {
    const cell = document.querySelector('#sources [data-outcome=bad_signature]');
    return cell && getComputedStyle(cell).color;
  });
  assert.equal(badColour, 'rgb(164, 38, 44)', 'a refusal stands out');
  const deliveries = await rows(page, '#deliveries');
  assert.deepEqual(deliveries.map((r) => r.slice(1, 3)), [
    ['Stripe', 'bad signature'], ['Stripe', 'ignored'], ['Stripe', 'duplicate'], ['Stripe', 'purchase card'],
  ]);
  assert.match(deliveries[0][3], /no v1 signature in Stripe-Signature matches --stripe-secret/, 'the reason');
  assert.equal(deliveries[1][3], 'test');
  assert.equal(deliveries[3][4], 'Jane Doe', 'the name as the card shows it');
  assert.match(deliveries[0][0], /^\d\d:\d\d:\d\d$/);
  // The card it made is in Recent events, marked verified.
  assert.match(await page.locator('#events .event').first().textContent(), /Jane Doe from Leeds bought Blue mug.*verified: Stripe/s);

  // A delivery while the page is open comes to the top without a reload.
  assert.equal((await postStripe(proof, stripeCheckout({ event: 'evt_3', session: 'cs_3', intent: 'pi_3', name: 'Ann Lee' }))).status, 202);
  await page.waitForFunction(() => document.querySelector('#deliveries tbody tr td:last-child')?.textContent === 'Ann Lee', null, { timeout: 5000 });
  assert.match((await rows(page, '#sources'))[0][3], /^purchase card 2/);
  await page.locator('#sources-title').scrollIntoViewIfNeeded();
  await page.screenshot({ path: artifact('admin-sources.png'), fullPage: true });
});

test('Sources: a clear empty state when no source is set up, and a warning while test events are accepted', async (t) => {
  const none = await setup(t);
  const page = await signedIn(none);
  assert.equal(await page.locator('#sources-panel').isVisible(), false);
  // Where the steps are on the machine (the package's doc directory) and in the source.
  assert.match(await page.locator('#sources-empty').textContent(),
    /No source is set up: each platform's steps\s+are in \/usr\/share\/doc\/proof\/sources\.md.*docs\/sources\.md in proof's source/s);
  assert.equal(await page.locator('#sources-test').isVisible(), false);

  const testing = await setup(t, { args: [...STRIPE_ARGS, '--accept-test-events'] });
  const warned = await signedIn(testing, { viewport: { width: 375, height: 812 } });
  assert.match(await warned.locator('#sources-test').textContent(), /Test-mode deliveries become cards/);
  assert.ok(await warned.locator('#sources-test').isVisible());
  assert.deepEqual((await rows(warned, '#sources')).map((r) => r[0]), ['Stripe']);
  // The wide table scrolls inside its box; the page itself does not get wider than the phone.
  assert.ok(await warned.evaluate(() => document.documentElement.scrollWidth <= 375));
});

test('a purchase from POST /signup reads "just bought" on the shop page and "bought" on /admin, counted apart', async (t) => {
  const scene = await setup(t, { args: STRIPE_ARGS });
  const { proof, open } = scene;
  const shop = await open({ duration: 200, cooldown: 0, replay: 0 });
  const admin = await signedIn(scene);
  // No product named: the shop itself is what was bought from. Then a signup and a
  // verified purchase, for the counts.
  const bought = await postSignup(proof, { user_name: 'Jane Doe', city: 'Leeds', kind: 'purchase' });
  await postSignup(proof, { user_name: 'Bo', offer_name: 'Tea' });
  assert.equal((await postStripe(proof, stripeCheckout())).status, 202);
  assert.deepEqual((await waitForCards(shop, 3)).map((c) => c.text),
    ['Jane Doe from Leeds just bought from us', 'Bo just signed up with Tea!', 'Jane Doe from Leeds just bought Blue mug']);

  await admin.waitForFunction(() => document.querySelectorAll('#events .event').length === 3);
  const listed = await admin.locator('#events .event .what').allTextContents();
  assert.deepEqual(listed, ['Jane Doe from Leeds bought Blue mug', 'Bo signed up with Tea', 'Jane Doe from Leeds bought from us']);
  assert.equal(await admin.locator(`#events .event[data-id="${bought}"]`).getAttribute('data-kind'), 'purchase');
  assert.equal(await admin.getByRole('button', { name: 'Erase: Jane Doe from Leeds bought from us' }).count(), 1);
  // The tiles (from /stats) as the list says: one signup, two purchases.
  await admin.reload();
  await admin.waitForFunction(() => document.querySelector('[data-stat="purchases"][data-period="today"]')?.textContent.trim() === '2');
  assert.equal((await admin.locator('[data-stat="signups"][data-period="today"]').textContent()).trim(), '1');
  assert.deepEqual(scene.errors, []);
});
