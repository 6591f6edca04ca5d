/**
 * Deletion vector descriptors (the `deletionVector` field of add/remove) and the on-disk DV file
 * format: one version byte (1), then entries of
 *
 *   int32 BE  length of the bitmap
 *   bytes     the bitmap (RoaringBitmapArray format)
 *   int32 BE  CRC-32 of the bitmap
 *
 * A descriptor's `offset` points at an entry's length field.
 */
import type { DeletionVectorDescriptor } from '../actions/deletion-vector.js';
import type { StorageHandler } from '../engine/engine.js';
import { deltaError, isDeltaError } from '../errors.js';
import { crc32 } from './crc32.js';
import { parseRoaringBitmapArray, type DeletedRows } from './roaring.js';
import { decodeZ85, encodeZ85 } from './z85.js';

export type { DeletionVectorDescriptor };

export const DV_FILE_FORMAT_VERSION = 1;
const UUID_Z85_LENGTH = 20;

/** The protocol's unique id of a DV: what log replay keys on, alongside the file path. */
export function dvUniqueId(dv: DeletionVectorDescriptor): string {
  const id = dv.storageType + dv.pathOrInlineDv;
  return dv.offset === undefined || dv.offset === null ? id : `${id}@${dv.offset}`;
}

const invalid = (dv: DeletionVectorDescriptor, msg: string) =>
  deltaError('DELTA_DELETION_VECTOR_INVALID', `deletion vector ${dvUniqueId(dv)}: ${msg}`);

/** Runs `f`, prefixing the descriptor to any Z85 error so the message says which DV is bad. */
function withContext<T>(dv: DeletionVectorDescriptor, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isDeltaError(e, 'DELTA_DELETION_VECTOR_INVALID')) throw invalid(dv, e.message);
    throw e;
  }
}

/** The URL of the file holding the DV, or undefined for an inline DV. */
export function dvFileUrl(dv: DeletionVectorDescriptor, tableRootUrl: string): string | undefined {
  const root = tableRootUrl.endsWith('/') ? tableRootUrl : `${tableRootUrl}/`;
  switch (dv.storageType) {
    case 'i':
      return undefined;
    case 'u': {
      const s = dv.pathOrInlineDv;
      if (s.length < UUID_Z85_LENGTH) throw invalid(dv, `path is shorter than a ${UUID_Z85_LENGTH}-character encoded UUID`);
      const prefix = s.slice(0, s.length - UUID_Z85_LENGTH);
      const uuid = withContext(dv, () => z85ToUuid(s.slice(s.length - UUID_Z85_LENGTH)));
      const name = `deletion_vector_${uuid}.bin`;
      // The prefix is a directory name, not URL syntax: escape it so it cannot add segments.
      return new URL(prefix === '' ? name : `${encodeURIComponent(prefix)}/${name}`, root).href;
    }
    case 'p':
      // Same form as an add's path: an (already URL-encoded) absolute URI.
      try {
        return new URL(dv.pathOrInlineDv, root).href;
      } catch (e) {
        throw deltaError('DELTA_DELETION_VECTOR_INVALID', `deletion vector path ${JSON.stringify(dv.pathOrInlineDv)} is not a valid URI`, e);
      }
    default:
      throw invalid(dv, `unknown storage type ${JSON.stringify((dv as { storageType: unknown }).storageType)}`);
  }
}

/** Reads, checks and parses the rows a DV deletes. */
export async function loadDeletionVector(
  storage: Pick<StorageHandler, 'readRange' | 'read'>,
  tableRootUrl: string,
  dv: DeletionVectorDescriptor,
): Promise<DeletedRows> {
  const url = dvFileUrl(dv, tableRootUrl);
  let bitmap: Uint8Array;
  let context: string;
  if (url === undefined) {
    context = `inline deletion vector ${dvUniqueId(dv)}`;
    const decoded = withContext(dv, () => decodeZ85(dv.pathOrInlineDv));
    // Z85 works in 4-byte groups, so the encoded form may carry padding past sizeInBytes.
    if (decoded.length < dv.sizeInBytes) {
      throw invalid(dv, `inline data decodes to ${decoded.length} bytes, fewer than sizeInBytes ${dv.sizeInBytes}`);
    }
    bitmap = decoded.subarray(0, dv.sizeInBytes);
  } else {
    context = `deletion vector file ${url}`;
    bitmap = await readDvEntry(storage, url, dv, context);
  }
  const rows = parseRoaringBitmapArray(bitmap, context);
  if (rows.cardinality !== dv.cardinality) {
    throw deltaError(
      'DELTA_DELETION_VECTOR_INVALID',
      `${context}: holds ${rows.cardinality} rows but the descriptor says cardinality ${dv.cardinality}`,
    );
  }
  return rows;
}

async function readDvEntry(
  storage: Pick<StorageHandler, 'readRange' | 'read'>,
  url: string,
  dv: DeletionVectorDescriptor,
  context: string,
): Promise<Uint8Array> {
  const offset = dv.offset ?? 1;
  const size = dv.sizeInBytes;
  const fail = (msg: string): never => {
    throw deltaError('DELTA_DELETION_VECTOR_INVALID', `${context} (offset ${offset}): ${msg}`);
  };
  if (!Number.isSafeInteger(offset) || offset < 1) fail('offset must be at least 1');
  if (!Number.isSafeInteger(size) || size < 0) fail(`invalid sizeInBytes ${size}`);

  // The common single-entry file starts at offset 1: read from 0 to check the version byte too.
  const from = offset === 1 ? 0 : offset;
  const length = offset - from + 4 + size + 4;
  let bytes: Uint8Array;
  try {
    bytes = await storage.readRange(url, from, length);
  } catch (e) {
    if (isDeltaError(e, 'DELTA_FILE_NOT_FOUND')) {
      throw deltaError('DELTA_FILE_NOT_FOUND', `${context} not found (descriptor ${dvUniqueId(dv)})`, e);
    }
    throw e;
  }
  if (bytes.length < length) fail(`file ends after ${from + bytes.length} bytes, entry needs ${size + 8}`);
  if (from === 0 && bytes[0] !== DV_FILE_FORMAT_VERSION) fail(`unsupported DV file format version ${bytes[0]}`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = offset - from;
  const stored = view.getUint32(at, false);
  if (stored !== size) fail(`entry length ${stored} does not match sizeInBytes ${size}`);
  const bitmap = bytes.subarray(at + 4, at + 4 + size);
  const expectedCrc = view.getUint32(at + 4 + size, false);
  const actualCrc = crc32(bitmap);
  if (expectedCrc !== actualCrc) fail(`CRC-32 mismatch (stored ${expectedCrc}, computed ${actualCrc})`);
  return bitmap;
}

/**
 * Builds a DV file from serialized bitmaps. `offsets[i]` is what the i-th descriptor's `offset`
 * must be (and each bitmap's length its `sizeInBytes`).
 */
export function encodeDvFile(bitmaps: readonly Uint8Array[]): { bytes: Uint8Array; offsets: number[] } {
  let total = 1;
  for (const b of bitmaps) total += 8 + b.length;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes[0] = DV_FILE_FORMAT_VERSION;
  const offsets: number[] = [];
  let pos = 1;
  for (const b of bitmaps) {
    offsets.push(pos);
    view.setUint32(pos, b.length, false);
    bytes.set(b, pos + 4);
    view.setUint32(pos + 4 + b.length, crc32(b), false);
    pos += 8 + b.length;
  }
  return { bytes, offsets };
}

/** The `pathOrInlineDv` of an inline DV: Z85 of the bitmap, zero-padded to a multiple of 4. */
export function encodeInlineDv(bitmap: Uint8Array): string {
  if (bitmap.length % 4 === 0) return encodeZ85(bitmap);
  const padded = new Uint8Array(bitmap.length + 4 - (bitmap.length % 4));
  padded.set(bitmap);
  return encodeZ85(padded);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 20-character Z85 form of a UUID (its 16 bytes in big-endian order). */
export function uuidToZ85(uuid: string): string {
  if (!UUID_RE.test(uuid)) throw deltaError('DELTA_INVALID_ARGUMENT', `not a UUID: ${JSON.stringify(uuid)}`);
  const hex = uuid.replace(/-/g, '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return encodeZ85(bytes);
}

export function z85ToUuid(encoded: string): string {
  if (encoded.length !== UUID_Z85_LENGTH) {
    throw deltaError('DELTA_DELETION_VECTOR_INVALID', `encoded UUID ${JSON.stringify(encoded)} is not ${UUID_Z85_LENGTH} characters`);
  }
  const hex = Array.from(decodeZ85(encoded), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
