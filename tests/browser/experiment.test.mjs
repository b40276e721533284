// Issue 33, the holdout experiment in the browser, against the real proof binary started
// with --holdout: the arm the stream says first, what a held-out page shows (nothing) and
// sends (its visit and goals), the arm shared with a tab that opens later and said again
// on a reconnect, goal beacons, and nothing about the experiment kept on the device.
//
// proof derives a visitor's arm from the client address and User-Agent. Every browser
// here connects from 127.0.0.1, so each visitor is a browser context with a User-Agent of
// its own, and the arm of a User-Agent is asked of the server itself (a stream opened from
// Node on the same address): with --holdout 50 a few candidates give one of each arm.
// What a page sends is watched in the browser (Playwright sees sendBeacon's requests);
// what the server made of it, in GET /stats's "experiment" (visitor-days per arm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  useChromium, postSignup, postStripe, stripeCheckout, cards, waitForCards, waitFor, API_KEY, STRIPE_ARGS,
} from './harness.mjs';

const { setup } = useChromium();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A browser's User-Agent, told apart per candidate by its last word.
const BASE_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
// How long the widget waits for an arm before it takes the stream for one without an
// experiment (HISTORY_WINDOW in proof.js), and a margin for a busy machine.
const ARM_WAIT = 1000 + 500;

// The first event of a stream opened by `userAgent` from this machine, asking for the
// history's replay and the live count: its type, data and id. Only retry: and comments may
// come before it. Closes the stream once it has come.
function firstEvent(proof, userAgent) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      fn(value);
    };
    const timer = setTimeout(() => done(reject, new Error(`no event on a stream of ${userAgent} within 5 s`)), 5000);
    const req = get(`${proof.url}/events?replay=100&presence=1`, { headers: { 'User-Agent': userAgent }, agent: false }, (res) => {
      res.on('error', () => {});
      if (res.statusCode !== 200) {
        done(reject, new Error(`GET /events answered ${res.statusCode}`));
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        for (const block of text.split('\n\n').slice(0, -1)) {
          const lines = block.split('\n').filter((line) => line && !line.startsWith(':') && !line.startsWith('retry:'));
          if (!lines.length) continue;
          const field = (name) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
          done(resolve, { type: field('event') ?? 'message', data: JSON.parse(field('data')), id: field('id') });
          return;
        }
      });
    });
    req.on('error', (err) => done(reject, err));
  });
}

// The arm proof gives `userAgent` from this machine ('shown' or 'holdout'): the first event
// of its streams, before any replay or live count.
async function armOf(proof, userAgent) {
  const first = await firstEvent(proof, userAgent);
  assert.equal(first.type, 'arm', `a stream's first event with an experiment on is its arm (got ${first.type})`);
  assert.equal(first.id, undefined, 'the arm has no id (it is no event to resume after)');
  return first.data.arm;
}

async function subscribers(proof) {
  const text = await (await fetch(`${proof.url}/metrics`)).text();
  return Number(/^proof_subscribers (\d+)/m.exec(text)[1]);
}

// Candidate User-Agents until proof has put one in each arm: { shown: UA, holdout: UA }.
// Waits until the probes' streams have closed on the server, so they count as no page.
async function userAgents(proof) {
  const found = {};
  for (let i = 0; i < 64 && !(found.shown && found.holdout); i++) {
    const ua = `${BASE_UA} visitor/${i}`;
    found[await armOf(proof, ua)] ??= ua;
  }
  assert.ok(found.shown && found.holdout, `one User-Agent in each arm: ${JSON.stringify(found)}`);
  await waitFor(async () => (await subscribers(proof)) === 0, { what: 'the probes\' streams closed' });
  return found;
}

// GET /stats's "experiment".
async function experiment(proof) {
  const res = await fetch(`${proof.url}/stats?days=1`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  assert.equal(res.status, 200);
  return (await res.json()).experiment;
}

// Waits until the experiment's counts are `arms` (the server has counted every beacon the
// pages sent), then a little longer, in case one more comes.
async function countsAre(proof, arms) {
  let last;
  try {
    await waitFor(async () => isDeepStrictEqual(last = (await experiment(proof)).arms, arms), { what: 'the experiment\'s counts' });
  } catch {
    assert.deepEqual(last, arms, 'the experiment\'s counts');
  }
  await sleep(300);
  assert.deepEqual((await experiment(proof)).arms, arms, 'the experiment\'s counts');
}

const counts = (shown, holdout) => ({
  shown: { visitors: shown[0], conversions: shown[1] },
  holdout: { visitors: holdout[0], conversions: holdout[1] },
});

// The test's scene (harness.mjs) with visitor(userAgent): a browser of its own with that
// User-Agent, and what its tabs ask of proof, as the browser sends it: `streams`, how many
// /events requests; `beacons`, each POST /beacon's body, Content-Type and answer status.
async function start(t, args) {
  const scene = await setup(t, { args });
  scene.visitor = async (userAgent) => {
    const ctx = await scene.context(userAgent ? { userAgent } : {});
    const seen = { ctx, streams: 0, beacons: [] };
    const records = new WeakMap();
    ctx.on('request', (req) => {
      const url = new URL(req.url());
      if (url.origin !== scene.proof.url) return;
      if (url.pathname === '/events') seen.streams++;
      if (url.pathname !== '/beacon') return;
      let body = req.postData();
      try {
        body = JSON.parse(body);
      } catch {
        // Kept as sent: the assertions on bodies say what was wrong.
      }
      const record = { body, type: null, status: null };
      records.set(req, record);
      seen.beacons.push(record);
      req.headerValue('content-type').then((type) => (record.type = type ?? 'none'), () => {});
    });
    ctx.on('requestfinished', (req) => {
      const record = records.get(req);
      if (record) req.response().then((res) => (record.status = res?.status() ?? 'no response'), () => {});
    });
    ctx.on('requestfailed', (req) => {
      const record = records.get(req);
      if (record) record.status = `failed: ${req.failure()?.errorText}`;
    });
    // The bodies of its beacons of the experiment (visit and goal), in the order sent.
    seen.experimentBeacons = () => seen.beacons.map((b) => b.body).filter((b) => b.kind === 'visit' || b.kind === 'goal');
    // Resolves once every beacon sent has been answered.
    seen.answered = () => waitFor(() => seen.beacons.every((b) => b.status !== null && b.type !== null), { what: 'beacons answered' });
    return seen;
  };
  return scene;
}

// Every cookie and storage entry of the browser (every origin), and sessionStorage of `page`.
async function kept(ctx, page) {
  const state = await ctx.storageState();
  return {
    cookies: state.cookies,
    local: state.origins.filter((o) => o.localStorage.length),
    cookie: await page.evaluate(() => document.cookie),
    session: await page.evaluate(() => ({ ...sessionStorage })),
  };
}

test('a held-out page shows nothing at all (no card, live count or total) yet keeps its stream and sends its visit; a shown page in the same run shows them', async (t) => {
  const scene = await start(t, ['--holdout', '50', ...STRIPE_ARGS]);
  const { proof } = scene;
  const ua = await userAgents(proof);
  assert.deepEqual(await experiment(proof).then((e) => [e.holdout_percent, e.arms]), [50, counts([0, 0], [0, 0])]);
  await postSignup(proof, { user_name: 'Ann', offer_name: 'Tea' });
  assert.equal((await postStripe(proof, stripeCheckout({ name: 'Bo', offer: 'Mug' }))).status, 202);

  const attributes = { duration: 300, cooldown: 0, replay: 2, 'presence-min': 1, 'summary-hours': 24 };
  const heldVisitor = await scene.visitor(ua.holdout);
  const shownVisitor = await scene.visitor(ua.shown);
  const held = await scene.open(attributes, { context: heldVisitor.ctx, name: '/held' });
  const shown = await scene.open(attributes, { context: shownVisitor.ctx, name: '/shown' });
  await sleep(1200);
  await postSignup(proof, { user_name: 'Cy', offer_name: 'Tea', city: 'Leeds' });
  const texts = (await waitForCards(shown, 5)).map((c) => c.text);
  assert.deepEqual(texts.slice().sort(), [
    // The held-out page's stream is a page open too.
    '2 people are looking at this right now',
    '2 people signed up in the last 24 hours',
    'Ann just signed up with Tea!',
    'Bo from Leeds just bought Mug',
    'Cy from Leeds just signed up with Tea!',
  ]);
  await sleep(1000);
  assert.deepEqual(await cards(held), [], 'the held-out page showed no card');
  assert.equal(await held.locator('.proof.proof-visible').count(), 0);
  assert.equal(await subscribers(proof), 2, 'its stream stays open');
  assert.deepEqual([heldVisitor.streams, shownVisitor.streams], [1, 1], 'one stream each');

  await countsAre(proof, counts([1, 0], [1, 0]));
  await heldVisitor.answered();
  await shownVisitor.answered();
  assert.deepEqual(heldVisitor.beacons.map((b) => b.body), [{ kind: 'visit' }], 'a visit beacon and nothing else');
  const fromShown = shownVisitor.beacons.map((b) => b.body);
  assert.deepEqual(fromShown.filter((b) => b.kind === 'visit'), [{ kind: 'visit' }], 'one visit per page view');
  assert.equal(fromShown.filter((b) => b.kind === 'shown').length, 5);
  for (const b of [...heldVisitor.beacons, ...shownVisitor.beacons]) {
    assert.deepEqual([b.type, b.status], ['text/plain;charset=UTF-8', 204], 'sent as text/plain by sendBeacon, and taken');
  }

  // Nothing about the experiment is kept on the device: no cookie, no storage key.
  assert.deepEqual(await kept(heldVisitor.ctx, held), { cookies: [], local: [], cookie: '', session: {} });
  const shownKept = await kept(shownVisitor.ctx, shown);
  assert.deepEqual([shownKept.cookies, shownKept.local, shownKept.cookie, Object.keys(shownKept.session)], [[], [], '', ['proof']]);
  assert.deepEqual(Object.keys(JSON.parse(shownKept.session.proof)), ['i'], 'only the ids shown');
});

test('without an experiment (no arm on the stream) cards show as before and no visit beacon is sent', async (t) => {
  const scene = await start(t, []);
  const { proof } = scene;
  assert.equal(await experiment(proof), null, 'no experiment has ever run');
  await postSignup(proof, { user_name: 'Ann', offer_name: 'Tea' });
  await postSignup(proof, { user_name: 'Bo', offer_name: 'Tea' });
  const first = await scene.visitor();
  const page = await scene.open({ duration: 200, cooldown: 0, replay: 2 }, { context: first.ctx, name: '/plain' });
  assert.deepEqual((await waitForCards(page, 2)).map((c) => c.text), ['Ann just signed up with Tea!', 'Bo just signed up with Tea!']);
  // A quiet stream: the first second passes without any event, then a live one.
  const second = await scene.visitor();
  const quiet = await scene.open({ duration: 200, cooldown: 0, replay: 0, 'summary-hours': 24 }, { context: second.ctx, name: '/quiet' });
  await waitForCards(quiet, 1, 5000);
  await postSignup(proof, { user_name: 'Cy', offer_name: 'Tea' });
  assert.deepEqual((await waitForCards(quiet, 2)).map((c) => c.text), ['2 people signed up in the last 24 hours', 'Cy just signed up with Tea!']);
  await sleep(300);
  await first.answered();
  await second.answered();
  assert.deepEqual([...first.experimentBeacons(), ...second.experimentBeacons()], []);
  assert.ok([...first.beacons, ...second.beacons].every((b) => b.body.kind === 'shown' && b.status === 204));
  assert.equal(await experiment(proof), null, 'still none');
});

test('a tab that opens later learns the arm from the tab holding the stream: one stream, one visit per page view', async (t) => {
  const scene = await start(t, ['--holdout', '50']);
  const { proof } = scene;
  const ua = await userAgents(proof);
  const attributes = { duration: 200, cooldown: 0, replay: 0 };
  const visitors = {};
  for (const arm of ['holdout', 'shown']) {
    const visitor = visitors[arm] = await scene.visitor(ua[arm]);
    const first = await scene.open(attributes, { context: visitor.ctx, name: `/first-${arm}` });
    await sleep(1500);
    // The second tab shares the first one's stream: it opens none of its own.
    const second = await scene.open(attributes, { context: visitor.ctx, name: `/second-${arm}`, state: null });
    assert.equal(await second.evaluate(() => document.querySelector('.proof').dataset.state), 'shared');
    await sleep(300);
    await postSignup(proof, { user_name: `Live for ${arm}`, offer_name: 'Tea' });
    if (arm === 'shown') {
      for (const page of [first, second]) assert.deepEqual((await waitForCards(page, 1)).map((c) => c.text), ['Live for shown just signed up with Tea!']);
    } else {
      await sleep(ARM_WAIT);
      for (const page of [first, second]) assert.deepEqual(await cards(page), [], 'held out in both tabs');
    }
    assert.equal(visitor.streams, 1, `${arm}: one stream`);
    assert.equal(await subscribers(proof), arm === 'shown' ? 2 : 1, 'one stream for each browser on the server');
    // The visit comes only from a page that knows its arm: the second tab learned it.
    await waitFor(() => visitor.experimentBeacons().length === 2, { what: `${arm}: a visit from each tab` });
  }
  await sleep(500);
  for (const arm of ['holdout', 'shown']) assert.deepEqual(visitors[arm].experimentBeacons(), [{ kind: 'visit' }, { kind: 'visit' }]);
  // Two page views of one visitor are one visitor-day, in its arm.
  await countsAre(proof, counts([1, 0], [1, 0]));
});

test('a reconnect says the arm again (after a restart, the same arm); the page view\'s visit is still sent once', async (t) => {
  // The experiment's secret is kept on disk, so a restart continues it.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'proof-browser-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const scene = await start(t, ['--holdout', '50', '--data-dir', dataDir]);
  const ua = await userAgents(scene.proof);
  const { started } = await experiment(scene.proof);
  const visitor = await scene.visitor(ua.holdout);
  const page = await scene.open({ duration: 200, cooldown: 0, replay: 0 }, { context: visitor.ctx, name: '/held' });
  await waitFor(() => visitor.beacons.length === 1);
  const seen = await page.evaluate(() => window.__states.length);
  assert.deepEqual(await scene.restartProof(), { code: 0, signal: null }, 'SIGTERM ends proof cleanly');
  await page.waitForFunction((n) => window.__states.slice(n).includes('open'), seen, { timeout: 20000 });
  assert.ok(visitor.streams >= 2, 'the browser reconnected');
  const { proof } = scene;
  // Had the new stream not said the arm, the page would take it for one without an
  // experiment after its first second and show this.
  await postSignup(proof, { user_name: 'After', offer_name: 'Tea' });
  for (const arm of ['holdout', 'shown']) assert.equal(await armOf(proof, ua[arm]), arm, 'the restart changed nobody\'s arm');
  assert.equal((await experiment(proof)).started, started, 'the same experiment continues');
  await sleep(ARM_WAIT);
  assert.deepEqual(await cards(page), [], 'still held out');
  await visitor.answered();
  assert.deepEqual(visitor.beacons.map((b) => [b.body, b.status]), [[{ kind: 'visit' }, 204]]);
  await countsAre(proof, counts([0, 0], [1, 0]));
  // Not widget errors: the stream cut by the shutdown, and a request that finds the port
  // closed for a moment.
  scene.expectErrors(new RegExp(`ERR_INCOMPLETE_CHUNKED_ENCODING \\(${proof.url}/events|ERR_CONNECTION_REFUSED \\(${proof.url}/`));
});

test('goal beacons: data-goal on the page and window.proof.goal(NAME), once per name and page view, before the stream is even open and after the cards are closed', async (t) => {
  const scene = await start(t, ['--holdout', '50']);
  const { proof } = scene;
  const ua = await userAgents(proof);

  // A held-out visitor on the order-confirmation page, its stream held back in the
  // browser until the test lets it go.
  const held = await scene.visitor(ua.holdout);
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  await held.ctx.route((url) => url.pathname === '/events', async (route) => {
    await gate;
    await route.continue();
  });
  const page = await scene.open({ goal: 'purchase' }, { context: held.ctx, name: '/thanks', state: 'connecting' });
  await page.evaluate(() => {
    window.proof.goal('purchase');
    window.proof.goal('newsletter');
    window.proof.goal('newsletter');
  });
  await waitFor(() => held.beacons.length >= 2);
  await sleep(300);
  assert.equal(await page.evaluate(() => document.querySelector('.proof').dataset.state), 'connecting', 'the stream has not opened yet');
  assert.deepEqual(held.experimentBeacons(), [{ kind: 'goal', goal: 'purchase' }, { kind: 'goal', goal: 'newsletter' }]);
  release();
  await page.waitForSelector('.proof[data-state=open]', { state: 'attached' });
  await waitFor(() => held.beacons.length >= 3);
  await sleep(300);
  assert.deepEqual(held.experimentBeacons(), [
    { kind: 'goal', goal: 'purchase' },
    { kind: 'goal', goal: 'newsletter' },
    { kind: 'visit' },
  ]);
  // The goals and the visit are one converted visitor-day of the holdout.
  await countsAre(proof, counts([0, 0], [1, 1]));
  // A page view of its own sends its goal again (the day is counted already).
  await page.reload();
  await waitFor(() => held.beacons.length >= 5, { what: 'the new page view\'s goal and visit' });
  await sleep(300);
  assert.deepEqual(held.experimentBeacons().slice(3), [
    { kind: 'goal', goal: 'purchase' },
    { kind: 'visit' },
  ]);

  // A shown visitor closes the cards, then checks out on the same page.
  const shown = await scene.visitor(ua.shown);
  const shop = await scene.open({ duration: 60000, replay: 0 }, { context: shown.ctx, name: '/checkout' });
  await postSignup(proof, { user_name: 'Dee', offer_name: 'Tea' });
  await waitForCards(shop, 1);
  await shop.click('.proof-close');
  await shop.waitForSelector('.proof', { state: 'detached' });
  await shop.evaluate(() => window.proof.goal('purchase'));
  await waitFor(() => shown.experimentBeacons().length === 2, { what: 'the goal after the close' });
  assert.deepEqual(shown.experimentBeacons(), [{ kind: 'visit' }, { kind: 'goal', goal: 'purchase' }]);
  await countsAre(proof, counts([1, 1], [1, 1]));
  await held.answered();
  await shown.answered();
  assert.ok([...held.beacons, ...shown.beacons].every((b) => b.status === 204 && b.type === 'text/plain;charset=UTF-8'));

  // A goal page keeps nothing about the experiment either.
  assert.deepEqual(await kept(held.ctx, page), { cookies: [], local: [], cookie: '', session: {} });
  const after = await kept(shown.ctx, shop);
  assert.deepEqual([after.cookies, after.local, after.cookie], [[], [], '']);
  assert.deepEqual(Object.keys(JSON.parse(after.session.proof)).sort(), ['c', 'i'], 'the ids shown and the close, nothing else');
});
