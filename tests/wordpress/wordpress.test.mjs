// The WordPress plugin (integrations/wordpress/, built as proof-wordpress.zip) in a real
// WordPress: Debian's wordpress, mariadb-server and php packages, a site this test sets up
// and removes (tests/wordpress/site.mjs), and Chromium doing what a site owner does:
// upload the zip, activate it, fill in Settings > proof, read the live check, make the
// WooCommerce webhooks, and delete the plugin. A visitor then sees a card on the front
// page, from a signup posted to the proof this test started, and a WooCommerce order
// signed with the secret the page showed.
//
// WooCommerce is not packaged for Debian: the webhook button meets a stand-in that follows
// WooCommerce's webhook API (woocommerce-stand-in.php says how far), and the delivery is
// signed as WooCommerce documents its signature (base64 HMAC-SHA256 of the body). What a
// WordPress 6.1 cannot show (6.3's loading strategy) and answers this proof does not give
// (degraded, down) are checked without a site by plugin_test.php, one step here.
//
// Run by ctest as a plain script (`node wordpress.test.mjs`), so that it can exit 77
// (skipped) when the packages are missing. The steps share one site and run in order; a
// step after a failed one is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';

import { CHROMIUM, PROOF_BIN, PUBLIC_DIR, ROOT, artifact, freePort, launchBrowser, openPage, postSignup, startProof, waitForCards } from '../browser/harness.mjs';
import { ADMIN, missingPackages, startSite } from './site.mjs';

const started = performance.now();
const PLUGIN_DIR = path.join(ROOT, 'integrations/wordpress');
const STAND_IN = path.join(ROOT, 'tests/wordpress/woocommerce-stand-in.php');
const TAG_FILTER = path.join(ROOT, 'tests/wordpress/tag-filter.php');
const ZIP = process.env.PROOF_WORDPRESS_ZIP || path.join(path.dirname(PROOF_BIN), 'proof-wordpress.zip');

const missing = missingPackages();
if (!existsSync(CHROMIUM)) missing.push('chromium');
if (missing.length > 0) {
  // In CI (CI=true) the install must have provided them: a skip there would hide a broken
  // install-deps.sh (tests/support/tools.py's rule).
  const ci = process.env.CI === 'true';
  console.log(`${ci ? 'FAIL' : 'skipped'}: missing ${missing.join(', ')} (apt-get install -y --no-install-recommends ${missing.join(' ')}, or scripts/install-deps.sh --test)`);
  process.exit(ci ? 1 : 77);
}

// A sentence with markup in it: the tag must carry it as an attribute value, and the card
// must show it as text.
const TEMPLATE = 'WP: {user_name}[ from {city}] joined {offer_name} "><script>window.__pwned=1</script>';
const PURCHASE_TEMPLATE = '{user_name} bought {offer_name} (WordPress)';

let site;
let proof;
let proofPort;
let browser;
let admin; // the site owner's browser page, logged in
let secret; // WooCommerce's webhook secret, as the settings page showed it once
const errors = []; // console and page errors of the visitor's page
const adminErrors = []; // and of the site owner's
let failed = false;

// One step of the visit: skipped after a failure, and a failure leaves a screenshot and
// the site's logs.
function step(name, fn) {
  test(name, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      const shot = artifact(`wordpress-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}.png`);
      await admin?.screenshot({ path: shot, fullPage: true }).catch(() => {});
      console.error(`screenshot: ${shot}\nbrowser errors in wp-admin: ${adminErrors.join('\n') || 'none'}\n${site?.logs() ?? ''}`);
      throw err;
    }
  });
}

before(async () => {
  for (const file of [PROOF_BIN, ZIP]) {
    if (!existsSync(file)) throw new Error(`no ${file}: build it (cmake --build build)`);
  }
  proofPort = await freePort();
  // Side by side: WordPress, proof and Chromium need nothing of each other to start.
  // proof's port goes to WordPress's safe ports for the stand-in's webhook ping
  // (woocommerce-stand-in.php); at first proof allows another site only: the operator
  // has not added this one yet.
  [site, proof, browser] = await Promise.all([
    startSite({ muPlugins: [STAND_IN, TAG_FILTER], constants: { PROOF_TEST_SAFE_PORT: proofPort } }).then((s) => {
      console.log(`site up in ${((performance.now() - started) / 1000).toFixed(1)} s at ${s.url}: ${JSON.stringify(s.timings)}`);
      return s;
    }),
    startProof({ port: proofPort, pageOrigin: 'https://elsewhere.example' }),
    launchBrowser(),
  ]);
  admin = await (await browser.newContext()).newPage();
  admin.on('console', (msg) => msg.type() === 'error' && adminErrors.push(`${msg.text()} (${admin.url()})`));
  admin.on('pageerror', (err) => adminErrors.push(`${err.message} (${admin.url()})`));
});

after(async () => {
  await browser?.close();
  await proof?.stop();
  await site?.stop();
  console.log(`wordpress test: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
});

// PROOF_WORDPRESS_SHOTS=1: screenshots of the settings page as the steps leave it, in
// tests/browser/artifacts/, to look at what a site owner sees.
async function shot(name) {
  if (process.env.PROOF_WORDPRESS_SHOTS) await admin.screenshot({ path: artifact(`wordpress-page-${name}.png`), fullPage: true });
}

// Does what a click does and waits for the page it leads to (also when the URL stays the
// same, as for "Check again" or a form posted back to its own page).
async function navigate(page, action) {
  await Promise.all([page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() }), action()]);
  await page.waitForLoadState('load');
}

// PHP files the test and the plugin bring.
function phpFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return phpFiles(file);
    return file.endsWith('.php') ? [file] : [];
  });
}

// php -l of one file, without php.ini (no extensions to load: a syntax check needs none).
function lint(file) {
  return new Promise((resolve) => {
    execFile('php', ['-n', '-l', file], (err, stdout, stderr) => resolve({ file, ok: !err, output: stdout + stderr }));
  });
}

step('every PHP file of the plugin and the stand-in parses (php -l)', async () => {
  const files = [...phpFiles(PLUGIN_DIR), STAND_IN, TAG_FILTER, path.join(ROOT, 'tests/wordpress/plugin_test.php')];
  assert.ok(files.length >= 9, `only ${files.length} PHP files`);
  for (const result of await Promise.all(files.map(lint))) assert.ok(result.ok, `${result.file}:\n${result.output}`);
});

step("the tag for 6.1 and 6.3's loading strategy, and the check's reading of every answer (plugin_test.php)", async () => {
  const result = await new Promise((resolve) => {
    execFile('php', [path.join(ROOT, 'tests/wordpress/plugin_test.php')], (err, stdout, stderr) => resolve({ ok: !err, output: stdout + stderr }));
  });
  assert.ok(result.ok, result.output);
  assert.match(result.output, /^ok - 6\.3: one defer/m);
  assert.match(result.output, /^ok - degraded: a warning/m);
});

step('the zip installs through Plugins > Add New > Upload Plugin and activates', async () => {
  await admin.goto(`${site.url}/wp-login.php`);
  await admin.fill('#user_login', ADMIN.user);
  await admin.fill('#user_pass', ADMIN.password);
  await navigate(admin, () => admin.click('#wp-submit'));
  assert.equal(new URL(admin.url()).pathname, '/wp-admin/');

  await admin.goto(`${site.url}/wp-admin/plugin-install.php`);
  await admin.click('.upload-view-toggle');
  await admin.setInputFiles('#pluginzip', ZIP);
  await navigate(admin, () => admin.click('#install-plugin-submit'));
  await admin.getByText('Plugin installed successfully.').waitFor();
  await navigate(admin, () => admin.getByRole('link', { name: 'Activate Plugin' }).click());
  await admin.getByText('Plugin activated.').waitFor();
  const row = admin.locator('tr[data-plugin="proof/proof.php"]');
  assert.match(await row.getAttribute('class'), /\bactive\b/);
  assert.equal(await row.getByRole('link', { name: 'Settings' }).getAttribute('href'), `${site.url}/wp-admin/options-general.php?page=proof`);
  // Activation stores the defaults: the first save then updates the option.
  assert.equal(site.sql("SELECT COUNT(*) FROM wp_options WHERE option_name = 'proof_settings'"), '1');
});

step('Settings > proof saves through its form, refuses a bad channel, and says the origin is not allowed yet', async () => {
  await admin.goto(`${site.url}/wp-admin/options-general.php`);
  await navigate(admin, () => admin.locator('#menu-settings a[href="options-general.php?page=proof"]').click());
  assert.equal(await admin.textContent('#proof-origin'), site.origin);

  await admin.fill('#proof_server_url', `${proof.url}/`);
  await admin.fill('#proof_channel', 'Shop Floor');
  await admin.selectOption('#proof_position', 'left');
  await admin.fill('#proof_template_signup', TEMPLATE);
  await admin.fill('#proof_template_purchase', PURCHASE_TEMPLATE);
  await admin.fill('#proof_locale', 'de');
  await admin.fill('#proof_max_cards', '5');
  await admin.check('#proof_goal_order_received');
  await navigate(admin, () => admin.click('#submit'));

  // The bad channel is refused by name and kept out; the rest is saved.
  assert.match(await admin.textContent('#setting-error-proof_channel'), /channel must be 1 to 64 of a-z/);
  assert.equal(await admin.inputValue('#proof_channel'), '');
  assert.equal(await admin.inputValue('#proof_server_url'), proof.url, 'the address is kept without its trailing slash');
  assert.equal(await admin.inputValue('#proof_template_signup'), TEMPLATE);

  // The live check: proof answers, and says plainly that this site is not allowed.
  assert.equal(await admin.getAttribute('#proof-check li[data-check=health]', 'data-state'), 'ok');
  const origin = admin.locator('#proof-check li[data-check=origin]');
  assert.equal(await origin.getAttribute('data-state'), 'error');
  const told = await origin.textContent();
  assert.ok(told.includes(`allowed-origin = ["${site.origin}"]`), told);
  assert.ok(told.includes(`--allowed-origin ${site.origin}`), told);
  await shot('refused');

  await admin.fill('#proof_channel', 'shop');
  await navigate(admin, () => admin.click('#submit'));
  await admin.getByText('Settings saved.').waitFor();
  assert.equal(await admin.locator('.notice-error.settings-error').count(), 0);
  assert.equal(await admin.inputValue('#proof_channel'), 'shop');
});

step('the WooCommerce button makes three webhooks through WC_Webhook and shows their secret once', async () => {
  const url = `${proof.url}/hooks/woocommerce?channel=shop`;
  assert.equal(await admin.textContent('#proof-webhook-url'), url);
  await navigate(admin, () => admin.click('#proof-create-webhooks'));

  secret = (await admin.textContent('#proof-woocommerce-secret')).trim();
  assert.match(secret, /^[A-Za-z0-9]{40}$/);
  assert.equal(await admin.textContent('#proof-woocommerce-config'), `woocommerce-secret = ["${secret}"]`);
  // WooCommerce's ping, at creation as its own screen sends it: proof has no WooCommerce
  // secret yet, so it answers 404, and the page says that this is expected.
  const pings = await admin.locator('#proof-ping li').allTextContents();
  assert.equal(pings.length, 3);
  for (const ping of pings) assert.match(ping, /response code: 404 .*expected until you add the line above/s);
  await shot('secret');

  // What WooCommerce holds: the three topics proof reads, one secret, active, API v3.
  const stored = JSON.parse(site.sql("SELECT option_value FROM wp_options WHERE option_name = 'woocommerce_stand_in_webhooks'"));
  const webhooks = Object.values(stored).sort((a, b) => a.topic.localeCompare(b.topic));
  assert.deepEqual(webhooks.map((w) => [w.name, w.topic, w.status, w.delivery_url, w.secret, w.api_version, w.user_id]), [
    ['proof: Order created', 'order.created', 'active', url, secret, 3, 1],
    ['proof: Order deleted', 'order.deleted', 'active', url, secret, 3, 1],
    ['proof: Order updated', 'order.updated', 'active', url, secret, 3, 1],
  ]);

  // Once: a reload lists the webhooks, never the secret.
  await admin.goto(`${site.url}/wp-admin/options-general.php?page=proof`);
  assert.equal(await admin.locator('#proof-woocommerce-secret').count(), 0);
  assert.ok(!(await admin.content()).includes(secret), 'the secret is on the page again');
  assert.equal(await admin.locator('#proof-webhooks tbody tr').count(), 3);
  assert.match(await admin.inputValue('#proof-create-webhooks'), /^Replace these 3 webhooks/);
});

step('once proof allows the site and has the secret, the live check says so, from WordPress and from the browser', async () => {
  await proof.stop();
  const config = path.join(site.dir, 'proof.conf');
  writeFileSync(config, `woocommerce-secret = ["${secret}"]\n`, { mode: 0o600 });
  proof = await startProof({ port: proofPort, pageOrigin: site.origin, args: ['--config', config] });

  await navigate(admin, () => admin.getByRole('link', { name: 'Check again' }).click());
  const check = admin.locator('#proof-check');
  assert.equal(await check.getAttribute('data-state'), 'ok');
  assert.equal(await check.locator('li[data-check=health]').textContent().then((s) => s.trim()), `proof answered at ${proof.url}: ready.`);
  assert.equal(await check.locator('li[data-check=origin]').textContent().then((s) => s.trim()), `This site's origin ${site.origin} is allowed.`);
  await admin.waitForSelector('#proof-browser-check[data-state=ok]');
  await shot('ready');
});

step('the front page has the tag in the footer, deferred, the settings as escaped data-* attributes, and shows the card', async () => {
  const visitor = await browser.newContext();
  const page = await openPage(visitor, errors);
  await page.goto(`${site.url}/`);
  await page.waitForSelector('.proof[data-state=open]', { state: 'attached' });

  const tag = await page.evaluate(() => {
    const all = [...document.querySelectorAll('script[src$="/proof.js"]')];
    const script = all[0];
    const footer = [...document.querySelectorAll('footer')].pop();
    return {
      count: all.length,
      src: script.src,
      defer: script.defer,
      async: script.async,
      inHead: document.head.contains(script),
      afterFooter: Boolean(footer && footer.compareDocumentPosition(script) & Node.DOCUMENT_POSITION_FOLLOWING),
      onload: script.getAttribute('onload'),
      data: { ...script.dataset },
      pwned: window.__pwned,
    };
  });
  assert.deepEqual(tag, {
    count: 1,
    src: `${proof.url}/proof.js`,
    defer: true,
    async: false,
    inHead: false,
    afterFooter: true,
    onload: null,
    data: {
      // The site's proof_tag_attributes filter added these (and onload, which is dropped).
      duration: '1500',
      cooldown: '200',
      position: 'left',
      templateSignup: TEMPLATE,
      template: TEMPLATE,
      templatePurchase: PURCHASE_TEMPLATE,
      locale: 'de',
      maxCards: '5',
      channel: 'shop',
    },
    pwned: undefined,
  });
  // As WordPress printed it: the markup in the template is escaped inside the attribute.
  const html = await (await fetch(`${site.url}/`)).text();
  assert.ok(html.includes('data-template-signup="WP: {user_name}[ from {city}] joined {offer_name} &quot;&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"'), 'the template is not escaped as an attribute value');
  assert.ok(!html.includes('data-goal'), 'data-goal outside the order-received page');

  await postSignup(proof, { user_name: 'Jane Doe', city: 'Leeds', offer_name: 'Blue mug', channel: 'shop' });
  const [card] = await waitForCards(page, 1);
  assert.equal(card.text, 'WP: Jane Doe from Leeds joined Blue mug "><script>window.__pwned=1</script>');
  const box = await page.locator('.proof').boundingBox();
  assert.ok(box.x < 100, `the card is not at the left (x = ${box.x})`);

  // An order as WooCommerce delivers it (its REST API's rendering: the times proof tells a
  // replay by, the _links that name the site), signed with the secret the page showed.
  const now = new Date().toISOString().slice(0, 19);
  const order = {
    id: 101, status: 'processing', date_created_gmt: now, date_modified_gmt: now,
    billing: { first_name: 'Ana', last_name: 'Lima', city: 'Porto' }, line_items: [{ name: 'Candle', quantity: 1 }],
    _links: { self: [{ href: `${site.url}/wp-json/wc/v3/orders/101` }], collection: [{ href: `${site.url}/wp-json/wc/v3/orders` }] },
  };
  const body = JSON.stringify(order);
  const res = await fetch(`${proof.url}/hooks/woocommerce?channel=shop`, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-WC-Webhook-Signature': createHmac('sha256', secret).update(body).digest('base64'),
      'X-WC-Webhook-Topic': 'order.created',
      'X-WC-Webhook-Resource': 'order',
      'X-WC-Webhook-Event': 'created',
      'X-WC-Webhook-Source': `${site.url}/`,
      'X-WC-Webhook-Delivery-ID': 'delivery-1',
    },
  });
  assert.equal(res.status, 202, await res.text());
  const cards = await waitForCards(page, 2);
  // The purchase sentence where the widget this proof serves knows kinds of events; the
  // signup one (data-template) where it does not.
  const kinds = readFileSync(path.join(PUBLIC_DIR, 'proof.js'), 'utf8').includes('templatePurchase');
  assert.equal(cards[1].text, kinds ? 'Ana Lima bought Candle (WordPress)' : 'WP: Ana Lima from Porto joined Candle "><script>window.__pwned=1</script>');
  assert.equal(cards[1].verified, 'Verified purchase · WooCommerce');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await visitor.close();
  assert.deepEqual(errors, [], 'console and page errors on the front page');
});

step("WooCommerce's order-received page marks the purchase goal, and only it", async () => {
  const html = await (await fetch(`${site.url}/?order-received=101`)).text();
  const tag = html.match(/<script[^>]*id='proof-widget-js'[^>]*>/);
  assert.ok(tag, 'no proof tag on the order-received page');
  assert.match(tag[0], / data-goal="purchase"/);
});

step('the tag is never in wp-admin nor on the login page', async () => {
  for (const page of ['/wp-admin/', '/wp-admin/options-general.php?page=proof', '/wp-admin/plugins.php', '/wp-admin/edit.php']) {
    await admin.goto(`${site.url}${page}`);
    assert.equal(await admin.locator(`script[src^="${proof.url}"]`).count(), 0, `proof's tag on ${page}`);
  }
  const login = await (await fetch(`${site.url}/wp-login.php`)).text();
  assert.ok(!login.includes(proof.url), "proof's tag on the login page");
});

step('deleting the plugin through Plugins removes its options and its webhooks', async () => {
  await admin.goto(`${site.url}/wp-admin/plugins.php`);
  const row = admin.locator('tr[data-plugin="proof/proof.php"]');
  await navigate(admin, () => row.getByRole('link', { name: 'Deactivate' }).click());
  // Deleting is WordPress's script's work (a confirmation, then a request in the page):
  // a click before it is ready would take the page without scripts instead.
  await admin.waitForFunction(() => document.readyState === 'complete' && window.wp?.updates);
  admin.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('link', { name: 'Delete' }).click();
  await admin.getByText('proof was successfully deleted.').waitFor();

  assert.equal(site.sql("SELECT COUNT(*) FROM wp_options WHERE option_name LIKE '%proof%'"), '0');
  const stored = JSON.parse(site.sql("SELECT option_value FROM wp_options WHERE option_name = 'woocommerce_stand_in_webhooks'"));
  assert.deepEqual(stored, {}, 'webhooks left in WooCommerce');
  assert.ok(!existsSync(path.join(site.docroot, 'wp-content/plugins/proof')), 'the plugin folder is still there');
});

step('the plugin added no PHP notice, warning or error to the debug log', () => {
  const ours = site.debugLog().split('\n').filter((line) => line.includes('/plugins/proof/'));
  assert.deepEqual(ours, []);
});
