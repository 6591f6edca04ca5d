/// <reference types="node" />
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeZ85, encodeZ85, uuidToZ85, z85ToUuid } from '../../src/dv/index.js';

test('Z85 matches the spec test vector', () => {
  const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(encodeZ85(bytes), 'HelloWorld');
  assert.deepEqual(decodeZ85('HelloWorld'), bytes);
});

test('Z85 round-trips arbitrary bytes, including the extremes', () => {
  const bytes = new Uint8Array(400);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 97 + 13) & 0xff;
  bytes.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 0);
  const s = encodeZ85(bytes);
  assert.equal(s.length, 500);
  assert.deepEqual(decodeZ85(s), bytes);
  assert.equal(encodeZ85(new Uint8Array(0)), '');
});

test('Z85 rejects bad lengths, characters and overflowing groups', () => {
  assert.throws(() => encodeZ85(new Uint8Array(3)), { code: 'DELTA_DELETION_VECTOR_INVALID', message: /multiple of 4/ });
  assert.throws(() => decodeZ85('Hello1'), { code: 'DELTA_DELETION_VECTOR_INVALID', message: /multiple of 5/ });
  assert.throws(() => decodeZ85('Hel~o'), { message: /invalid Z85 character "~" at position 3/ });
  assert.throws(() => decodeZ85('#####'), { message: /overflows/ });
});

test('UUIDs encode to 20 Z85 characters and back', () => {
  const uuid = '37d10da3-70a1-4730-bc58-3b44f9617505';
  const z = uuidToZ85(uuid);
  assert.equal(z.length, 20);
  assert.equal(z85ToUuid(z), uuid);
  assert.equal(z85ToUuid(uuidToZ85(uuid.toUpperCase())), uuid);
  assert.throws(() => uuidToZ85('not-a-uuid'), { code: 'DELTA_INVALID_ARGUMENT' });
  assert.throws(() => z85ToUuid('short'), { code: 'DELTA_DELETION_VECTOR_INVALID' });
});
