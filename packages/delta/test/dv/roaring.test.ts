/// <reference types="node" />
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoaringBitmapArray, ROARING_ARRAY_MAGIC, serializeRoaringBitmapArray } from '../../src/dv/index.js';

const roundTrip = (rows: number[]) => {
  const bytes = serializeRoaringBitmapArray(rows);
  const parsed = parseRoaringBitmapArray(bytes, 'test');
  assert.deepEqual(Array.from(parsed.rows), rows);
  assert.equal(parsed.cardinality, rows.length);
  return { bytes, parsed };
};

/** Little-endian byte builder for hand-made bitmaps. */
class Bytes {
  private out: number[] = [];
  u16(v: number) {
    this.out.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u32(v: number) {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u8(v: number) {
    this.out.push(v);
    return this;
  }
  get length() {
    return this.out.length;
  }
  build() {
    return Uint8Array.from(this.out);
  }
}

test('empty set: magic and a zero count', () => {
  const { bytes } = roundTrip([]);
  assert.equal(bytes.length, 12);
  assert.equal(new DataView(bytes.buffer).getUint32(0, true), ROARING_ARRAY_MAGIC);
});

test('a single row serializes exactly as Spark writes it', () => {
  const { bytes } = roundTrip([0]);
  // Taken from a Spark-written DV file (log-replay-dv-key-cases).
  const spark = 'd1d339640100000000000000000000003a3000000100000000000000100000000000';
  assert.equal(Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(''), spark);
});

test('values across several 2^16 chunks', () => {
  const rows = [0, 1, 2, 65535, 65536, 65537, 131072 + 5, 10 * 65536 + 65535, 2 ** 31, 2 ** 32 - 1];
  const { parsed } = roundTrip(rows);
  assert.ok(parsed.has(65536));
  assert.ok(!parsed.has(3));
  assert.ok(!parsed.has(2 ** 32));
});

test('more than 4096 values in one chunk use a bitset container', () => {
  const rows: number[] = [];
  for (let i = 0; i < 5000; i++) rows.push(65536 * 3 + i * 13);
  rows.push(65536 * 4); // plus an array container after it
  const { bytes, parsed } = roundTrip(rows);
  // magic+count, key, cookie+size, 2 headers, 2 offsets, 8 KiB bitset, one 2-byte array value
  assert.equal(bytes.length, 12 + 4 + 8 + 8 + 8 + 8192 + 2);
  assert.ok(parsed.has(65536 * 3 + 13 * 4999));
  assert.ok(!parsed.has(65536 * 3 + 1));
  // Exactly 4096 stays an array; 4097 becomes a bitset.
  const at = (n: number) => serializeRoaringBitmapArray(Array.from({ length: n }, (_, i) => i)).length;
  assert.equal(at(4096), 32 + 4096 * 2);
  assert.equal(at(4097), 32 + 8192);
  roundTrip(Array.from({ length: 65536 }, (_, i) => i));
});

test('row indexes at and beyond 2^32 go to later buckets; only non-empty ones are written', () => {
  const rows = [7, 2 ** 32, 2 ** 32 + 65536 + 9, 3 * 2 ** 32 + 1, 2 ** 53 - 1];
  const { bytes, parsed } = roundTrip(rows);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(4, true), 4); // keys 0, 1, 3 and 2^21-1
  assert.equal(view.getUint32(8, true), 0);
  assert.ok(parsed.has(2 ** 53 - 1));
  assert.ok(parsed.has(3 * 2 ** 32 + 1));
  assert.ok(!parsed.has(2 * 2 ** 32 + 1));
});

test('explicit empty bitmaps for unused keys parse', () => {
  const b = new Bytes().u32(ROARING_ARRAY_MAGIC).u32(3).u32(0);
  b.u32(0).u32(12346).u32(0); // key 0: empty
  b.u32(1).u32(12346).u32(0); // key 1: empty
  b.u32(2).u32(12346).u32(1).u16(0).u16(0).u32(16).u16(42);
  assert.deepEqual(Array.from(parseRoaringBitmapArray(b.build(), 'test').rows), [2 * 2 ** 32 + 42]);
});

test("Delta's native layout (magic 1681511376) parses too", () => {
  const b = new Bytes().u32(1681511376).u32(2);
  b.u32(8).u32(12346).u32(0); // key 0: empty, 8 bytes
  b.u32(20).u32(12346).u32(1).u16(1).u16(1).u32(16).u16(5).u16(6); // key 1: 65536+5, 65536+6
  const rows = parseRoaringBitmapArray(b.build(), 'test').rows;
  assert.deepEqual(Array.from(rows), [2 ** 32 + 65536 + 5, 2 ** 32 + 65536 + 6]);
});

test('serializer rejects unsorted, duplicate, negative and fractional input', () => {
  assert.throws(() => serializeRoaringBitmapArray([2, 1]), { code: 'DELTA_INVALID_ARGUMENT' });
  assert.throws(() => serializeRoaringBitmapArray([1, 1]), { code: 'DELTA_INVALID_ARGUMENT' });
  assert.throws(() => serializeRoaringBitmapArray([-1]), { code: 'DELTA_INVALID_ARGUMENT' });
  assert.throws(() => serializeRoaringBitmapArray([1.5]), { code: 'DELTA_INVALID_ARGUMENT' });
  assert.throws(() => serializeRoaringBitmapArray([2 ** 53]), { code: 'DELTA_INVALID_ARGUMENT' });
});

test('run containers (cookie 12347) without an offset header', () => {
  // One bucket, key 1; containers: run {5..9, 20}, array {3}, in chunks 0 and 2.
  const b = new Bytes().u32(ROARING_ARRAY_MAGIC).u32(1).u32(0).u32(1);
  b.u32(12347 | ((2 - 1) << 16)).u8(0b01); // 2 containers, first is a run
  b.u16(0).u16(6 - 1).u16(2).u16(1 - 1); // headers: key, cardinality-1
  b.u16(2).u16(5).u16(4).u16(20).u16(0); // run container: 2 runs
  b.u16(3); // array container
  const base = 2 ** 32;
  const parsed = parseRoaringBitmapArray(b.build(), 'test');
  assert.deepEqual(Array.from(parsed.rows), [5, 6, 7, 8, 9, 20, 2 * 65536 + 3].map((v) => base + v));
});

test('run containers with an offset header (4+ containers), mixed with bitset', () => {
  const b = new Bytes().u32(ROARING_ARRAY_MAGIC).u32(1).u32(0).u32(0);
  const start = b.length;
  b.u32(12347 | ((4 - 1) << 16)).u8(0b1001); // containers 0 and 3 are runs
  b.u16(0).u16(65536 - 1); // full chunk as one run
  b.u16(1).u16(2 - 1); // array
  b.u16(2).u16(4097 - 1); // bitset
  b.u16(3).u16(3 - 1); // run
  const headerEnd = 4 + 1 + 16 + 16;
  const sizes = [2 + 4, 4, 8192, 2 + 8];
  let off = headerEnd;
  for (const s of sizes) {
    b.u32(off);
    off += s;
  }
  assert.equal(b.length - start, headerEnd);
  b.u16(1).u16(0).u16(65535);
  b.u16(10).u16(11);
  for (let w = 0; w < 4096; w++) b.u16(w < 256 ? 0xffff : w === 256 ? 1 : 0); // bits 0..4096
  b.u16(2).u16(0).u16(0).u16(100).u16(1);
  const parsed = parseRoaringBitmapArray(b.build(), 'test');
  const expected: number[] = [];
  for (let i = 0; i < 65536; i++) expected.push(i);
  expected.push(65536 + 10, 65536 + 11);
  for (let i = 0; i <= 4096; i++) expected.push(2 * 65536 + i);
  expected.push(3 * 65536, 3 * 65536 + 100, 3 * 65536 + 101);
  assert.deepEqual(Array.from(parsed.rows), expected);
});

test('corrupt bitmaps fail with the context in the message', () => {
  const good = serializeRoaringBitmapArray([1, 2, 3]);
  const bad = (mutate: (b: Uint8Array) => Uint8Array, message: RegExp) =>
    assert.throws(() => parseRoaringBitmapArray(mutate(good.slice()), 'dv file X'), {
      code: 'DELTA_DELETION_VECTOR_INVALID',
      message,
    });
  bad((b) => ((b[1] ^= 1), b), /^dv file X: bad magic/);
  bad((b) => b.subarray(0, b.length - 1), /^dv file X: truncated/);
  bad((b) => Uint8Array.from([...b, 0]), /trailing bytes/);
  bad((b) => ((b[16] = 0x39), b), /unknown Roaring cookie/);
  bad((b) => ((b[26] = 3), b), /truncated array container/); // cardinality-1 of the only container
  bad((b) => ((b[32] = 9), b), /not strictly increasing/); // first array value 1 -> 9
  bad((b) => ((b[28] = 99), b), /offset 99/);

  // A bitset whose header claims one value fewer than it holds.
  const bitset = serializeRoaringBitmapArray(Array.from({ length: 5000 }, (_, i) => i));
  new DataView(bitset.buffer).setUint16(26, 4998, true);
  assert.throws(() => parseRoaringBitmapArray(bitset, 'dv'), { message: /holds 5000 values but its header says 4999/ });
});
