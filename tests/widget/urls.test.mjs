import { test } from 'node:test';
import assert from 'node:assert/strict';
import proof from './load.mjs';

const { safeUrl, imageUrl } = proof;
const page = 'https://shop.example/products/mug?id=3';
const server = 'https://proof.example.com/';

test('links resolve against the host page', () => {
  assert.equal(safeUrl('/n', page), 'https://shop.example/n');
  assert.equal(safeUrl('offers/1', page), 'https://shop.example/products/offers/1');
  assert.equal(safeUrl('https://other.example/x', page), 'https://other.example/x');
  assert.equal(safeUrl('http://other.example/x', page), 'http://other.example/x');
  assert.equal(safeUrl('//cdn.example/x', page), 'https://cdn.example/x');
});

test('anything that is not http(s) is refused', () => {
  for (const bad of [
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:x',
    'file:///etc/passwd',
    'ftp://example.com/',
    'mailto:a@b.c',
    'http://[bad',
    '',
    null,
    undefined,
    42,
    {},
  ]) {
    assert.equal(safeUrl(bad, page), '', String(bad));
  }
});

test('a relative URL on a non-http page is refused', () => {
  assert.equal(safeUrl('/x', 'file:///home/me/page.html'), '');
});

test('images resolve against the proof server, site-relative paths included', () => {
  assert.equal(imageUrl('/img/default.svg', server), 'https://proof.example.com/img/default.svg');
  assert.equal(imageUrl('img/a.png', server), 'https://proof.example.com/img/a.png');
  assert.equal(imageUrl('https://cdn.example/a.png', server), 'https://cdn.example/a.png');
});

test('images: a proof server under a path prefix keeps its prefix', () => {
  const prefixed = 'https://shop.example/proof/';
  assert.equal(imageUrl('/img/default.svg', prefixed), 'https://shop.example/proof/img/default.svg');
  assert.equal(imageUrl('//cdn.example/a.png', prefixed), 'https://cdn.example/a.png');
});

test('images: non-http(s) sources are refused', () => {
  assert.equal(imageUrl('javascript:alert(1)', server), '');
  assert.equal(imageUrl('data:image/svg+xml,<svg onload=alert(1)>', server), '');
  assert.equal(imageUrl(undefined, server), '');
  assert.equal(imageUrl(7, server), '');
});
