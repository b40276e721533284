// Runs public/proof.js as a browser would (a plain script, no module object)
// in a bare context, to check that failures stay inside the widget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('../../public/proof.js', import.meta.url), 'utf8');

// Browser timers throw "Illegal invocation" unless called on window (or on
// nothing); Node's do not, so these stand-ins check it.
function browserTimers() {
  const timers = {
    setTimeout(fn, ms) {
      if (this !== undefined && this !== timers.window) throw new TypeError('Illegal invocation');
      return setTimeout(fn, ms);
    },
    clearTimeout(id) {
      if (this !== undefined && this !== timers.window) throw new TypeError('Illegal invocation');
      clearTimeout(id);
    },
  };
  return timers;
}

function run(globals) {
  const context = vm.createContext({ ...globals });
  context.window = context;
  vm.runInContext(source, context, { filename: 'proof.js' });
  return context;
}

test('without a document (Node, a worker) it does nothing and defines nothing', () => {
  const context = run({});
  assert.deepEqual(Object.keys(context), ['window']);
});

test('a DOM that throws everywhere does not make the script throw', () => {
  const explode = () => {
    throw new Error('boom');
  };
  const document = new Proxy({}, { get: explode });
  const context = run({ document, EventSource: function EventSource() {}, URL });
  assert.equal(context.proof, undefined);
});

test('a script tag with a bad src does not make the script throw', () => {
  const script = { src: 'not a url', dataset: {} };
  const document = { currentScript: script, getElementsByTagName: () => [script] };
  const context = run({ document, EventSource: function EventSource() {}, URL });
  assert.equal(context.proof, undefined);
});

// Just enough DOM for the widget to mount; records what it builds.
function fakeDom({ src = 'https://proof.example.com/proof.js', dataset = {} } = {}) {
  class Node {
    constructor(tag) {
      this.tagName = tag.toUpperCase();
      this.children = [];
      this.attributes = {};
      this.listeners = {};
      this.parentNode = null;
      this.style = {};
      const classes = new Set();
      this.classList = {
        add: (c) => classes.add(c),
        remove: (c) => classes.delete(c),
        contains: (c) => classes.has(c),
        toggle: (c, on) => (on ? classes.add(c) : classes.delete(c)),
      };
    }
    setAttribute(k, v) { this.attributes[k] = String(v); }
    getAttribute(k) { return this.attributes[k]; }
    appendChild(child) { child.parentNode = this; this.children.push(child); return child; }
    removeChild(child) { this.children.splice(this.children.indexOf(child), 1); child.parentNode = null; return child; }
    replaceChild(next, old) { this.children[this.children.indexOf(old)] = next; next.parentNode = this; old.parentNode = null; return old; }
    contains(node) { return node === this || this.children.some((c) => c.contains(node)); }
    addEventListener(type, fn) { this.listeners[type] = fn; }
    removeEventListener(type) { delete this.listeners[type]; }
    get text() { return (this.textContent || '') + this.children.map((c) => c.text).join(''); }
  }
  const head = new Node('head');
  const body = new Node('body');
  const script = { src, dataset };
  const document = new Node('#document');
  Object.assign(document, {
    currentScript: script,
    head,
    body,
    documentElement: new Node('html'),
    visibilityState: 'visible',
    createElement: (tag) => new Node(tag),
    getElementsByTagName: () => [script],
  });
  const sources = [];
  class EventSource {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.listeners = {};
      sources.push(this);
    }
    addEventListener(type, fn) { this.listeners[type] = (e) => fn({ type, ...e }); }
    close() { this.readyState = 2; }
  }
  // The window's own listeners (the vm context is the window; these record on win).
  const win = new Node('#window');
  return {
    document, head, body, sources, EventSource, location: { href: 'https://shop.example/p' }, navigator: {}, win,
    addEventListener: win.addEventListener.bind(win), removeEventListener: win.removeEventListener.bind(win),
  };
}

test('it mounts its style and card, opens the stream, and fills a card with text only', () => {
  const dom = fakeDom({ dataset: { replay: '2' } });
  const context = run({ ...dom, URL, ...browserTimers() });
  assert.deepEqual(Object.keys(context).sort(), Object.keys(dom).concat('URL', 'clearTimeout', 'proof', 'setTimeout', 'window').sort());
  assert.equal(dom.head.children[0].tagName, 'STYLE');
  const card = dom.body.children[0];
  assert.equal(card.className, 'proof');
  assert.equal(card.attributes.role, 'status');
  assert.equal(card.attributes['aria-live'], 'polite');
  assert.equal(dom.sources.length, 1);
  assert.equal(dom.sources[0].url, 'https://proof.example.com/events?replay=2');

  const es = dom.sources[0];
  es.onopen();
  es.listeners.signup({ data: JSON.stringify({ id: 5, user_name: '<b>Jo</b>', offer_name: 'Tea', ts: Date.now(), url: 'javascript:alert(1)' }) });
  assert.ok(card.classList.contains('proof-visible'));
  const cardBody = card.children[0];
  assert.equal(cardBody.tagName, 'DIV', 'a javascript: url gives no link');
  assert.match(cardBody.text, /^<b>Jo<\/b> just signed up with Tea!just now$/);

  assert.deepEqual(Object.keys(dom.document.listeners).sort(), ['focusin', 'keydown', 'visibilitychange']);
  assert.deepEqual(Object.keys(dom.win.listeners), ['scroll']);
  context.proof.close();
  assert.equal(es.readyState, 2);
  assert.equal(dom.body.children.length, 0);
  assert.equal(dom.head.children.length, 0);
  assert.deepEqual([Object.keys(dom.document.listeners), Object.keys(dom.win.listeners)], [[], []], 'every listener it added is removed');
});

test('a bad event on the stream is dropped quietly', () => {
  const dom = fakeDom();
  const context = run({ ...dom, URL, ...browserTimers() });
  const es = dom.sources[0];
  es.onopen();
  assert.doesNotThrow(() => es.listeners.signup({ data: '{not json' }));
  assert.doesNotThrow(() => es.listeners.signup({ data: 'null' }));
  assert.equal(dom.body.children[0].classList.contains('proof-visible'), false);
  context.proof.close();
});

test('an existing window.proof of someone else is left alone', () => {
  const theirs = { mine: true };
  const dom = fakeDom();
  const context = run({ ...dom, URL, ...browserTimers(), proof: theirs });
  assert.equal(context.proof, theirs);
  assert.equal(dom.sources.length, 1, 'the widget still runs');
  dom.sources[0].close();
});

test('pasted twice, only the first copy runs', () => {
  const dom = fakeDom();
  const context = run({ ...dom, URL, ...browserTimers() });
  vm.runInContext(source, context);
  assert.equal(dom.sources.length, 1);
  assert.equal(dom.body.children.length, 1);
  context.proof.close();
});

test('an unknown data-locale falls back to English ages instead of stopping the widget', () => {
  const dom = fakeDom({ dataset: { locale: '!!not a locale' } });
  const context = run({ ...dom, URL, ...browserTimers() });
  assert.equal(dom.sources.length, 1);
  const es = dom.sources[0];
  es.onopen();
  es.listeners.signup({ data: JSON.stringify({ id: 1, user_name: 'Jo', offer_name: 'Tea', ts: Date.now() - 5 * 60000 }) });
  assert.match(dom.body.children[0].children[0].text, /5 minutes ago$/);
  context.proof.close();
});

test('an event delivered twice (a proxy replaying the stream, say) makes one card', async () => {
  const dom = fakeDom({ dataset: { duration: '5', cooldown: '0' } });
  const context = run({ ...dom, URL, ...browserTimers() });
  const card = dom.body.children[0];
  const shown = [];
  const replaceChild = card.replaceChild.bind(card);
  card.replaceChild = (next, old) => {
    shown.push(next.text);
    return replaceChild(next, old);
  };
  const es = dom.sources[0];
  es.onopen();
  const event = { data: JSON.stringify({ id: 7, user_name: 'Jo', offer_name: 'Tea', ts: Date.now() }) };
  es.listeners.signup(event);
  es.listeners.signup(event);
  es.listeners.signup({ data: JSON.stringify({ id: 8, user_name: 'Al', offer_name: 'Tea', ts: Date.now() }) });
  es.listeners.signup(event);
  // Two cards take 5 ms on an idle machine; a busy one may need longer.
  for (let i = 0; i < 40 && shown.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(shown.map((t) => t.replace(/just now$/, '')), ['Jo just signed up with Tea!', 'Al just signed up with Tea!']);
  context.proof.close();
});

test('a card from a verified source has the verified line, as text; a /signup card and data-verified="off" have none', () => {
  const lines = (dataset, event) => {
    const dom = fakeDom({ dataset: { duration: '60000', ...dataset } });
    const context = run({ ...dom, URL, ...browserTimers() });
    const es = dom.sources[0];
    es.onopen();
    es.listeners.signup({ data: JSON.stringify({ id: 1, user_name: 'Jo', offer_name: 'Tea', ts: Date.now(), ...event }) });
    const text = dom.body.children[0].children[0].children.find((c) => c.className === 'proof-text');
    const found = text.children.map((c) => [c.className, c.text, c.children.length]);
    context.proof.close();
    return found;
  };
  assert.deepEqual(lines({}, { source: 'stripe' }), [
    ['proof-msg', 'Jo just bought Tea', 0],
    ['proof-verified', 'Verified purchase · Stripe', 0],
    ['proof-age', 'just now', 0],
  ]);
  assert.deepEqual(lines({}, {}).map((l) => l[0]), ['proof-msg', 'proof-age']);
  assert.deepEqual(lines({ verified: 'off' }, { source: 'stripe' }).map((l) => l[0]), ['proof-msg', 'proof-age']);
  assert.deepEqual(lines({ verifiedTemplate: '<b>{source}</b>' }, { source: 'shopify' })[1], ['proof-verified', '<b>Shopify</b>', 0]);
});

// The beacons the page sends, as parsed bodies: [url, body].
function beaconsOf(dom) {
  const sent = [];
  dom.navigator.sendBeacon = (url, body) => {
    sent.push([url, JSON.parse(body)]);
    return true;
  };
  return sent;
}

test('goals: data-goal at once and window.proof.goal(NAME), each name once per page view, also after a close', () => {
  const dom = fakeDom({ dataset: { goal: 'purchase' } });
  const sent = beaconsOf(dom);
  const context = run({ ...dom, URL, ...browserTimers() });
  const url = 'https://proof.example.com/beacon';
  assert.deepEqual(sent, [[url, { kind: 'goal', goal: 'purchase' }]], 'before the stream has even opened');
  context.proof.goal('purchase');
  context.proof.goal('newsletter');
  context.proof.goal('newsletter');
  context.proof.goal('');
  context.proof.goal('constructor');
  context.proof.close();
  context.proof.goal('after-close');
  assert.deepEqual(sent.map(([, b]) => b.goal), ['purchase', 'newsletter', 'constructor', 'after-close']);
});

test('the arm: a held-out page mounts no visible card and sends one visit beacon; without an experiment, none', () => {
  const held = fakeDom({ dataset: { duration: '60000' } });
  const sent = beaconsOf(held);
  const context = run({ ...held, URL, ...browserTimers() });
  const es = held.sources[0];
  es.onopen();
  es.listeners.arm({ data: '{"arm":"holdout"}' });
  es.listeners.signup({ data: JSON.stringify({ id: 1, user_name: 'Jo', offer_name: 'Tea', ts: Date.now() }) });
  es.listeners.arm({ data: '{"arm":"holdout"}' });
  assert.equal(held.body.children[0].classList.contains('proof-visible'), false);
  assert.deepEqual(sent.map(([, b]) => b), [{ kind: 'visit' }]);
  context.proof.close();

  const plain = fakeDom({ dataset: { duration: '60000' } });
  const none = beaconsOf(plain);
  const other = run({ ...plain, URL, ...browserTimers() });
  plain.sources[0].onopen();
  plain.sources[0].listeners.signup({ data: JSON.stringify({ id: 1, user_name: 'Jo', offer_name: 'Tea', ts: Date.now() }) });
  assert.equal(plain.body.children[0].classList.contains('proof-visible'), true, 'a first event that is no arm: no experiment');
  assert.deepEqual(none.map(([, b]) => b), [{ id: 1, kind: 'shown' }]);
  other.proof.close();
});
