// The module stays small beside axios: under 3 KB minified and gzipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { size } from '../scripts/size.mjs';

test('built module under 3 KB gzipped, axios aside', async () => {
  const { minified, gzipped } = await size();
  console.log(`minified ${minified} bytes, gzipped ${gzipped} bytes`);
  assert.ok(gzipped < 3072, `${gzipped} bytes gzipped`);
});
