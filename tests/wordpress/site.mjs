// A real WordPress site for the plugin's test, from Debian's packages, that the test starts
// and stops itself: MariaDB on a socket in a temporary directory, a copy of Debian's
// WordPress tree with the test's own wp-config.php (Debian's reads /etc/wordpress/, which a
// test should not write), PHP's built-in server with four workers, and WordPress's own
// installer. Nothing outside the temporary directory is touched.
import { spawn, spawnSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import { freePort, waitFor } from '../support/proof.mjs';

export const WORDPRESS = '/usr/share/wordpress';
export const THEME = 'twentytwentythree';
export const ADMIN = { user: 'admin', password: 'proof-test-password-1', email: 'admin@example.test' };

function which(name, dirs = []) {
  for (const dir of [...(process.env.PATH || '').split(':'), ...dirs]) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

// What the test needs from Debian, by package; an empty list means everything is there.
// (apt-get install -y --no-install-recommends wordpress wordpress-theme-twentytwentythree
// mariadb-server php-cli php-mysql: scripts/install-deps.sh --test.)
export function missingPackages() {
  const missing = [];
  const php = which('php');
  if (!php) missing.push('php-cli');
  else if (spawnSync(php, ['-r', 'exit(extension_loaded("mysqli") ? 0 : 1);']).status !== 0) missing.push('php-mysql');
  if (!existsSync(path.join(WORDPRESS, 'wp-settings.php'))) missing.push('wordpress');
  if (!existsSync(path.join(WORDPRESS, 'wp-content/themes', THEME, 'theme.json'))) missing.push(`wordpress-theme-${THEME}`);
  if (!which('mariadb-install-db') || !which('mariadbd', ['/usr/sbin', '/usr/local/sbin'])) missing.push('mariadb-server');
  return missing;
}

// InnoDB calls fsync often while it creates its system tables: 10-16 s on a busy disk, 3 s
// on tmpfs. So the site lives in /dev/shm where there is one.
function tempRoot() {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

// Each server in a process group of its own, stopped as a group: php -S leaves its
// workers running when only the parent gets the signal.
const children = new Set();
const signal = (child, name) => {
  try {
    process.kill(-child.pid, name);
  } catch {
    // already gone
  }
};
process.on('exit', () => {
  for (const child of children) signal(child, 'SIGKILL');
});

function start(command, args, options) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  children.add(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', (code, how) => resolve({ code, signal: how })));
  return {
    child,
    exited,
    output: () => output,
    async stop() {
      signal(child, 'SIGTERM');
      const timer = setTimeout(() => signal(child, 'SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
      signal(child, 'SIGKILL'); // what is left of the group (php's workers)
      children.delete(child);
    },
  };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

// run(), without holding up the rest of the setup meanwhile.
function runInBackground(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

// Resolves once something accepts connections on the Unix socket.
function socketAccepts(file) {
  return new Promise((resolve) => {
    const socket = net.connect({ path: file }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// MariaDB in dir/db, on dir/db.sock only (no TCP), root without a password.
async function startDatabase(dir) {
  const datadir = path.join(dir, 'db');
  const socket = path.join(dir, 'db.sock');
  const root = process.getuid() === 0;
  // A small redo log and buffer pool: a test's database, not a shop's.
  const tuning = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M'];
  await runInBackground(which('mariadb-install-db'), [
    '--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db',
    ...(root ? ['--user=root'] : []), ...tuning,
  ]);
  const server = start(which('mariadbd', ['/usr/sbin', '/usr/local/sbin']), [
    '--no-defaults', `--datadir=${datadir}`, `--socket=${socket}`, '--skip-networking',
    `--pid-file=${path.join(dir, 'db.pid')}`, `--log-error=${path.join(dir, 'db.err')}`,
    ...(root ? ['--user=root'] : []), ...tuning,
  ]);
  await waitFor(() => server.child.exitCode === null ? socketAccepts(socket) : Promise.reject(new Error('mariadbd exited')), {
    timeout: 30000,
    what: 'MariaDB',
  });
  const sql = (statement) => run('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-N', '-B', '-r', '-e', statement]).trim();
  sql('CREATE DATABASE wordpress CHARACTER SET utf8mb4');
  return { socket, sql: (statement) => sql(`USE wordpress; ${statement}`), stop: () => server.stop(), output: () => readLog(path.join(dir, 'db.err')) };
}

function readLog(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const php = (value) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// Starts the site; `muPlugins` are files copied into wp-content/mu-plugins, `constants`
// more define()s for wp-config.php. Resolves to { url, origin, dir, sql(), debugLog(), stop() }.
export async function startSite({ muPlugins = [], constants: extra = {} } = {}) {
  const dir = mkdtempSync(path.join(tempRoot(), 'proof-wordpress-'));
  const parts = [];
  const timings = {}; // seconds each phase took, for the test's log
  let mark = performance.now();
  const lap = (name) => {
    const now = performance.now();
    timings[name] = Number(((now - mark) / 1000).toFixed(1));
    mark = now;
  };
  const stopAll = async () => {
    for (const part of parts.reverse()) await part.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // A copy, not links: PHP resolves links, so wp-load.php would find its way back to
    // Debian's wp-config.php and /etc/wordpress. Debian's own links in the tree (to
    // libjs-underscore and the like) are relative, so they are copied as the files. Made
    // while MariaDB creates its tables.
    const docroot = path.join(dir, 'wp');
    const database = startDatabase(dir);
    database.then((db) => parts.push(db), () => {});
    await cp(WORDPRESS, docroot, { recursive: true, dereference: true });
    const db = await database;
    lap('mariadb and copy');
    rmSync(path.join(docroot, 'wp-config.php'));
    const muDir = path.join(docroot, 'wp-content/mu-plugins');
    mkdirSync(muDir, { recursive: true });
    for (const file of muPlugins) copyFileSync(file, path.join(muDir, path.basename(file)));

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const debugLog = path.join(dir, 'debug.log');
    const salts = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];
    const defines = {
      DB_NAME: 'wordpress',
      DB_USER: 'root',
      DB_PASSWORD: '',
      DB_HOST: `localhost:${db.socket}`,
      DB_CHARSET: 'utf8mb4',
      DB_COLLATE: '',
      ...Object.fromEntries(salts.map((name) => [name, randomBytes(24).toString('hex')])),
      WP_HOME: origin,
      WP_SITEURL: origin,
      // Plugins are written where PHP runs, as the same user: no FTP form.
      FS_METHOD: 'direct',
      // No calls to wordpress.org (update checks, the plugin directory): the machine may be
      // offline. Requests to this host, proof's included, are still allowed.
      WP_HTTP_BLOCK_EXTERNAL: true,
      DISABLE_WP_CRON: true,
      AUTOMATIC_UPDATER_DISABLED: true,
      // Notices go to a file the test reads: the plugin must add none.
      WP_DEBUG: true,
      WP_DEBUG_LOG: debugLog,
      WP_DEBUG_DISPLAY: false,
      ...extra,
    };
    const config = ['<?php', '// Written by tests/wordpress/site.mjs.']
      .concat(Object.entries(defines).map(([name, value]) => `define('${name}', ${typeof value === 'string' ? php(value) : JSON.stringify(value)});`))
      .concat(["$table_prefix = 'wp_';", "if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');", "require_once ABSPATH . 'wp-settings.php';", ''])
      .join('\n');
    writeFileSync(path.join(docroot, 'wp-config.php'), config);

    // Four workers: WordPress calls itself back (the installer, and WooCommerce's ping to
    // this same host would wait on a single one). The opcache keeps WordPress compiled
    // between requests, shared by the workers.
    const server = start('php', ['-d', 'opcache.enable_cli=1', '-d', 'upload_max_filesize=8M', '-S', `127.0.0.1:${port}`, '-t', docroot], {
      cwd: dir,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
    });
    parts.push(server);
    await waitFor(async () => {
      if (server.child.exitCode !== null) throw new Error(`php -S exited:\n${server.output()}`);
      return (await fetch(`${origin}/wp-admin/install.php`)).ok;
    }, { timeout: 20000, what: 'php -S' });
    lap('php');

    // WordPress's installer, as its form posts it.
    const res = await fetch(`${origin}/wp-admin/install.php?step=2`, {
      method: 'POST',
      body: new URLSearchParams({
        weblog_title: 'Test shop',
        user_name: ADMIN.user,
        admin_password: ADMIN.password,
        admin_password2: ADMIN.password,
        pw_weak: '1',
        admin_email: ADMIN.email,
        blog_public: '0',
        language: '',
      }),
    });
    const page = await res.text();
    if (!/<h1>Success!<\/h1>/.test(page)) throw new Error(`WordPress's installer did not succeed (${res.status}):\n${page.slice(0, 2000)}`);
    lap('install');

    return {
      url: origin,
      origin,
      dir,
      docroot,
      timings,
      sql: db.sql,
      debugLog: () => readLog(debugLog),
      logs: () => `--- php -S\n${server.output().slice(-4000)}\n--- MariaDB\n${db.output().slice(-2000)}\n--- debug.log\n${readLog(debugLog).slice(-4000)}`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
