// Issue 33, items 2 and 3, the widget's side: the arm a stream says first, what a
// held-out page shows (nothing) and sends (its visit and goals), tab sharing of the arm,
// and goal beacons. The server's side is not built yet, so these pages talk to a stand-in
// written here: a small Node server that serves the built proof.js and answers /events,
// /beacon and /summary as the README says proof will, choosing the arm by User-Agent
// (proof derives it from the address and User-Agent). The same checks against the real
// proof binary belong with its experiment (tests/browser, when the server sends arms).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PUBLIC_DIR, launchBrowser, openPage, shopPage, cards, waitForCards, waitFor } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const HELD = 'visitor-held-out';
const SHOWN = 'visitor-shown';

// The stand-in for proof. arm(userAgent): 'shown', 'holdout', or null (no experiment).
// history: events replayed to a new stream; publish(fields) sends one to every stream;
// beacons: what arrived at /beacon, with the sender's User-Agent; streams: open ones.
async function startStandIn({ arm = () => null, history = [], eventsDelay = 0 } = {}) {
  const widget = readFileSync(path.join(PUBLIC_DIR, 'proof.js'));
  const pages = new Map();
  const streams = new Set();
  const beacons = [];
  let opened = 0;
  let nextId = 1795819905973181;
  const event = (fields) => ({ id: nextId++, ts: Date.now(), img_path: '/img/default.svg', ...fields });
  const held = history.map(event);
  const frame = (ev) => `id: ${ev.id}\nevent: signup\ndata: ${JSON.stringify(ev)}\n\n`;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const ua = req.headers['user-agent'];
    if (url.pathname === '/proof.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(widget);
    } else if (url.pathname === '/events') {
      setTimeout(() => {
        opened++;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        const name = arm(ua);
        // As the issue has it: the arm first, before any replay, resume or presence.
        let head = 'retry: 500\n\n';
        if (name) head += `event: arm\ndata: ${JSON.stringify({ arm: name })}\n\n`;
        const replay = Number(url.searchParams.get('replay') || 0);
        const last = Number(url.searchParams.get('lastEventId') || req.headers['last-event-id'] || 0);
        const due = last ? held.filter((e) => e.id > last) : held.slice(held.length - Math.min(replay, held.length));
        head += due.map(frame).join('');
        if (url.searchParams.get('presence')) head += `event: presence\ndata: {"count": ${streams.size + 1}}\n\n`;
        res.write(head);
        const stream = { res, ua };
        streams.add(stream);
        req.on('close', () => streams.delete(stream));
      }, eventsDelay);
    } else if (url.pathname === '/beacon' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        beacons.push({ ua, body: JSON.parse(body), type: req.headers['content-type'] });
        res.writeHead(204).end();
      });
    } else if (url.pathname === '/summary') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ count: 7, hours: Number(url.searchParams.get('hours')) }));
    } else if (pages.has(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(pages.get(url.pathname));
    } else if (url.pathname === '/img/default.svg') {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    beacons,
    streams,
    opened: () => opened,
    // The shop page (with these data-* on the widget tag) at `name`.
    page(name, attributes) {
      pages.set(name, shopPage(origin, attributes));
      return origin + name;
    },
    publish(fields) {
      const ev = event(fields);
      held.push(ev);
      for (const s of streams) s.res.write(frame(ev));
      return ev.id;
    },
    // Ends every open stream (the browser reconnects by itself).
    drop() {
      for (const s of streams) s.res.end();
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// A stand-in and browsers for one test; every page's console and page errors must stay
// empty. browserFor(ua) is a browser (its tabs share a stream) whose User-Agent is ua.
async function setup(t, options) {
  const standIn = await startStandIn(options);
  const contexts = [];
  const errors = [];
  t.after(async () => {
    for (const ctx of contexts) await ctx.close();
    await standIn.close();
    assert.deepEqual(errors, [], 'console and page errors');
  });
  return {
    standIn,
    async browserFor(userAgent) {
      const ctx = await browser.newContext({ userAgent });
      contexts.push(ctx);
      return ctx;
    },
    // A tab in ctx on the shop page `name` with these attributes; resolves once its card
    // element is there (state null: any stream state, as a tab sharing another's stream).
    async open(ctx, name, attributes, state = 'open') {
      const page = await openPage(ctx, errors);
      await page.goto(standIn.page(name, attributes));
      await page.waitForSelector(state ? `.proof[data-state=${state}]` : '.proof[data-state]', { state: 'attached' });
      return page;
    },
  };
}

const kinds = (beacons, ua) => beacons.filter((b) => b.ua === ua).map((b) => b.body);
const storage = (page) => page.evaluate(() => ({
  cookie: document.cookie, session: { ...sessionStorage }, local: { ...localStorage },
}));

test('a held-out page shows nothing at all (no card, live count or total) yet keeps its stream and sends its visit; a shown page in the same run shows them', async (t) => {
  const { standIn, browserFor, open } = await setup(t, {
    arm: (ua) => (ua === HELD ? 'holdout' : 'shown'),
    history: [{ user_name: 'Ann', offer_name: 'Tea' }, { user_name: 'Bo', offer_name: 'Mug', source: 'stripe' }],
  });
  const attributes = { duration: 300, cooldown: 0, replay: 2, 'presence-min': 1, 'summary-hours': 24 };
  const held = await open(await browserFor(HELD), '/held', attributes);
  const shown = await open(await browserFor(SHOWN), '/shown', attributes);
  await sleep(1200);
  standIn.publish({ user_name: 'Cy', offer_name: 'Tea', city: 'Leeds' });
  const texts = (await waitForCards(shown, 5)).map((c) => c.text);
  assert.deepEqual(texts.slice().sort(), [
    // The stand-in counts the streams open when this one opened: the held-out page's too.
    '2 people are looking at this right now',
    '7 people signed up in the last 24 hours',
    'Ann just signed up with Tea!',
    'Bo just bought Mug',
    'Cy from Leeds just signed up with Tea!',
  ]);
  await sleep(1000);
  assert.deepEqual(await cards(held), [], 'the held-out page showed no card');
  assert.equal(await held.locator('.proof.proof-visible').count(), 0);
  assert.equal([...standIn.streams].filter((s) => s.ua === HELD).length, 1, 'its stream stays open');

  await waitFor(() => kinds(standIn.beacons, SHOWN).some((b) => b.kind === 'visit'));
  await sleep(300);
  assert.deepEqual(kinds(standIn.beacons, HELD), [{ kind: 'visit' }], 'a visit beacon and nothing else');
  const fromShown = kinds(standIn.beacons, SHOWN);
  assert.deepEqual(fromShown.filter((b) => b.kind === 'visit'), [{ kind: 'visit' }], 'one visit per page view');
  assert.equal(fromShown.filter((b) => b.kind === 'shown').length, 5);
  assert.ok(standIn.beacons.every((b) => b.type === 'text/plain;charset=UTF-8'), 'sent as text/plain by sendBeacon');

  // Nothing about the experiment is kept on the device: no cookie, no storage key.
  assert.deepEqual(await storage(held), { cookie: '', session: {}, local: {} });
  const kept = await storage(shown);
  assert.deepEqual([kept.cookie, kept.local, Object.keys(kept.session)], ['', {}, ['proof']]);
  assert.deepEqual(Object.keys(JSON.parse(kept.session.proof)), ['i'], 'only the ids shown');
});

test('without an experiment (no arm on the stream) cards show as before and no visit beacon is sent', async (t) => {
  const { standIn, browserFor, open } = await setup(t, { history: [{ user_name: 'Ann', offer_name: 'Tea' }] });
  const page = await open(await browserFor(SHOWN), '/plain', { duration: 200, cooldown: 0, replay: 1 });
  await waitForCards(page, 1);
  // A quiet stream: the first second passes without any event, then a live one.
  const quiet = await open(await browserFor(SHOWN), '/quiet', { duration: 200, cooldown: 0, replay: 0, 'summary-hours': 24 });
  await waitForCards(quiet, 1, 5000);
  standIn.publish({ user_name: 'Bo', offer_name: 'Tea' });
  assert.deepEqual((await waitForCards(quiet, 2)).map((c) => c.text), ['7 people signed up in the last 24 hours', 'Bo just signed up with Tea!']);
  await sleep(300);
  assert.deepEqual(standIn.beacons.map((b) => b.body.kind).filter((k) => k !== 'shown'), []);
});

test('a tab that opens later learns the arm from the tab holding the stream: one stream, one visit per page view', async (t) => {
  const { standIn, browserFor, open } = await setup(t, { arm: (ua) => (ua === HELD ? 'holdout' : 'shown') });
  const attributes = { duration: 200, cooldown: 0, replay: 0 };
  for (const ua of [HELD, SHOWN]) {
    const ctx = await browserFor(ua);
    const first = await open(ctx, `/first-${ua}`, attributes);
    await sleep(1500);
    // The second tab shares the first one's stream: it opens none of its own.
    const second = await open(ctx, `/second-${ua}`, attributes, null);
    await sleep(300);
    standIn.publish({ user_name: `Live for ${ua}`, offer_name: 'Tea' });
    if (ua === SHOWN) {
      for (const page of [first, second]) await waitForCards(page, 1);
    } else {
      await sleep(1500);
      for (const page of [first, second]) assert.deepEqual(await cards(page), [], 'held out in both tabs');
    }
    assert.equal([...standIn.streams].filter((s) => s.ua === ua).length, 1, `${ua}: one stream`);
    await waitFor(() => kinds(standIn.beacons, ua).filter((b) => b.kind === 'visit').length === 2, { what: `${ua}: a visit from each tab` });
  }
  await sleep(500);
  for (const ua of [HELD, SHOWN]) assert.equal(kinds(standIn.beacons, ua).filter((b) => b.kind === 'visit').length, 2);
});

test('a reconnect says the arm again; the page view\'s visit is still sent once', async (t) => {
  const { standIn, browserFor, open } = await setup(t, { arm: () => 'holdout' });
  await open(await browserFor(HELD), '/held', { replay: 0 });
  await waitFor(() => standIn.beacons.length === 1);
  standIn.drop();
  await waitFor(() => standIn.opened() === 2, { what: 'the browser reconnecting' });
  await sleep(800);
  assert.deepEqual(standIn.beacons.map((b) => b.body), [{ kind: 'visit' }]);
});

test('goal beacons: data-goal on the page and window.proof.goal(NAME), once per name and page view, before the stream is even open', async (t) => {
  const { standIn, browserFor, open } = await setup(t, { arm: () => 'holdout', eventsDelay: 2000 });
  const page = await open(await browserFor(HELD), '/thanks', { goal: 'purchase' }, 'connecting');
  await page.evaluate(() => {
    window.proof.goal('purchase');
    window.proof.goal('newsletter');
    window.proof.goal('newsletter');
  });
  await waitFor(() => standIn.beacons.length >= 2);
  assert.equal(standIn.opened(), 0, 'the stream has not opened yet');
  await waitFor(() => standIn.opened() === 1);
  await waitFor(() => standIn.beacons.length >= 3);
  await sleep(300);
  assert.deepEqual(standIn.beacons.map((b) => b.body), [
    { kind: 'goal', goal: 'purchase' },
    { kind: 'goal', goal: 'newsletter' },
    { kind: 'visit' },
  ]);
});
