// Starting the real proof binary from Node tests (hooks, browser): a free loopback port,
// the process and its output, and a stop that says how it ended. Also a real
// redis-server (Debian's) in a temporary directory, for the tests that need one.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PROOF_BIN = path.resolve(ROOT, process.env.PROOF_BIN || 'build/proof');

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// A port below the kernel's ephemeral range (tests/support/ports.py says why: ctest runs
// tests side by side, and another test's client connections take ephemeral ports).
function ephemeralLow() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'ascii').split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function tryListen(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', (error) => (error.code === 'EADDRINUSE' ? resolve(null) : reject(error)));
    server.listen(port, '127.0.0.1', () => {
      const bound = server.address().port;
      server.close(() => resolve(bound));
    });
  });
}

export async function freePort() {
  const high = ephemeralLow();
  const low = Math.max(1024, high - 12000);
  for (let i = 0; i < 100 && low < high; i += 1) {
    const port = await tryListen(low + Math.floor(Math.random() * (high - low)));
    if (port !== null) return port;
  }
  return tryListen(0);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls fn until it returns a truthy value or the time is up.
export async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

function track(child) {
  children.add(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => children.delete(child));
  return { output: () => output, exited };
}

// Starts proof on `port` (a free one by default) with `args` after the usual ones and
// waits until /healthz answers (200, or any status with healthy: false).
export async function startProof({ port, apiKey, args = [], healthy = true, publicDir = path.join(ROOT, 'public') } = {}) {
  if (!existsSync(PROOF_BIN)) throw new Error(`no proof binary at ${PROOF_BIN} (build it, or set PROOF_BIN)`);
  port ??= await freePort();
  const child = spawn(
    PROOF_BIN,
    ['--bind', '127.0.0.1', '--port', String(port), '--public-dir', publicDir,
      ...(apiKey ? ['--api-key', apiKey] : []), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { output, exited } = track(child);
  const url = `http://127.0.0.1:${port}`;
  const proof = {
    port,
    url,
    output,
    exited,
    // SIGTERM, and the exit status it ended with.
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  try {
    const ready = await waitFor(
      async () => {
        if (child.exitCode !== null) return 'exited';
        const res = await fetch(`${url}/healthz`);
        return (healthy ? res.status === 200 : true) && 'ready';
      },
      { timeout: 10000, what: `proof on port ${port}` },
    );
    if (ready === 'exited') throw new Error(`proof exited with ${child.exitCode}:\n${output()}`);
  } catch (err) {
    await proof.stop();
    throw err;
  }
  return proof;
}

// A private redis-server on a free port in a temporary directory. `extra` arguments go
// after the usual ones (e.g. ['--enable-debug-command', 'yes']).
export async function startRedis(extra = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proof-redis-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { output, exited } = track(child);
  await waitFor(
    () => new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.on('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.on('error', () => resolve(false));
    }),
    { timeout: 10000, what: 'redis-server' },
  );
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output,
    // One command in the inline protocol (no spaces inside arguments).
    command(line) {
      return new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
        let reply = '';
        socket.on('data', (d) => {
          reply += d;
          if (reply.endsWith('\r\n')) {
            socket.destroy();
            resolve(reply);
          }
        });
        socket.on('error', reject);
      });
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
