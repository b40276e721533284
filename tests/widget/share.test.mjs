// The election and relay between tabs, with fakes of navigator.locks and
// BroadcastChannel that behave as the browser's: one holder per lock name,
// granted in request order when the holder releases it or its tab goes away;
// a message reaches every other channel of that name, not the sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';

const { share } = proof;

function fakeBrowser() {
  const waiting = new Map(); // name -> [{ tab, cb }]
  const held = new Map(); // name -> { tab, done }
  const channels = new Set();
  const queue = [];
  const flush = () => {
    while (queue.length) queue.shift()();
  };
  function grant(name) {
    const list = waiting.get(name) || [];
    if (held.has(name) || !list.length) return;
    const { tab, cb } = list.shift();
    const entry = { tab };
    held.set(name, entry);
    Promise.resolve(cb()).then(() => {
      if (held.get(name) === entry) {
        held.delete(name);
        grant(name);
      }
    });
  }
  function tab() {
    const self = { channels: [] };
    self.locks = {
      request(name, cb) {
        if (!waiting.has(name)) waiting.set(name, []);
        waiting.get(name).push({ tab: self, cb });
        grant(name);
      },
    };
    self.Channel = class {
      constructor(name) {
        this.name = name;
        channels.add(this);
        self.channels.push(this);
      }
      postMessage(data) {
        const copy = structuredClone(data);
        for (const c of channels) {
          if (c !== this && c.name === this.name) queue.push(() => c.onmessage && c.onmessage({ data: copy }));
        }
      }
      close() {
        channels.delete(this);
      }
    };
    // A crash: its channels stop, its locks go to the next tab.
    self.crash = () => {
      for (const c of self.channels) channels.delete(c);
      for (const [name, list] of waiting) waiting.set(name, list.filter((w) => w.tab !== self));
      for (const [name, h] of held) {
        if (h.tab === self) {
          held.delete(name);
          grant(name);
        }
      }
    };
    return self;
  }
  return { tab, flush, settle: () => new Promise((r) => setImmediate(r)).then(flush) };
}

// A tab running share() as the widget does: `streams` counts the streams it
// opened, `got` what reached it from other tabs.
function widgetTab(browser, key = 'proof:http://p/?') {
  const t = browser.tab();
  t.streams = 0;
  t.got = [];
  [t.tell, t.leave] = share(key, t.locks, t.Channel, (relay) => {
    t.streams++;
    t.relay = relay;
  }, (m) => t.got.push(m));
  return t;
}

test('eight tabs elect one: a single stream, and its events reach the seven others', async () => {
  const browser = fakeBrowser();
  const tabs = Array.from({ length: 8 }, () => widgetTab(browser));
  await browser.settle();
  const leaders = tabs.filter((t) => t.streams);
  assert.equal(leaders.length, 1);
  assert.equal(leaders[0].streams, 1);
  leaders[0].relay({ e: 'signup', d: '{"id":1}', i: '1' });
  browser.flush();
  for (const t of tabs) assert.deepEqual(t.got, t === leaders[0] ? [] : [{ e: 'signup', d: '{"id":1}', i: '1' }]);
});

test('when the leader crashes, the next tab opens the stream, and only it', async () => {
  const browser = fakeBrowser();
  const tabs = Array.from({ length: 3 }, () => widgetTab(browser));
  await browser.settle();
  assert.deepEqual(tabs.map((t) => t.streams), [1, 0, 0]);
  tabs[0].crash();
  await browser.settle();
  assert.deepEqual(tabs.map((t) => t.streams), [1, 1, 0]);
  tabs[1].relay({ e: 'signup', d: '{"id":2}', i: '2' });
  browser.flush();
  assert.equal(tabs[0].got.length, 0);
  assert.equal(tabs[2].got.length, 1);
});

test('a leader that leaves (window.proof.close) hands the stream on', async () => {
  const browser = fakeBrowser();
  const tabs = [widgetTab(browser), widgetTab(browser)];
  await browser.settle();
  tabs[0].leave();
  await browser.settle();
  assert.deepEqual(tabs.map((t) => t.streams), [1, 1]);
});

test('tabs tell each other what they showed, whoever leads', async () => {
  const browser = fakeBrowser();
  const tabs = [widgetTab(browser), widgetTab(browser), widgetTab(browser)];
  await browser.settle();
  tabs[2].tell({ s: '7' });
  browser.flush();
  assert.deepEqual(tabs[0].got, [{ s: '7' }]);
  assert.deepEqual(tabs[1].got, [{ s: '7' }]);
  assert.deepEqual(tabs[2].got, []);
});

test('another key (channel, server) has its own leader and messages', async () => {
  const browser = fakeBrowser();
  const a = [widgetTab(browser), widgetTab(browser)];
  const b = [widgetTab(browser, 'proof:http://p/?channel=mug'), widgetTab(browser, 'proof:http://p/?channel=mug')];
  await browser.settle();
  assert.deepEqual([...a, ...b].map((t) => t.streams), [1, 0, 1, 0]);
  a[0].relay({ e: 'signup', d: '{}', i: '3' });
  browser.flush();
  assert.equal(a[1].got.length, 1);
  assert.equal(b[1].got.length, 0);
});

test('without locks or BroadcastChannel every tab opens its own stream and tells nobody', () => {
  const browser = fakeBrowser();
  const t = browser.tab();
  let streams = 0;
  const [tell] = share('k', undefined, t.Channel, () => streams++, () => assert.fail('no messages'));
  tell({ s: 1 });
  const [tell2] = share('k', t.locks, undefined, () => streams++, () => assert.fail('no messages'));
  tell2({ s: 1 });
  browser.flush();
  assert.equal(streams, 2);
});
