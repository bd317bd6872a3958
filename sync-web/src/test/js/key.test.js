import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newKey } from '../../main/js/key.js';

test('a key is a UUIDv7 whose first 48 bits are the time in ms', () => {
  const key = newKey(0x0189abcdef01, new Uint8Array(10).fill(0xff));
  assert.equal(key, '0189abcd-ef01-7fff-bfff-ffffffffffff');
});

test('keys are unique and ordered by time', () => {
  const keys = new Set();
  let previous = '';
  for (let i = 0; i < 10_000; i++) {
    const key = newKey(1_700_000_000_000 + i);
    assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(key > previous, `${key} after ${previous}`);
    previous = key;
    keys.add(key);
  }
  assert.equal(keys.size, 10_000);
});
