// Visitors of the holdout experiment as the real proof sees them, for the operator page's
// tests: each its own loopback address (the whole 127.0.0.0/8 answers locally) and its own
// User-Agent, the pair proof derives an arm from. The arm is read from the visitor's own
// stream (its first event), and its beacons leave from its own address, as a browser's
// would; nothing here tells proof an arm.
import { request } from 'node:http';

// The i-th visitor: never 127.0.0.1, which is the browsers' own.
export function visitor(i) {
  return { address: `127.1.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`, agent: `Visitor/${i} (proof browser test)` };
}

// The arm proof gives visitor `v` ('shown' or 'holdout'), from the first event of a stream
// it opens; null when that event is not an arm (no experiment).
export function armOf(proofUrl, v) {
  return new Promise((resolve, reject) => {
    const req = request(`${proofUrl}/events`, { localAddress: v.address, headers: { 'User-Agent': v.agent } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        // Blocks end with a blank line; the retry: line comes first.
        const blocks = text.split('\n\n').slice(0, -1).filter((b) => !b.startsWith('retry:') && !b.startsWith(':'));
        if (!blocks.length) return;
        const arm = /^event: arm\ndata: (.*)$/m.exec(blocks[0]);
        req.destroy();
        resolve(arm && blocks[0].startsWith('event: arm') ? JSON.parse(arm[1]).arm : null);
      });
    });
    req.setTimeout(3000, () => {
      req.destroy();
      resolve(null); // said nothing in time: no experiment
    });
    req.on('error', (err) => {
      if (err.code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

// POST /beacon from visitor `v`, as the widget sends it; resolves to the status.
export function beacon(proofUrl, v, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${proofUrl}/beacon`, {
      method: 'POST',
      localAddress: v.address,
      headers: { 'User-Agent': v.agent, 'Content-Type': 'text/plain' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// Visitors 0, 1, ... each with a visit beacon, and a goal beacon where converts(arm, n)
// says so (n: how many of that arm came before); until enough(counts) is true. Resolves to
// the counts as proof must have them: {shown: [visitors, conversions], holdout: [...]}.
export async function visit(proofUrl, converts, enough) {
  const counts = { shown: [0, 0], holdout: [0, 0] };
  for (let i = 0; !enough(counts); i++) {
    if (i >= 5000) throw new Error(`no enough visitors in 5,000: ${JSON.stringify(counts)}`);
    const v = visitor(i);
    const arm = await armOf(proofUrl, v);
    if (arm !== 'shown' && arm !== 'holdout') throw new Error(`visitor ${i} got no arm (${arm}): is --holdout on?`);
    const goal = converts(arm, counts[arm][0]);
    if ((await beacon(proofUrl, v, { kind: 'visit' })) !== 204) throw new Error(`visit ${i} refused`);
    if (goal && (await beacon(proofUrl, v, { kind: 'goal', goal: 'purchase' })) !== 204) throw new Error(`goal ${i} refused`);
    counts[arm][0] += 1;
    if (goal) counts[arm][1] += 1;
  }
  return counts;
}
