// The widget's stream survives a server restart and an outage behind a
// proxy, and shows no card twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useChromium, postSignup, cards, waitForCards } from './harness.mjs';

const { setup } = useChromium();

// Waits until the widget's stream, after the first `seen` state changes,
// has been re-opened.
function waitForReopen(page, seen) {
  return page.waitForFunction((n) => window.__states.slice(n).includes('open'), seen, { timeout: 20000 });
}

const stateCount = (page) => page.evaluate(() => window.__states.length);

test('after a server restart the stream comes back, catches up, and no card repeats', async (t) => {
  // Durable history, so that the restarted server still has the events a
  // careless resume would repeat.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'proof-browser-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const scene = await setup(t, { args: ['--data-dir', dataDir] });
  const page = await scene.open({ duration: 200, cooldown: 0 });

  await postSignup(scene.proof, { user_name: 'Before', offer_name: 'Tea' });
  await waitForCards(page, 1);

  const seen = await stateCount(page);
  assert.deepEqual(await scene.restartProof(), { code: 0, signal: null }, 'SIGTERM ends proof cleanly');
  // Most likely before the browser is back (it waits the server's retry:,
  // 2 s or more), so this one comes as catch-up; if not, live. Once either way.
  await postSignup(scene.proof, { user_name: 'During', offer_name: 'Tea' });
  await waitForReopen(page, seen);

  await postSignup(scene.proof, { user_name: 'After', offer_name: 'Tea' });
  await waitForCards(page, 3);
  // Give a repeat (it would come right behind) the chance to show up.
  await page.waitForTimeout(500);
  assert.deepEqual(
    (await cards(page)).map((c) => c.text),
    ['Before just signed up with Tea!', 'During just signed up with Tea!', 'After just signed up with Tea!'],
  );
  // Not widget errors: the stream cut by the shutdown (proof ends it without
  // the closing chunk), and a request (a retry, an image) that finds the
  // port closed for a moment.
  const url = scene.proof.url;
  scene.expectErrors(new RegExp(`ERR_INCOMPLETE_CHUNKED_ENCODING \\(${url}/events|ERR_CONNECTION_REFUSED \\(${url}/`));
});

// A reverse proxy in front of proof that can answer 503 for a while, the way
// nginx does when its upstream is down. EventSource gives up on an error
// status (readyState CLOSED), so the widget must re-create the stream itself.
async function startProxy(upstream) {
  const open = new Set();
  const proxy = { down: false, port: 0, close: null };
  const server = createServer((req, res) => {
    if (proxy.down) {
      res.writeHead(503, {
        'Access-Control-Allow-Origin': req.headers.origin || '*',
        'Content-Type': 'text/plain',
      });
      res.end('upstream down');
      return;
    }
    const up = request(
      `${upstream}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } },
      (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
    open.add(res);
    res.on('close', () => {
      open.delete(res);
      up.destroy();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = server.address().port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  // Starts answering 503 and cuts the streams that are open.
  proxy.cut = () => {
    proxy.down = true;
    for (const res of open) res.destroy();
  };
  proxy.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
  return proxy;
}

test('after error statuses it re-creates the stream with lastEventId: missed events once, nothing repeated', async (t) => {
  const scene = await setup(t);
  const { proof } = scene;
  const proxy = scene.closeAfter(await startProxy(proof.url));
  const page = await scene.page();
  const streams = [];
  page.on('request', async (req) => {
    const url = new URL(req.url());
    // The streams alone: not the widget's one look at why the first was refused (a fetch).
    if (url.pathname === '/events' && req.resourceType() === 'eventsource') streams.push(`${url.search} ${(await req.allHeaders())['last-event-id'] || '-'}`);
  });
  await scene.open({ duration: 200, cooldown: 0, replay: 3 }, { page, server: proxy.url });

  const first = await postSignup(proof, { user_name: 'First', offer_name: 'Tea' });
  await waitForCards(page, 1);

  const seen = await stateCount(page);
  proxy.cut();
  // The browser retries by itself, gets a 503 and gives up; the widget
  // notices (state "closed") and schedules its own attempt.
  await page.waitForFunction((n) => window.__states.slice(n).includes('closed'), seen, { timeout: 20000 });
  const missed = await postSignup(proof, { user_name: 'Missed', offer_name: 'Tea' });
  assert.ok(missed > first);
  proxy.down = false;
  await waitForReopen(page, seen);
  await waitForCards(page, 2);

  await postSignup(proof, { user_name: 'Live', offer_name: 'Tea' });
  await waitForCards(page, 3);
  await page.waitForTimeout(500);
  assert.deepEqual(
    (await cards(page)).map((c) => c.text),
    ['First just signed up with Tea!', 'Missed just signed up with Tea!', 'Live just signed up with Tea!'],
  );
  // The first stream asks for the replay; the browser's own retries reuse
  // its URL but resume by header; the widget's new streams resume by query.
  assert.equal(streams[0], '?replay=3 -');
  assert.ok(streams.includes(`?lastEventId=${first} -`), `streams opened: ${streams.join(', ')}`);
  for (const s of streams.slice(1)) {
    assert.ok(s === `?replay=3 ${first}` || s === `?lastEventId=${first} -`, `streams opened: ${streams.join(', ')}`);
  }
  // Chromium reports the cut stream and each 503 on the console (a card's
  // image may be fetched during the outage too, and the first card's beacon
  // may still be on its way when the cut comes: an empty response); those
  // are the outage itself, not widget errors.
  scene.expectErrors(new RegExp(
    `ERR_INCOMPLETE_CHUNKED_ENCODING \\(${proxy.url}/events|status of 503 \\(Service Unavailable\\) \\(${proxy.url}/|ERR_EMPTY_RESPONSE \\(${proxy.url}/beacon`,
  ));
});

test('a stream the server refuses (origin not allowed) keeps the page unharmed and is retried with backoff', async (t) => {
  const scene = await setup(t, { pageOrigin: 'http://127.0.0.1:9' });
  const page = await scene.open({}, { state: null });
  await page.waitForFunction(() => window.__states.filter((s) => s === 'closed').length >= 3, null, { timeout: 15000 });
  assert.equal(await page.locator('.proof.proof-visible').count(), 0);
  // Backoff, timed in the page: from each give-up ("closed") to the next
  // attempt ("connecting") at least half of 1 s, 2 s, ...
  const { states, times } = await page.evaluate(() => ({ states: window.__states, times: window.__stateTimes }));
  const waits = [];
  states.forEach((s, i) => {
    if (s === 'closed' && states[i + 1] === 'connecting') waits.push(Math.round(times[i + 1] - times[i]));
  });
  assert.ok(waits.length >= 2, `states: ${states.join(' ')}`);
  waits.forEach((wait, k) => assert.ok(wait >= 500 * 2 ** k - 50, `retry ${k + 1} came ${wait} ms after giving up (waits ${waits})`));
  // The host page goes on: its own button still works, nothing was thrown.
  await page.evaluate(() => document.getElementById('buy').addEventListener('click', () => (window.bought = true)));
  await page.click('#buy');
  assert.equal(await page.evaluate(() => window.bought), true);
  // Chromium reports each refusal (a 403 the page may read: origins.test.mjs) on the console.
  const expected = /^console: Failed to load resource: the server responded with a status of 403 \(Forbidden\) \(http:\/\/127\.0\.0\.1:\d+\/events\?replay=3\)$/;
  assert.ok(scene.errors.filter((e) => expected.test(e)).length >= 3, `each refusal is reported: ${scene.errors.join('; ')}`);
  scene.expectErrors(expected);
});
