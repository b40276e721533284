import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';

const { ageLabel, fill, readOptions, verifiedLine, prepare } = proof;
const template = readOptions({}).signupTemplate;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

test('age labels', () => {
  assert.equal(ageLabel(0), 'just now');
  assert.equal(ageLabel(59 * SECOND), 'just now');
  assert.equal(ageLabel(MINUTE), '1 minute ago');
  assert.equal(ageLabel(4 * MINUTE + 59 * SECOND), '4 minutes ago');
  assert.equal(ageLabel(59 * MINUTE), '59 minutes ago');
  assert.equal(ageLabel(HOUR), '1 hour ago');
  assert.equal(ageLabel(2 * HOUR + 30 * MINUTE), '2 hours ago');
  assert.equal(ageLabel(DAY), '1 day ago');
  assert.equal(ageLabel(3 * DAY + 23 * HOUR), '3 days ago');
});

test('a negative or unknown age reads as just now', () => {
  assert.equal(ageLabel(-5 * MINUTE), 'just now');
  assert.equal(ageLabel(NaN), 'just now');
});

test('age labels in another language through Intl.RelativeTimeFormat', () => {
  const de = new Intl.RelativeTimeFormat('de', { numeric: 'auto' });
  assert.equal(ageLabel(4 * MINUTE, de), 'vor 4 Minuten');
  assert.equal(ageLabel(2 * HOUR, de), 'vor 2 Stunden');
  assert.equal(ageLabel(10 * SECOND, de), 'jetzt');
});

test('the default sentence is the original one, with the city when given', () => {
  const jane = { user_name: 'Jane', offer_name: 'Newsletter' };
  assert.equal(fill(template, jane), 'Jane just signed up with Newsletter!');
  assert.equal(fill(template, { ...jane, city: 'Leeds' }), 'Jane from Leeds just signed up with Newsletter!');
  assert.equal(fill(template, { ...jane, city: '' }), 'Jane just signed up with Newsletter!');
  assert.equal(fill(template, { ...jane, city: '   ' }), 'Jane just signed up with Newsletter!');
});

test('custom templates: other wordings and languages', () => {
  const ev = { user_name: 'Jana', offer_name: 'Kaffee', city: 'Köln' };
  assert.equal(fill('{user_name}[ aus {city}] hat {offer_name} gekauft.', ev), 'Jana aus Köln hat Kaffee gekauft.');
  assert.equal(fill('[{city}: ]{user_name} bought {offer_name}', { ...ev, city: undefined }), 'Jana bought Kaffee');
  assert.equal(fill('[{city}: ]{user_name} bought {offer_name}', ev), 'Köln: Jana bought Kaffee');
});

test('an optional part vanishes if any of its fields is missing', () => {
  assert.equal(fill('A[ {city} {user_name}] B', { city: 'Leeds' }), 'A B');
  assert.equal(fill('A[ {city} {user_name}] B', { city: 'Leeds', user_name: 'Jo' }), 'A Leeds Jo B');
  assert.equal(fill('A[ fixed text] B', {}), 'A fixed text B');
});

test('a part with alternatives says the first whose fields are all set', () => {
  const tpl = 'Jo bought[ {offer_name}| from us]';
  assert.equal(fill(tpl, { offer_name: 'Tea' }), 'Jo bought Tea');
  assert.equal(fill(tpl, {}), 'Jo bought from us');
  assert.equal(fill(tpl, { offer_name: '  ' }), 'Jo bought from us');
  assert.equal(fill('A[ {city}, {offer_name}| {offer_name}|] B', { offer_name: 'Tea' }), 'A Tea B');
  assert.equal(fill('A[ {city}| {offer_name}] B', {}), 'A B', 'no alternative complete: the part vanishes');
  assert.equal(fill('{user_name} | {city}', { user_name: 'Jo', city: 'Leeds' }), 'Jo | Leeds', 'outside a part | is text');
});

// What the widget makes of an event as it arrives: its kind, then its sentence.
function sentence(ev, dataset = {}) {
  const o = readOptions(dataset);
  const copy = { ...ev };
  prepare(copy);
  return fill(o[copy.kind + 'Template'], copy);
}

test('a purchase reads as a purchase, with or without its product and city', () => {
  const jane = { kind: 'purchase', user_name: 'Jane D.', city: 'Leeds', offer_name: 'Blue mug' };
  assert.equal(sentence(jane), 'Jane D. from Leeds just bought Blue mug');
  assert.equal(sentence({ ...jane, city: undefined }), 'Jane D. just bought Blue mug');
  // The server leaves the product out when it does not know it; an empty one is the same.
  assert.equal(sentence({ ...jane, offer_name: undefined }), 'Jane D. from Leeds just bought from us');
  assert.equal(sentence({ ...jane, offer_name: '' }), 'Jane D. from Leeds just bought from us');
  assert.equal(sentence({ kind: 'signup', user_name: 'Jo', offer_name: 'Newsletter' }), 'Jo just signed up with Newsletter!');
});

test('events from servers before kinds: a verified source\'s is a purchase, never "one of our partners"', () => {
  const old = { user_name: 'Jane D.', city: 'Leeds', offer_name: 'one of our partners', source: 'stripe' };
  assert.equal(sentence(old), 'Jane D. from Leeds just bought from us');
  assert.equal(sentence({ ...old, offer_name: 'Blue mug' }), 'Jane D. from Leeds just bought Blue mug');
  // A signup without a product still says what it always said.
  assert.equal(sentence({ ...old, source: undefined }), 'Jane D. from Leeds just signed up with one of our partners!');
  const ev = { ...old };
  prepare(ev);
  assert.equal(ev.kind, 'purchase');
  // A kind this widget does not know reads as a signup; the kind given wins over source.
  for (const [kind, expected] of [['review', 'signup'], ['signup', 'signup'], ['purchase', 'purchase']]) {
    const e = { kind, source: 'stripe' };
    prepare(e);
    assert.equal(e.kind, expected, kind);
  }
  const posted = { kind: 'purchase', user_name: 'Bo' };
  prepare(posted);
  assert.equal(posted.kind, 'purchase', 'POST /signup may send kind=purchase, without a source');
});

test('a long product name is cut to 60 characters with an ellipsis; names and cities never are', () => {
  const long = 'Organic cotton tee, heavyweight, garment-dyed, navy blue, size XL, pack of three';
  const ev = { kind: 'purchase', user_name: 'Maximiliane Wolkenstein-Trostburg', city: 'Castrop-Rauxel-Süd', offer_name: long };
  prepare(ev);
  assert.equal([...ev.offer_name].length, 60);
  assert.ok(ev.offer_name.endsWith('\u2026'));
  assert.ok(long.startsWith(ev.offer_name.slice(0, -1)));
  assert.equal(ev.user_name, 'Maximiliane Wolkenstein-Trostburg');
  assert.equal(ev.city, 'Castrop-Rauxel-Süd');
  // Cut between characters, not inside one.
  const mugs = { offer_name: '\u{1F375}'.repeat(70) };
  prepare(mugs);
  assert.equal(mugs.offer_name, '\u{1F375}'.repeat(59) + '\u2026');
  const short = { offer_name: 'x'.repeat(60) };
  prepare(short);
  assert.equal(short.offer_name, 'x'.repeat(60), '60 fit');
});

test('one template per kind: data-template-signup and data-template-purchase; data-template stays the signup one', () => {
  const jo = { user_name: 'Jo', offer_name: 'Tea' };
  assert.equal(sentence({ ...jo, kind: 'signup' }, { template: '{user_name} took {offer_name}' }), 'Jo took Tea');
  assert.equal(sentence({ ...jo, kind: 'purchase' }, { template: '{user_name} took {offer_name}' }), 'Jo just bought Tea', 'data-template leaves purchases alone');
  assert.equal(sentence({ ...jo, kind: 'signup' }, { template: 'old', templateSignup: '{user_name} joined' }), 'Jo joined');
  const german = { templatePurchase: '{user_name}[ aus {city}] hat gerade[ {offer_name}| bei uns] gekauft' };
  assert.equal(sentence({ ...jo, kind: 'purchase', city: 'Köln' }, german), 'Jo aus Köln hat gerade Tea gekauft');
  assert.equal(sentence({ user_name: 'Jo', kind: 'purchase' }, german), 'Jo hat gerade bei uns gekauft');
});

test('unknown or non-text fields are empty, not "undefined" or "[object Object]"', () => {
  assert.equal(fill('{nope}|{obj}|{n}|{constructor}', { obj: { a: 1 }, n: 3 }), '||3|');
});

test('values are not scanned for placeholders or brackets', () => {
  const ev = { user_name: '{offer_name} [x]', offer_name: 'Secret', city: '{user_name}' };
  assert.equal(fill(template, ev), '{offer_name} [x] from {user_name} just signed up with Secret!');
});

test('HTML in values stays text (the widget sets it with textContent)', () => {
  const ev = { user_name: '<img src=x onerror=window.pwned=1>', offer_name: 'X' };
  assert.equal(fill(template, ev), '<img src=x onerror=window.pwned=1> just signed up with X!');
});

test('options: defaults, numbers, and bad values fall back', () => {
  assert.deepEqual(readOptions({}), {
    duration: 3500,
    cooldown: 2000,
    backlog: 5,
    replay: 3,
    maxAge: 604800,
    signupTemplate: '{user_name}[ from {city}] just signed up with {offer_name}!',
    purchaseTemplate: '{user_name}[ from {city}] just bought[ {offer_name}| from us]',
    locale: '',
    position: 'right',
    closeLabel: 'Close notifications',
    delay: 0,
    maxCards: Infinity,
    repeat: false,
    mobile: true,
    channel: '',
    presenceMin: 0,
    presenceTemplate: '{count} people are looking at this right now',
    summaryHours: 0,
    summaryMin: 1,
    summaryKind: '',
    summaryTemplate: '{count} people signed up in the last {period}',
    verified: true,
    verifiedTemplate: 'Verified purchase[ · {source}]',
    goal: '',
  });
  const o = readOptions({ duration: '800', cooldown: '0', backlog: 'x', replay: '-1', maxAge: '60', position: 'left' });
  assert.equal(o.duration, 800);
  assert.equal(o.cooldown, 0);
  assert.equal(o.backlog, 5);
  assert.equal(o.replay, 3);
  assert.equal(o.maxAge, 60);
  assert.equal(o.position, 'left');
  assert.equal(readOptions({ position: 'middle' }).position, 'right');
});

test('a card from a verified source says so, with the platform\'s name', () => {
  const line = (ev, tpl = readOptions({}).verifiedTemplate) => verifiedLine(ev, tpl);
  assert.equal(line({ source: 'stripe' }), 'Verified purchase · Stripe');
  assert.equal(line({ source: 'shopify' }), 'Verified purchase · Shopify');
  assert.equal(line({ source: 'woocommerce' }), 'Verified purchase · WooCommerce');
  assert.equal(line({ source: 'lemonsqueezy' }), 'Verified purchase · Lemon Squeezy');
  // Standard Webhooks: any sender, so no platform to name; the [part] vanishes.
  assert.equal(line({ source: 'standard' }), 'Verified purchase');
  assert.equal(line({ source: 'stripe' }, 'Bezahlt[ über {source}]'), 'Bezahlt über Stripe');
});

test('no verified line without a source (POST /signup), nor from names it does not know', () => {
  const tpl = readOptions({}).verifiedTemplate;
  assert.equal(verifiedLine({ user_name: 'Jane' }, tpl), '');
  assert.equal(verifiedLine({ source: '' }, tpl), '');
  assert.equal(verifiedLine({ source: 7 }, tpl), '');
  // A source this version does not know is still verified, but not named;
  // names of Object's own properties are not platforms.
  assert.equal(verifiedLine({ source: 'paddle' }, tpl), 'Verified purchase');
  assert.equal(verifiedLine({ source: 'constructor' }, tpl), 'Verified purchase');
  assert.equal(verifiedLine({ source: '__proto__' }, tpl), 'Verified purchase');
});

test('data-verified="off" and data-verified-template are read', () => {
  assert.equal(readOptions({ verified: 'off' }).verified, false);
  assert.equal(readOptions({ verified: 'on' }).verified, true);
  assert.equal(readOptions({ verifiedTemplate: 'Checked by {source}' }).verifiedTemplate, 'Checked by {source}');
});
