// The widget in headless Chromium against the real proof binary, on a shop
// page served from another origin than proof.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, postSignup, cards, waitForCards, artifact, setVisibility, slidIn } from './harness.mjs';

// Each open() is a browser of its own: tabs of one browser share a stream and
// the cards they show (tabs.test.mjs).
const { setup } = useChromium();

// Makes the page's clock run ahead, as if the events it replays were older.
function skewClock(ms) {
  const now = Date.now.bind(Date);
  Date.now = () => now() + ms;
}

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

test('a posted signup appears as a card: text, image, link; at the bottom right; no layout shift, no focus stolen', async (t) => {
  const { proof, open } = await setup(t, { context: { viewport: { width: 1280, height: 720 } } });
  const page = await open({ duration: 60000 });
  const globalsBefore = await page.evaluate(() => window.__globals);
  const layoutBefore = await page.evaluate(() => [document.documentElement.scrollHeight, document.body.getBoundingClientRect().height]);
  await page.focus('#buy');

  await postSignup(proof, { user_name: 'Jane', offer_name: 'Newsletter', city: 'Leeds', url: '/offers/newsletter' });
  const [card] = await waitForCards(page, 1);
  assert.equal(card.text, 'Jane from Leeds just signed up with Newsletter!');
  // (No age check here: within the stream's first second a signup counts as
  // history and reads "just now"; the max-age test checks a live card.)

  const link = page.locator('.proof a.proof-body');
  assert.equal(await link.getAttribute('href'), `${new URL(page.url()).origin}/offers/newsletter`);
  assert.equal(await link.getAttribute('rel'), 'noopener');
  const img = page.locator('.proof img.proof-img');
  assert.equal(await img.getAttribute('src'), `${proof.url}/img/default.svg`);
  await page.waitForFunction(() => document.querySelector('.proof-img').naturalWidth > 0);

  const cardBox = page.locator('.proof');
  await slidIn(page);
  const box = await cardBox.boundingBox();
  assert.deepEqual([box.width, box.height], [310, 100]);
  assert.ok(Math.abs(box.x + box.width - (1280 - 10)) <= 1, `right edge at ${box.x + box.width}`);
  assert.ok(Math.abs(box.y + box.height - (720 - 10)) <= 1, `bottom edge at ${box.y + box.height}`);
  const style = await cardBox.evaluate((el) => {
    const s = getComputedStyle(el);
    return { position: s.position, bg: s.backgroundColor, color: s.color, radius: s.borderTopLeftRadius, border: s.borderTopWidth + ' ' + s.borderTopStyle + ' ' + s.borderTopColor, transition: s.transitionDuration };
  });
  assert.deepEqual(style, {
    position: 'fixed',
    bg: 'rgb(69, 36, 98)',
    color: 'rgb(255, 255, 255)',
    radius: '20px',
    border: '2px solid rgb(221, 221, 221)',
    transition: '1s',
  });
  await page.screenshot({ path: artifact('desktop-card.png') });

  assert.deepEqual(
    await page.evaluate(() => [document.documentElement.scrollHeight, document.body.getBoundingClientRect().height]),
    layoutBefore,
    'the widget must not change the page layout',
  );
  assert.equal(await page.evaluate(() => document.activeElement.id), 'buy', 'focus stays where it was');
  assert.deepEqual(
    await page.evaluate((before) => Object.keys(window).filter((k) => !before.includes(k) && !k.startsWith('__')), globalsBefore),
    ['proof'],
    'window.proof is the only global (besides the test recorder\'s __ names)',
  );
  const region = await cardBox.evaluate((el) => [el.getAttribute('role'), el.getAttribute('aria-live')]);
  assert.deepEqual(region, ['status', 'polite']);
});

test('a card without url is no link, and a broken image is hidden, not shown broken', async (t) => {
  const { proof, open, expectErrors } = await setup(t);
  const page = await open({ duration: 60000 });
  await postSignup(proof, { user_name: 'Sam', offer_name: 'Tea', img_path: '/img/missing.png' });
  const [card] = await waitForCards(page, 1);
  assert.equal(card.text, 'Sam just signed up with Tea!');
  assert.equal(await page.locator('.proof a').count(), 0);
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.proof-img')).display === 'none');
  // The 404 of the image is the server's answer, not a widget error.
  expectErrors(/img\/missing\.png/);
});

test('a burst shows one card at a time, in order, spaced by duration + cooldown', async (t) => {
  const { proof, open } = await setup(t);
  const duration = 700;
  const cooldown = 400;
  const page = await open({ duration, cooldown });
  for (const name of ['Ann', 'Bob', 'Cy']) await postSignup(proof, { user_name: name, offer_name: 'Tea' });
  const shown = await waitForCards(page, 3);
  assert.deepEqual(
    shown.map((c) => c.text),
    ['Ann just signed up with Tea!', 'Bob just signed up with Tea!', 'Cy just signed up with Tea!'],
  );
  for (let i = 1; i < shown.length; i++) {
    const gap = shown[i].t - shown[i - 1].t;
    // The tolerance covers the recorder running a little after the widget
    // on a loaded machine; a missing duration or cooldown is far beyond it.
    assert.ok(gap >= duration + cooldown - 100, `card ${i} came ${gap} ms after the one before`);
  }
  assert.equal(await page.locator('.proof').count(), 1, 'one card element, reused');
});

test('HTML in an event shows as text and runs nothing', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60000 });
  const evil = '<img src=x onerror=window.pwned=1>';
  await postSignup(proof, { user_name: evil, offer_name: '<b>bold</b>', city: '<script>window.pwned=2</script>' });
  const [card] = await waitForCards(page, 1);
  assert.equal(card.text, `${evil} from <script>window.pwned=2</script> just signed up with <b>bold</b>!`);
  assert.equal(await page.locator('.proof-msg *').count(), 0, 'no elements inside the message');
  assert.equal(await page.locator('.proof img').count(), 1, 'only the widget\'s own image');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
});

test('on load, recent events are replayed with their age; wording and language are configurable', async (t) => {
  const { proof, open } = await setup(t);
  await postSignup(proof, { user_name: 'Old', offer_name: 'Tea' });
  await postSignup(proof, { user_name: 'Older', offer_name: 'Tea' });
  await postSignup(proof, { user_name: 'Newest', offer_name: 'Tea', city: 'York' });
  const cases = [
    [0, 'just now'],
    [4 * MINUTE + 5000, '4 minutes ago'],
    [2 * HOUR + 5000, '2 hours ago'],
    [3 * DAY + 5000, '3 days ago'],
  ];
  for (const [skew, label] of cases) {
    const page = await open({ duration: 200, cooldown: 0, replay: 2 }, { name: `/skew${skew}`, init: { fn: skewClock, arg: skew } });
    const shown = await waitForCards(page, 2);
    assert.deepEqual(
      shown.map((c) => [c.text, c.age]),
      [
        ['Older just signed up with Tea!', label],
        ['Newest from York just signed up with Tea!', label],
      ],
    );
    await page.close();
  }
  const german = await open(
    { duration: 200, cooldown: 0, replay: 2, locale: 'de', template: '{user_name}[ aus {city}] hat {offer_name} gekauft.' },
    { name: '/de', init: { fn: skewClock, arg: 4 * MINUTE + 5000 } },
  );
  assert.deepEqual(
    (await waitForCards(german, 2)).map((c) => [c.text, c.age]),
    [
      ['Older hat Tea gekauft.', 'vor 4 Minuten'],
      ['Newest aus York hat Tea gekauft.', 'vor 4 Minuten'],
    ],
  );
});

test('replayed events older than data-max-age are skipped; live ones still show', async (t) => {
  const { proof, open } = await setup(t);
  await postSignup(proof, { user_name: 'Stale', offer_name: 'Tea' });
  const page = await open({ duration: 200, cooldown: 0, 'max-age': 3600 }, { init: { fn: skewClock, arg: 2 * HOUR } });
  // Past the first second of the stream, where events count as history.
  await page.waitForTimeout(1500);
  await postSignup(proof, { user_name: 'Live', offer_name: 'Tea' });
  await waitForCards(page, 1);
  await page.waitForTimeout(300);
  assert.deepEqual(
    (await cards(page)).map((c) => [c.text, c.age]),
    [['Live just signed up with Tea!', null]],
  );
});

test('no card while the tab is hidden; on return only the newest few, in order', async (t) => {
  const { proof, open } = await setup(t);
  const hidden = await open({ duration: 300, cooldown: 100, backlog: 2 }, { name: '/hidden' });
  const control = await open({ duration: 100, cooldown: 0, backlog: 10 }, { name: '/control' });
  await setVisibility(hidden, 'hidden');
  for (const name of ['A', 'B', 'C', 'D']) await postSignup(proof, { user_name: name, offer_name: 'Tea' });
  // The visible page has shown all four, so the hidden one has received them.
  await waitForCards(control, 4);
  assert.deepEqual(await cards(hidden), []);
  assert.equal(await hidden.locator('.proof.proof-visible').count(), 0);

  await setVisibility(hidden, 'visible');
  const shown = await waitForCards(hidden, 2);
  await hidden.waitForTimeout(500);
  assert.deepEqual(
    (await cards(hidden)).map((c) => c.text),
    ['C just signed up with Tea!', 'D just signed up with Tea!'],
  );
  assert.equal(shown.length, 2);
});

test('the close button removes the card and stops cards for this page view', async (t) => {
  const { proof, open } = await setup(t);
  const page = await open({ duration: 60000 }, { name: '/closed' });
  const control = await open({ duration: 100, cooldown: 0 }, { name: '/control' });
  await postSignup(proof, { user_name: 'First', offer_name: 'Tea' });
  await waitForCards(page, 1);
  const close = page.getByRole('button', { name: 'Close notifications' });
  await close.click();
  await page.waitForSelector('.proof', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.querySelectorAll('style').length), 1, 'its style is gone too');

  await postSignup(proof, { user_name: 'Second', offer_name: 'Tea' });
  await waitForCards(control, 2);
  assert.equal(await page.locator('.proof').count(), 0);
  assert.deepEqual((await cards(page)).map((c) => c.text), ['First just signed up with Tea!']);
});

test('phone layout: nearly full width at the bottom', async (t) => {
  const { proof, open } = await setup(t, { context: { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true } });
  const page = await open({ duration: 60000 });
  await postSignup(proof, { user_name: 'Jane', offer_name: 'Newsletter', city: 'Leeds' });
  await waitForCards(page, 1);
  await slidIn(page);
  const box = await page.locator('.proof').boundingBox();
  assert.ok(Math.abs(box.width - 375 * 0.9) <= 1, `width ${box.width}`);
  assert.ok(Math.abs(box.x - 375 * 0.05) <= 1, `left ${box.x}`);
  assert.ok(Math.abs(box.y + box.height - 667 * 0.975) <= 1, `bottom ${box.y + box.height}`);
  await page.screenshot({ path: artifact('phone-card.png') });
});

test('themes: custom properties, left corner; reduced motion gets no sliding', async (t) => {
  const { proof, open } = await setup(t, { context: { viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' } });
  const page = await open({ duration: 60000, position: 'left' }, {
    init: {
      fn: () => document.addEventListener('DOMContentLoaded', () => {
        document.documentElement.style.cssText = '--proof-bg: rgb(10, 20, 30); --proof-fg: rgb(250, 240, 230); --proof-radius: 4px';
      }),
    },
  });
  await postSignup(proof, { user_name: 'Jane', offer_name: 'Newsletter' });
  await waitForCards(page, 1);
  const style = await page.locator('.proof').evaluate((el) => {
    const s = getComputedStyle(el);
    return [s.backgroundColor, s.color, s.borderTopLeftRadius, s.transitionDuration, el.getAnimations().length];
  });
  // No transition runs: the card is in place at once.
  assert.deepEqual(style, ['rgb(10, 20, 30)', 'rgb(250, 240, 230)', '4px', '0s', 0]);
  const box = await page.locator('.proof').boundingBox();
  assert.ok(Math.abs(box.x - 10) <= 1, `left edge at ${box.x}`);
});
