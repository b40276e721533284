// Prints the gzip size of public/proof.js (styles included) and fails when it
// is over the widget's budget.
import { readFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';

// Issue 11 allows 6,144 bytes; sharing one stream between tabs (issue 14) 512 more.
const BUDGET = 6656;
const file = new URL('../public/proof.js', import.meta.url);
const source = readFileSync(file);
const gzipped = gzipSync(source, { level: constants.Z_BEST_COMPRESSION }).length;

console.log(`public/proof.js: ${source.length} bytes, ${gzipped} bytes gzipped (budget ${BUDGET})`);
if (gzipped > BUDGET) {
  console.error(`over budget by ${gzipped - BUDGET} bytes`);
  process.exit(1);
}
