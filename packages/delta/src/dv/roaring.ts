/**
 * Delta's "RoaringBitmapArray" portable format: a 64-bit set of row indexes stored as 32-bit
 * Roaring bitmaps keyed by the high 32 bits.
 *
 *   int32  magic 1681511377
 *   int64  number of 32-bit bitmaps
 *   per bitmap: int32 key, then a portable 32-bit Roaring serialization
 *
 * All little-endian. See the Roaring format spec (RoaringFormatSpec) for the 32-bit part.
 * The parser also takes Delta's pre-protocol "native" layout (magic 1681511376).
 */
import { deltaError } from '../errors.js';

export const ROARING_ARRAY_MAGIC = 1681511377;
const NATIVE_MAGIC = 1681511376;

const COOKIE_NO_RUN = 12346;
const COOKIE_RUN = 12347;
/** With run containers, the offset header only appears from this many containers on. */
const NO_OFFSET_THRESHOLD = 4;
/** Containers with more values than this are bitsets (when not runs). */
const ARRAY_MAX = 4096;
const BITSET_BYTES = 8192;
const TWO_32 = 2 ** 32;
/** Keys above this would put row indexes past 2^53, which a JS number cannot hold exactly. */
const MAX_KEY = 2 ** 21 - 1;

/** The rows a deletion vector removes from its data file. */
export interface DeletedRows {
  /** Row indexes, strictly increasing. */
  readonly rows: Float64Array;
  readonly cardinality: number;
  has(rowIndex: number): boolean;
}

class SortedRows implements DeletedRows {
  constructor(readonly rows: Float64Array) {}

  get cardinality(): number {
    return this.rows.length;
  }

  has(rowIndex: number): boolean {
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = rows[mid];
      if (v === rowIndex) return true;
      if (v < rowIndex) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/** A growable Float64Array that also rejects values out of order (a corrupt bitmap). */
class RowSink {
  private buf = new Float64Array(64);
  length = 0;

  constructor(private readonly context: string) {}

  push(v: number): void {
    if (this.length > 0 && v <= this.buf[this.length - 1]) {
      throw deltaError('DELTA_DELETION_VECTOR_INVALID', `${this.context}: row indexes are not strictly increasing at ${v}`);
    }
    if (this.length === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v;
  }

  finish(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

/** Bounds-checked little-endian reads; every failure names the descriptor or file. */
class Reader {
  readonly view: DataView;
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly context: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(msg: string): never {
    throw deltaError('DELTA_DELETION_VECTOR_INVALID', `${this.context}: ${msg}`);
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      this.fail(`truncated ${what} at byte ${this.pos} (needs ${n} bytes, ${this.bytes.length - this.pos} left)`);
    }
  }

  u16(): number {
    this.need(2, 'bitmap');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4, 'bitmap');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
}

export function parseRoaringBitmapArray(bytes: Uint8Array, context: string): DeletedRows {
  const r = new Reader(bytes, context);
  r.need(8, 'header');
  const magic = r.u32();
  const sink = new RowSink(context);
  if (magic === ROARING_ARRAY_MAGIC) parsePortable(r, sink);
  else if (magic === NATIVE_MAGIC) parseNative(r, sink);
  else r.fail(`bad magic number ${magic}, expected ${ROARING_ARRAY_MAGIC}`);
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} trailing bytes after the last bitmap`);
  return new SortedRows(sink.finish());
}

/** The protocol's format: int64 count, then (int32 key, bitmap) pairs with increasing keys. */
function parsePortable(r: Reader, sink: RowSink): void {
  const countLo = r.u32();
  const countHi = r.u32();
  // Each bitmap takes at least 12 bytes (key + empty header), which bounds a sane count.
  if (countHi !== 0 || countLo * 12 > r.bytes.length) r.fail(`implausible bitmap count ${countHi * TWO_32 + countLo}`);
  let lastKey = -1;
  for (let i = 0; i < countLo; i++) {
    const key = r.u32();
    if (key <= lastKey) r.fail(`bitmap keys are not increasing (${key} after ${lastKey})`);
    if (key > MAX_KEY) r.fail(`bitmap key ${key} puts row indexes beyond 2^53`);
    lastKey = key;
    parseRoaring32(r, key * TWO_32, sink);
  }
}

/**
 * Delta's older "native" layout, which its readers still accept: int32 count, then per key
 * 0, 1, ...: int32 byte length and the bitmap.
 */
function parseNative(r: Reader, sink: RowSink): void {
  const count = r.u32();
  if (count * 12 > r.bytes.length || count - 1 > MAX_KEY) r.fail(`implausible bitmap count ${count}`);
  for (let key = 0; key < count; key++) {
    const size = r.u32();
    const start = r.pos;
    parseRoaring32(r, key * TWO_32, sink);
    if (r.pos - start !== size) r.fail(`bitmap ${key} takes ${r.pos - start} bytes but its length says ${size}`);
  }
}

/** Parses one portable 32-bit Roaring bitmap at r.pos, adding `base` to every value. */
function parseRoaring32(r: Reader, base: number, sink: RowSink): void {
  const start = r.pos;
  const cookie = r.u32();
  let size: number;
  let runFlags: Uint8Array | undefined;
  if (cookie === COOKIE_NO_RUN) {
    size = r.u32();
    if (size > 65536) r.fail(`container count ${size} exceeds 65536`);
  } else if ((cookie & 0xffff) === COOKIE_RUN) {
    size = (cookie >>> 16) + 1;
    const flagBytes = (size + 7) >>> 3;
    r.need(flagBytes, 'run-container flags');
    runFlags = r.bytes.subarray(r.pos, r.pos + flagBytes);
    r.pos += flagBytes;
  } else {
    r.fail(`unknown Roaring cookie ${cookie & 0xffff} at byte ${start}`);
  }

  r.need(size * 4, 'container headers');
  const keys = new Uint16Array(size);
  const cards = new Uint32Array(size);
  for (let k = 0; k < size; k++) {
    keys[k] = r.u16();
    cards[k] = r.u16() + 1;
  }
  let offsets: Uint32Array | undefined;
  if (runFlags === undefined || size >= NO_OFFSET_THRESHOLD) {
    r.need(size * 4, 'container offsets');
    offsets = new Uint32Array(size);
    for (let k = 0; k < size; k++) offsets[k] = r.u32();
  }

  for (let k = 0; k < size; k++) {
    // Containers are contiguous, so we read them in order; the offsets only cross-check.
    if (offsets !== undefined && offsets[k] !== r.pos - start) {
      r.fail(`container ${k} offset ${offsets[k]} does not match its position ${r.pos - start}`);
    }
    const high = base + keys[k] * 65536;
    const isRun = runFlags !== undefined && (runFlags[k >>> 3] & (1 << (k & 7))) !== 0;
    const before = sink.length;
    if (isRun) readRunContainer(r, high, sink);
    else if (cards[k] <= ARRAY_MAX) readArrayContainer(r, cards[k], high, sink);
    else readBitsetContainer(r, high, sink);
    if (sink.length - before !== cards[k]) {
      r.fail(`container ${k} holds ${sink.length - before} values but its header says ${cards[k]}`);
    }
  }
}

function readArrayContainer(r: Reader, card: number, high: number, sink: RowSink): void {
  r.need(card * 2, 'array container');
  for (let j = 0; j < card; j++) sink.push(high + r.u16());
}

function readBitsetContainer(r: Reader, high: number, sink: RowSink): void {
  r.need(BITSET_BYTES, 'bitset container');
  const bytes = r.bytes;
  const end = r.pos + BITSET_BYTES;
  for (let p = r.pos, low = 0; p < end; p++, low += 8) {
    let b = bytes[p];
    while (b !== 0) {
      const bit = 31 - Math.clz32(b & -b);
      sink.push(high + low + bit);
      b &= b - 1;
    }
  }
  r.pos = end;
}

function readRunContainer(r: Reader, high: number, sink: RowSink): void {
  const runs = r.u16();
  r.need(runs * 4, 'run container');
  for (let j = 0; j < runs; j++) {
    const startLow = r.u16();
    const lengthMinusOne = r.u16();
    if (startLow + lengthMinusOne > 0xffff) r.fail(`run ${startLow}+${lengthMinusOne} overflows its container`);
    for (let v = startLow; v <= startLow + lengthMinusOne; v++) sink.push(high + v);
  }
}

/** A run of consecutive input values sharing the high 48 bits (one 16-bit container). */
interface Chunk {
  readonly key: number;
  readonly high16: number;
  readonly from: number;
  to: number;
}

/**
 * Serializes strictly increasing row indexes: magic, then one bitmap per non-empty key, each in
 * the run-less cookie-12346 layout with an offset header (what Java's RoaringBitmap writes
 * before run optimization). Delta's readers fill the gaps between keys with empty bitmaps.
 */
export function serializeRoaringBitmapArray(sortedRowIndexes: ArrayLike<number>): Uint8Array {
  const buckets = groupByKey(chunkRows(sortedRowIndexes));

  let total = 12; // magic + count
  for (const bucket of buckets) {
    total += 12 + bucket.length * 8; // key, cookie, size; per container: header + offset
    for (const c of bucket) total += containerBytes(c);
  }

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  const u16 = (v: number) => {
    view.setUint16(pos, v, true);
    pos += 2;
  };
  const u32 = (v: number) => {
    view.setUint32(pos, v, true);
    pos += 4;
  };
  u32(ROARING_ARRAY_MAGIC);
  u32(buckets.length);
  u32(0);

  for (const bucket of buckets) {
    u32(bucket[0].key);
    u32(COOKIE_NO_RUN);
    u32(bucket.length);
    for (const c of bucket) {
      u16(c.high16);
      u16(c.to - c.from - 1);
    }
    let offset = 8 + bucket.length * 8;
    for (const c of bucket) {
      u32(offset);
      offset += containerBytes(c);
    }
    for (const c of bucket) {
      if (c.to - c.from <= ARRAY_MAX) {
        for (let i = c.from; i < c.to; i++) u16(sortedRowIndexes[i] % 65536);
      } else {
        for (let i = c.from; i < c.to; i++) {
          const low = sortedRowIndexes[i] % 65536;
          out[pos + (low >>> 3)] |= 1 << (low & 7);
        }
        pos += BITSET_BYTES;
      }
    }
  }
  return out;
}

function containerBytes(c: Chunk): number {
  const card = c.to - c.from;
  return card <= ARRAY_MAX ? card * 2 : BITSET_BYTES;
}

function groupByKey(chunks: Chunk[]): Chunk[][] {
  const buckets: Chunk[][] = [];
  for (const c of chunks) {
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last[0].key === c.key) last.push(c);
    else buckets.push([c]);
  }
  return buckets;
}

function chunkRows(rows: ArrayLike<number>): Chunk[] {
  const chunks: Chunk[] = [];
  let prev = -1;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `row index ${v} is not a non-negative safe integer`);
    }
    if (v <= prev) throw deltaError('DELTA_INVALID_ARGUMENT', `row indexes must be strictly increasing (${v} after ${prev})`);
    const key = Math.floor(v / TWO_32);
    const high16 = Math.floor((v % TWO_32) / 65536);
    const last = chunks[chunks.length - 1];
    if (last !== undefined && last.key === key && last.high16 === high16) {
      last.to = i + 1;
    } else {
      chunks.push({ key, high16, from: i, to: i + 1 });
    }
    prev = v;
  }
  return chunks;
}
