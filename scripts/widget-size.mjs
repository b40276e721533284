// The widget's size as browsers download it: the minified proof.js that the build stages
// into BUILD_DIR/public (cmake/widget.cmake), gzipped, held to the budget; the readable
// source in public/ is printed beside it. README.md states the size as "N.N KiB gzipped":
// this fails when that is not the measured figure, so every size claim is this one.
//
// usage: node scripts/widget-size.mjs [BUILD_DIR]   (default: build)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

// Issue 11 allowed 6,144 bytes; sharing one stream between tabs (issue 14) 512 more.
// Since issue 22 it holds the minified file, which left room for the verified line.
const BUDGET = 6656;
const root = fileURLToPath(new URL('..', import.meta.url));
const served = path.resolve(process.argv[2] || path.join(root, 'build'), 'public/proof.js');
const readable = path.join(root, 'public/proof.js');

const gzipped = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;
const kib = (n) => (n / 1024).toFixed(1);
const fail = (message) => {
  console.error(message);
  process.exitCode = 1;
};

if (!existsSync(served)) {
  fail(`${served} is missing: the build stages it (cmake --build BUILD_DIR), then pass BUILD_DIR`);
  process.exit();
}
const min = readFileSync(served);
const src = readFileSync(readable);
const size = gzipped(min);
console.log(`proof.js as served (${path.relative(root, served)}, minified): ${min.length} bytes, ` +
  `${size} bytes gzipped = ${kib(size)} KiB (budget ${BUDGET})`);
console.log(`readable source (public/proof.js): ${src.length} bytes, ${gzipped(src)} bytes gzipped`);
if (size > BUDGET) fail(`over budget by ${size - BUDGET} bytes`);
if (min.equals(src)) fail(`${served} is the readable source: the build did not minify it`);

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const stated = [...readme.matchAll(/(\d+(?:\.\d+)?) KiB gzipped/g)].map((m) => m[1]);
// Claims in other units (the old "under 5 KB gzipped") are stale by definition.
const stale = readme.match(/[\d.,]+ ?(?:KB|kB) gzipped/g) || [];
if (!stated.length) fail(`README.md does not state the widget's size: say "${kib(size)} KiB gzipped"`);
for (const figure of stated) {
  if (figure !== kib(size)) fail(`README.md says ${figure} KiB gzipped, the widget is ${kib(size)} KiB: update it`);
}
for (const claim of stale) fail(`README.md claims "${claim}": state the measured "${kib(size)} KiB gzipped" instead`);
