// What deduplication holds across: a restart with --data-dir, and every instance sharing
// one real redis-server (two instances receiving the same delivery at the same moment
// publish one card); Idempotency-Key on POST /signup the same way; and an answer within
// the platforms' 5 s whatever Redis is doing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
  API_KEY, STRIPE_SECRET, authorized, checkoutSession, openStream, post, postStripe, sleep, startProof,
  startRedis, stripeEvent,
} from './harness.mjs';

const checkout = (id) => stripeEvent(`evt_${id}`, 'checkout.session.completed', checkoutSession(`cs_${id}`));
const signup = (proof, body, key) =>
  post(proof, '/signup', JSON.stringify(body), { ...authorized, ...(key ? { 'Idempotency-Key': key } : {}) });

describe('with --data-dir', () => {
  it('remembers deliveries and Idempotency-Keys across a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'proof-hooks-'));
    const args = ['--stripe-secret', STRIPE_SECRET, '--data-dir', dir];
    try {
      let proof = await startProof({ apiKey: API_KEY, args });
      const shown = await postStripe(proof, checkout('r1'));
      assert.equal(shown.status, 202);
      const first = await signup(proof, { user_name: 'Ida' }, 'order-77');
      assert.equal(first.status, 202);
      assert.equal((await proof.stop()).code, 0);

      proof = await startProof({ apiKey: API_KEY, args, port: proof.port });
      const stream = await openStream(proof);
      assert.deepEqual((await postStripe(proof, checkout('r1'))).json, { ignored: 'duplicate' });
      const again = await signup(proof, { user_name: 'Ida' }, 'order-77');
      assert.equal(again.status, 202);
      assert.deepEqual(again.json, first.json);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await stream.next(500), null, 'a retry after the restart was shown');
      stream.close();
      await proof.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('POST /signup with Idempotency-Key', () => {
  it('answers the first id again for the same body, 422 for another, and publishes once', async () => {
    const proof = await startProof({ apiKey: API_KEY });
    const stream = await openStream(proof);
    try {
      const first = await signup(proof, { user_name: 'Max', offer_name: 'Tea' }, 'k-1');
      assert.equal(first.status, 202);
      assert.ok((await stream.next()).data.user_name.startsWith('Max'));
      const replay = await signup(proof, { user_name: 'Max', offer_name: 'Tea' }, 'k-1');
      assert.deepEqual([replay.status, replay.json], [202, first.json]);
      const other = await signup(proof, { user_name: 'Max', offer_name: 'Coffee' }, 'k-1');
      assert.equal(other.status, 422);
      assert.match(other.json.error, /Idempotency-Key/);
      assert.equal((await signup(proof, { user_name: 'x' }, 'has space')).status, 400);
      // A refused request leaves its key free: here a 400 for a bad field, then fixed.
      assert.equal((await signup(proof, { user_name: 'x', url: 'javascript:1' }, 'k-2')).status, 400);
      assert.equal((await signup(proof, { user_name: 'Nia' }, 'k-2')).status, 202);
      assert.ok((await stream.next()).data.user_name.startsWith('Nia'));
      assert.equal(await stream.next(300), null);
    } finally {
      stream.close();
      await proof.stop();
    }
  });
});

describe('two instances over one Redis', () => {
  it('publish one card for one delivery received by both at the same moment', async () => {
    const redis = await startRedis();
    const args = ['--stripe-secret', STRIPE_SECRET, '--redis', redis.url];
    const a = await startProof({ apiKey: API_KEY, args });
    const b = await startProof({ apiKey: API_KEY, args });
    const streamA = await openStream(a);
    const streamB = await openStream(b);
    try {
      for (const id of ['s1', 's2', 's3', 's4', 's5']) {
        const event = checkout(id);
        const answers = await Promise.all([postStripe(a, event), postStripe(b, event)]);
        const shown = answers.filter((x) => x.status === 202);
        assert.equal(shown.length, 1, JSON.stringify(answers.map((x) => x.json)));
        // The other is a duplicate, or (while the first is still publishing) a 503 that
        // the platform retries.
        const other = answers.find((x) => x.status !== 202);
        if (other.status === 200) {
          assert.deepEqual(other.json, { ignored: 'duplicate' });
        } else {
          assert.equal(other.status, 503, other.text);
          assert.ok(other.headers.get('retry-after'));
          assert.deepEqual((await postStripe(b, event)).json, { ignored: 'duplicate' });
        }
      }
      for (const stream of [streamA, streamB]) {
        const got = [];
        for (let e = await stream.next(2000); e; e = await stream.next(500)) got.push(e);
        assert.equal(got.length, 5, 'each page shows each sale once');
      }
      // An Idempotency-Key used on one instance is known on the other.
      const first = await signup(a, { user_name: 'Ola' }, 'shared-key');
      const replay = await signup(b, { user_name: 'Ola' }, 'shared-key');
      assert.deepEqual(replay.json, first.json);
    } finally {
      streamA.close();
      streamB.close();
      await a.stop();
      await b.stop();
      await redis.stop();
    }
  });

  it('answer within 5 s with 503 while Redis is stalled, and the retry then publishes', async () => {
    const redis = await startRedis(['--enable-debug-command', 'yes']);
    const proof = await startProof({ apiKey: API_KEY, args: ['--stripe-secret', STRIPE_SECRET, '--redis', redis.url] });
    try {
      redis.command('DEBUG SLEEP 7').catch(() => {});  // answered when it wakes
      await sleep(200);
      const started = Date.now();
      const answer = await postStripe(proof, checkout('t1'));
      const took = Date.now() - started;
      assert.equal(answer.status, 503, answer.text);
      assert.ok(answer.headers.get('retry-after'));
      assert.ok(took < 5000, `answered after ${took} ms`);
      // Once Redis is back (and a claim that reached it late has lapsed, 15 s), the
      // platform's retry is shown, once: until then it is told to retry, never "duplicate".
      const stream = await openStream(proof);
      let retried;
      for (let i = 0; i < 100; i++) {
        retried = await postStripe(proof, checkout('t1'));
        if (retried.status !== 503) break;
        assert.ok(retried.headers.get('retry-after'));
        await sleep(250);
      }
      assert.equal(retried.status, 202, retried.text);
      assert.equal((await stream.next(3000)).data.source, 'stripe');
      stream.close();
    } finally {
      await proof.stop();
      await redis.stop();
    }
  });
});
