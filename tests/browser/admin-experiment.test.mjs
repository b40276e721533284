// The operator page's panel "Do the cards help?" (issue 33 item 6) in Chromium against the
// real proof binary: proof started with --holdout 10 assigns the arms itself, visitors come
// from their own loopback addresses and browsers (visitors.mjs) with a known effect, and the
// panel says what GET /stats computed, in a sentence and a picture; without an experiment
// it says how to start one, and a finished one's figures read as final.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useChromium, startProof, API_KEY, artifact } from './harness.mjs';
import { visit } from './visitors.mjs';

const { setup } = useChromium();

const oneDecimal = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
// As a person reads them: "3.3 %" (no-break space), "+24 %", "−16 %" (a minus sign).
const rate = ([visitors, conversions]) => `${oneDecimal.format((100 * conversions) / visitors)}\u00a0%`;
const percent = (x) => `${x < 0 ? '\u2212' : '+'}${whole.format(Math.abs(x * 100))}\u00a0%`;
const plain = (text) => text.replace(/\u00a0/g, ' ');

async function stats(proof) {
  const res = await fetch(`${proof.url}/stats?days=1`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  assert.equal(res.status, 200);
  return (await res.json()).experiment;
}

// The operator page of `proof`, signed in; resolves once the panel has its first words.
async function adminPanel(scene, proof, viewport = { width: 1280, height: 900 }) {
  const page = await scene.page(await scene.context({ viewport }), { record: false });
  await page.goto(`${proof.url}/admin`);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByLabel('API key').press('Enter');
  await page.locator('#experiment > *').first().waitFor();
  return page;
}

test('with --holdout 10 and a real effect, the panel says the cards help, in words and in a picture', async (t) => {
  const scene = await setup(t, { args: ['--holdout', '10'] });
  const { proof } = scene;
  // Every other visitor who sees cards buys, one held-out visitor in ten: an effect the
  // interval cannot miss with 40 held out.
  const counts = await visit(proof.url, (arm, n) => (arm === 'shown' ? n % 2 === 0 : n % 10 === 0),
    (c) => c.holdout[0] >= 40 && c.shown[0] >= 200);
  const experiment = await stats(proof);
  assert.deepEqual(experiment.arms, {
    shown: { visitors: counts.shown[0], conversions: counts.shown[1] },
    holdout: { visitors: counts.holdout[0], conversions: counts.holdout[1] },
  }, 'proof counted every visitor in the arm its stream said');
  const { lift } = experiment;
  assert.ok(lift.low > 0 && experiment.difference.low > 0, `an effect this size is found: ${JSON.stringify(experiment)}`);

  const page = await adminPanel(scene, proof);
  const sentence = await page.locator('#experiment .current .experiment-sentence').textContent();
  assert.equal(sentence,
    `Visitors who saw cards bought ${rate(counts.shown)} of the time, those who did not ${rate(counts.holdout)}: ` +
    `${percent(lift.estimate)} (somewhere between ${percent(lift.low)} and ${percent(lift.high)}). ` +
    'The cards help: the whole range is above zero.');
  const started = new Date(experiment.started).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  assert.equal(plain(await page.locator('#experiment .current .hint').textContent()),
    `10 % of visitors held out since ${started}: ${whole.format(counts.shown[0])} visitor-days saw cards, ${whole.format(counts.holdout[0])} saw none.`);
  // The picture is an image with a text alternative that says the same.
  const picture = page.getByRole('img', { name: /^Effect of the cards on purchases/ });
  assert.equal(plain(await picture.getAttribute('aria-label')),
    plain(`Effect of the cards on purchases: ${percent(lift.estimate)}, somewhere between ${percent(lift.low)} and ${percent(lift.high)}; the range is wholly above zero.`));
  assert.equal(await page.locator('#experiment .experiment-start').count(), 0, 'no "how to start" while one runs');
  await page.locator('#experiment-title').scrollIntoViewIfNeeded();
  await page.screenshot({ path: artifact('admin-experiment.png') });
  // On a phone the panel fits the screen.
  const phone = await adminPanel(scene, proof, { width: 375, height: 812 });
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 375));
});

test('without an experiment the panel says how to start one; once it ends, its figures read as final', async (t) => {
  const none = await setup(t);
  const empty = await adminPanel(none, none.proof);
  assert.match(plain(await empty.locator('#experiment').textContent()),
    /^No experiment is running\. To find out, start proof with --holdout 10 \(holdout = 10 in its config file\).*What it costs: a tenth of your visitors see no cards while it runs/);
  assert.equal(await empty.locator('#experiment svg').count(), 0);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'proof-panel-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const scene = await setup(t, { args: ['--holdout', '10', '--data-dir', dataDir] });
  const counts = await visit(scene.proof.url, (arm, n) => n % 3 === 0, (c) => c.holdout[0] >= 5 && c.shown[0] >= 30);
  // --holdout 0 ends it: the same data directory, the experiment's figures kept as final.
  assert.deepEqual(await scene.proof.stop(), { code: 0, signal: null });
  const after = scene.closeAfter(await startProof({ port: scene.proof.port, pageOrigin: scene.pages.origin, args: ['--holdout', '0', '--data-dir', dataDir] }));
  const experiment = await stats(after);
  assert.ok(experiment.ended, JSON.stringify(experiment));

  const page = await adminPanel(scene, after);
  const text = plain(await page.locator('#experiment').innerText());
  assert.match(text, /No experiment is running now\. To start another, start proof with --holdout 10/);
  assert.match(text, /The last experiment, 10 % held out from \d+ \w+ \d{4} to \d+ \w+ \d{4}: its final figures\./);
  const sentence = plain(await page.locator('#experiment .previous .experiment-sentence').textContent());
  assert.ok(sentence.startsWith(`Visitors who saw cards bought ${plain(rate(counts.shown))} of the time, those who did not ${plain(rate(counts.holdout))}`), sentence);
  assert.match(sentence, /(It ended too early to tell|The cards (helped|hurt)|No clear effect, after)/, 'in the past: it is over');
});
