// The demo shop page that proof serves at /: its form posts a signup and the
// widget on the same page shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, waitForCards, API_KEY, artifact, slidIn } from './harness.mjs';

const { setup } = useChromium();

test('the demo page sends a test signup and shows its card; the key is kept nowhere', async (t) => {
  const scene = await setup(t, { context: { viewport: { width: 1280, height: 800 } } });
  const { proof } = scene;
  const page = await scene.page();
  await page.goto(`${proof.url}/`);
  await page.waitForSelector('.proof[data-state=open]', { state: 'attached' });

  await page.getByLabel('Name').fill('Jane');
  await page.getByLabel('Offer').fill('the Plum Mug');
  await page.getByLabel('City').fill('Leeds');
  await page.getByLabel('Image').fill('/img/mug.svg');
  await page.getByLabel('API key').fill('wrong key');
  await page.getByRole('button', { name: 'Send signup' }).click();
  await page.waitForFunction(() => /^4\d\d /.test(document.getElementById('answer').textContent));
  assert.match(await page.textContent('#answer'), /"error"/);

  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Send signup' }).click();
  await page.waitForFunction(() => /^202 /.test(document.getElementById('answer').textContent));
  assert.match(await page.textContent('#answer'), /"id":\s*\d+/);
  const [card] = await waitForCards(page, 1);
  assert.equal(card.text, 'Jane from Leeds just signed up with the Plum Mug!');
  assert.equal(await page.locator('.proof-img').getAttribute('src'), `${proof.url}/img/mug.svg`);
  await slidIn(page);
  await page.screenshot({ path: artifact('demo-page.png') });

  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]));
  assert.ok(!stored.includes(API_KEY), `the key was stored: ${stored}`);
  // The wrong key's 401 is the answer the form shows, not a page error.
  scene.expectErrors(/status of 401 .*\/signup/);
});
