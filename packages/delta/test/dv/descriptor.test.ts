/// <reference types="node" />
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaError } from '../../src/errors.js';
import {
  crc32,
  dvFileUrl,
  dvUniqueId,
  encodeDvFile,
  encodeInlineDv,
  loadDeletionVector,
  serializeRoaringBitmapArray,
  uuidToZ85,
  type DeletionVectorDescriptor,
} from '../../src/dv/index.js';

const ROOT = 'file:///data/t/';
const UUID = 'd12e7d16-e46d-48c9-8a71-b222c26dfc3b';

/** Storage over an in-memory map of URL -> bytes. */
function memoryStorage(files: Record<string, Uint8Array>) {
  const get = (path: string) => {
    const f = files[path];
    if (f === undefined) throw deltaError('DELTA_FILE_NOT_FOUND', `no file ${path}`);
    return f;
  };
  return {
    read: async (path: string) => get(path),
    readRange: async (path: string, offset: number, length: number) => get(path).slice(offset, offset + length),
  };
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('dvUniqueId appends @offset only when there is one', () => {
  const u: DeletionVectorDescriptor = { storageType: 'u', pathOrInlineDv: 'ab', offset: 1, sizeInBytes: 34, cardinality: 1 };
  assert.equal(dvUniqueId(u), 'uab@1');
  assert.equal(dvUniqueId({ ...u, storageType: 'i', offset: undefined }), 'iab');
});

test('dvFileUrl resolves u, p and i descriptors', () => {
  const z = uuidToZ85(UUID);
  const base = { offset: 1, sizeInBytes: 34, cardinality: 1 };
  assert.equal(dvFileUrl({ storageType: 'u', pathOrInlineDv: z, ...base }, ROOT), `${ROOT}deletion_vector_${UUID}.bin`);
  assert.equal(dvFileUrl({ storageType: 'u', pathOrInlineDv: `ab${z}`, ...base }, 'file:///data/t'), `${ROOT}ab/deletion_vector_${UUID}.bin`);
  assert.equal(
    dvFileUrl({ storageType: 'p', pathOrInlineDv: 's3://bucket/x/dv%20file.bin', ...base }, ROOT),
    's3://bucket/x/dv%20file.bin',
  );
  assert.equal(dvFileUrl({ storageType: 'i', pathOrInlineDv: 'abcde', sizeInBytes: 4, cardinality: 0 }, ROOT), undefined);
  assert.throws(() => dvFileUrl({ storageType: 'u', pathOrInlineDv: 'short', ...base }, ROOT), {
    code: 'DELTA_DELETION_VECTOR_INVALID',
    message: /ushort@1/,
  });
  assert.throws(() => dvFileUrl({ storageType: 'x' as 'u', pathOrInlineDv: z, ...base }, ROOT), { message: /unknown storage type "x"/ });
});

test('a DV file with several entries loads each entry by offset', async () => {
  const sets = [[0], [3, 4, 70000], Array.from({ length: 5000 }, (_, i) => i * 2)];
  const bitmaps = sets.map((s) => serializeRoaringBitmapArray(s));
  const { bytes, offsets } = encodeDvFile(bitmaps);
  assert.equal(bytes[0], 1);
  assert.equal(offsets[0], 1);
  const url = `${ROOT}deletion_vector_${UUID}.bin`;
  const storage = memoryStorage({ [url]: bytes });
  for (let i = 0; i < sets.length; i++) {
    const dv: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: uuidToZ85(UUID),
      offset: offsets[i],
      sizeInBytes: bitmaps[i].length,
      cardinality: sets[i].length,
    };
    const rows = await loadDeletionVector(storage, ROOT, dv);
    assert.deepEqual(Array.from(rows.rows), sets[i]);
    // Absolute-path descriptors reach the same bytes.
    const p = await loadDeletionVector(storage, ROOT, { ...dv, storageType: 'p', pathOrInlineDv: url });
    assert.equal(p.cardinality, sets[i].length);
  }
});

test('inline DVs decode, padding included', async () => {
  const bitmap = serializeRoaringBitmapArray([1, 5, 2 ** 33]);
  assert.notEqual(bitmap.length % 4, 0);
  const inline = encodeInlineDv(bitmap);
  const dv: DeletionVectorDescriptor = { storageType: 'i', pathOrInlineDv: inline, sizeInBytes: bitmap.length, cardinality: 3 };
  const rows = await loadDeletionVector(memoryStorage({}), ROOT, dv);
  assert.deepEqual(Array.from(rows.rows), [1, 5, 2 ** 33]);
  await assert.rejects(loadDeletionVector(memoryStorage({}), ROOT, { ...dv, pathOrInlineDv: `${inline.slice(1)}~` }), {
    code: 'DELTA_DELETION_VECTOR_INVALID',
    message: /deletion vector i.*invalid Z85 character/,
  });
});

test('load errors name the DV file', async () => {
  const bitmap = serializeRoaringBitmapArray([1, 2]);
  const { bytes } = encodeDvFile([bitmap]);
  const url = `${ROOT}deletion_vector_${UUID}.bin`;
  const dv: DeletionVectorDescriptor = {
    storageType: 'u',
    pathOrInlineDv: uuidToZ85(UUID),
    offset: 1,
    sizeInBytes: bitmap.length,
    cardinality: 2,
  };
  const load = (file: Uint8Array | undefined, d = dv) =>
    loadDeletionVector(memoryStorage(file ? { [url]: file } : {}), ROOT, d);
  const check = (p: Promise<unknown>, code: string, pattern: RegExp) =>
    assert.rejects(p, (e: Error & { code?: string }) => {
      assert.equal(e.code, code);
      assert.ok(e.message.includes(url), `names the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });

  await check(load(undefined), 'DELTA_FILE_NOT_FOUND', /not found/);
  const flipped = bytes.slice();
  flipped[10] ^= 0xff;
  await check(load(flipped), 'DELTA_DELETION_VECTOR_INVALID', /CRC-32 mismatch/);
  await check(load(bytes, { ...dv, cardinality: 3 }), 'DELTA_DELETION_VECTOR_INVALID', /cardinality 3/);
  await check(load(bytes, { ...dv, sizeInBytes: bitmap.length - 1 }), 'DELTA_DELETION_VECTOR_INVALID', /does not match sizeInBytes/);
  await check(load(bytes.subarray(0, bytes.length - 2)), 'DELTA_DELETION_VECTOR_INVALID', /file ends/);
  const v2 = bytes.slice();
  v2[0] = 2;
  await check(load(v2), 'DELTA_DELETION_VECTOR_INVALID', /version 2/);
});
