import {
  addAction,
  columnarAddList,
  deltaError,
  emptyLogFileActions,
  displayPath,
  type AddFile,
  type AddFileList,
  type LogFileActions,
  type PartitionValues,
  type RemoveFile,
} from '@loch/delta';
import { fileKey, fileKeyHash, finishHash, FNV_OFFSET, FNV_PRIME } from '@loch/delta';
import { PackedStrings, StringPacker } from './packed-strings.js';

/**
 * One piece of a log file, parsed. Its adds are columns (see `AddColumns` in @loch/delta): paths
 * and stats packed into a few long strings (stats kept as the JSON string literals they were
 * read as, decoded only when asked for), numbers in typed arrays, partition-value maps interned
 * (a table has far fewer partitions than files); an add of another shape is kept whole. No
 * object is made per add, here or later, unless a caller asks for one: structured clone of many
 * small objects would cost a worker more than parsing did, and objects cost allocation and
 * garbage collection that columns do not. Removes and the rare actions are objects.
 */
export interface WireActions {
  /** Number of '\n' in the piece: lines of later pieces are numbered after it. */
  readonly newlines: number;
  readonly rest: Omit<LogFileActions, 'file' | 'adds' | 'removes'>;
  readonly addCount: number;
  /** Packed paths (see `PackedStrings`); an add kept whole has an empty one. */
  readonly paths: string[];
  readonly pathEnds: Int32Array;
  readonly dataChange: Uint8Array;
  readonly sizes: Float64Array;
  readonly modificationTimes: Float64Array;
  /** Index into `partitionDistinct`. */
  readonly partitionIndex: Uint32Array;
  /** Distinct partition-value maps, as JSON. */
  readonly partitionDistinct: string[];
  /** Per add, index into the stats; -1 none, -2 null. Absent when no add has stats. */
  readonly statsIndex?: Int32Array;
  /** Packed stats, as JSON string literals. */
  readonly stats: string[];
  readonly statsEnds: Int32Array;
  /** Per add, index into `objects` of an add kept whole, else -1. Absent when none is. */
  readonly objectIndex?: Int32Array;
  /** Adds not of the common shape, as JSON.parse made them, in order. */
  readonly objects: AddFile[];
  readonly removes: RemoveFile[];
  /** `fileKeyHash(fileKey(root, ...))` of each add and remove, when the table root is known. */
  readonly addHashes?: Int32Array;
  readonly removeHashes?: Int32Array;
}

/** A piece of a JSON log file: the whole lines in `bytes[start, end)`. */
export interface Piece {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

/**
 * A parse error in a piece. The message names the line as LINE_MARK, replaced with the file and
 * the absolute line number once the lines of the pieces before are counted.
 */
export const LINE_MARK = '\u0000LINE\u0000';

export class PieceError extends Error {
  constructor(
    readonly line: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** The little-endian 32-bit word of 4 ASCII characters, to compare 4 bytes of a line at once. */
const word = (s: string) => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
const [ADD_0, ADD_1, ADD_2, ADD_3] = ['{"ad', 'd":{', '"pat', 'h":"'].map(word);
const [PV_0, PV_1, PV_2, PV_3, PV_4] = [',"pa', 'rtit', 'ionV', 'alue', 's":{'].map(word);
const [SIZE_0, SIZE_1] = [',"si', 'ze":'].map(word);
const [MTIME_0, MTIME_1, MTIME_2, MTIME_3, MTIME_4] = [',"mo', 'difi', 'cati', 'onTi', 'me":'].map(word);
const [DC_0, DC_1, DC_2] = [',"da', 'taCh', 'ange'].map(word);
const [TRUE_0, FALSE_0, NULL_0] = ['true', 'fals', 'null'].map(word);
const STATS = ascii(',"stats":');
const NULL = ascii('null');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Bytes that leave a relative path unchanged by canonicalization ([A-Za-z0-9_=.-] and '/'), so
 * that the hash of its bytes is the hash of its key. Any other byte (escapes, a scheme's ':',
 * non-ASCII), a leading '/', a segment starting with '.', '//' or an empty path send the path
 * through the kernel's `canonicalPath` instead.
 */
const PLAIN = new Uint8Array(256);
/** Printable ASCII but the quote and the backslash: what most of a JSON string's bytes are. */
const PLAIN_STRING_BYTE = new Uint8Array(256);
for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x22 && c !== 0x5c) PLAIN_STRING_BYTE[c] = 1;
/** Bytes that may follow a backslash in a JSON string (besides 'u'), and hex digits. */
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=.-/') PLAIN[c.charCodeAt(0)] = 1;


/**
 * Parses the whole lines of a piece as `parseJsonLog` would (same line splitting, same checks,
 * same errors) and encodes its actions as `WireActions`. `root` is the table root keys are
 * hashed against; with none, no hashes are sent.
 *
 * Add lines of the common shape, as Delta writers print them, are read straight from the bytes
 * without JSON.parse (which would allocate strings and objects only to throw them away); any line
 * that departs from that shape in the least (whitespace, escapes, non-ASCII, other fields or
 * orders, numbers that are not plain integers) is parsed with JSON.parse instead.
 */
export function parsePiece(piece: Piece, file: string, root: string | undefined, keyHash: (key: string) => number): WireActions {
  return new Encoder(piece, file, root, keyHash).run();
}

/**
 * Column buffers, kept from one piece to the next (each thread parses one piece at a time):
 * fresh memory costs page faults, and a piece's columns are copied out at their exact size.
 */
interface Scratch {
  pathEnds: Int32Array;
  dataChange: Uint8Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  pvIndex: Uint32Array;
  statsIndex: Int32Array;
  statsEnds: Int32Array;
  objectIndex: Int32Array;
  hashes: Int32Array;
  pathBytes: Buffer;
  statsBytes: Buffer;
}

let scratch: Scratch | undefined;

function takeScratch(cap: number, pathCap: number): Scratch {
  const s = scratch;
  scratch = undefined;
  if (s && s.sizes.length >= cap && s.pathBytes.length >= pathCap) return s;
  const n = Math.max(cap, s?.sizes.length ?? 0);
  return {
    pathEnds: new Int32Array(n),
    dataChange: new Uint8Array(n),
    sizes: new Float64Array(n),
    mtimes: new Float64Array(n),
    pvIndex: new Uint32Array(n),
    statsIndex: new Int32Array(n),
    statsEnds: new Int32Array(n),
    objectIndex: new Int32Array(n),
    hashes: new Int32Array(n),
    pathBytes: Buffer.allocUnsafeSlow(Math.max(pathCap, s?.pathBytes.length ?? 0)),
    statsBytes: s?.statsBytes ?? Buffer.allocUnsafeSlow(64 * 1024),
  };
}

class Encoder {
  private readonly b: Uint8Array;
  /** The same bytes, read 4 at a time. */
  private readonly words: DataView;
  private readonly buf: Buffer;
  private cap: number;
  private n = 0;
  private pathEnds: Int32Array;
  private dataChange: Uint8Array;
  private sizes: Float64Array;
  private mtimes: Float64Array;
  private pvIndex: Uint32Array;
  private statsIndex: Int32Array;
  private statsEnds: Int32Array;
  private objectIndex: Int32Array;
  private hashes: Int32Array;
  private hashed: boolean;
  private readonly paths: StringPacker;
  private readonly stats: StringPacker;
  private statsCount = 0;
  /** Whether any add had stats (or null stats). */
  private withStats = false;
  private readonly objects: AddFile[] = [];
  private readonly out: LogFileActions;
  /** Interned partition-value maps by raw JSON bytes: open addressing over (hash, index). */
  private pvTable = new Int32Array(64);
  /** Where in the piece each interned map's raw JSON is (its first occurrence), and its length. */
  private readonly pvAt: number[] = [];
  private readonly pvLength: number[] = [];
  /** The index (in pvJson) of each of them. */
  private readonly pvIndexOf: number[] = [];
  private readonly pvJson: string[] = [];
  private readonly pvMap = new Map<string, number>();

  // Fields of the add line being scanned.
  private pathStart = 0;
  private pathEnd = 0;
  private pathHash = 0;
  private pathPlain = false;
  private pvStart = 0;
  private pvEnd = 0;
  private pvHash = 0;
  private num = 0;
  private statsKind = 0;
  private statsStart = 0;
  private statsEnd = 0;

  constructor(
    private readonly piece: Piece,
    private readonly file: string,
    private readonly root: string | undefined,
    private readonly keyHash: (key: string) => number,
  ) {
    const { bytes } = piece;
    this.b = bytes;
    this.words = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const s = takeScratch(Math.max(64, Math.ceil((piece.end - piece.start) / 96)), Math.max(1024, (piece.end - piece.start) >>> 2));
    this.cap = s.sizes.length;
    this.pathEnds = s.pathEnds;
    this.dataChange = s.dataChange;
    this.sizes = s.sizes;
    this.mtimes = s.mtimes;
    this.pvIndex = s.pvIndex;
    this.statsIndex = s.statsIndex;
    this.statsEnds = s.statsEnds;
    this.objectIndex = s.objectIndex;
    this.hashes = s.hashes;
    this.hashed = root !== undefined;
    this.paths = new StringPacker(s.pathBytes);
    this.stats = new StringPacker(s.statsBytes);
    this.out = emptyLogFileActions(file);
  }

  run(): WireActions {
    return this.finish(this.lines());
  }

  /**
   * Parses every line and returns the number of '\n' seen. Apart from `run` so that its loop,
   * optimized on entry (OSR), has nothing after it without type feedback: code past such a loop
   * deoptimized the loop's optimized code at the end of every piece.
   */
  private lines(): number {
    const { b } = this;
    const end = this.piece.end;
    let lineNo = 0;
    let newlines = 0;
    let s = this.piece.start;
    while (s < end) {
      lineNo++;
      // The fast path finds the end of its line itself: it accepts no byte below 0x20, so it
      // cannot run past a '\n'.
      let e = b[s] === 0x7b ? this.fastAdd(s, end) : -1;
      if (e < 0) {
        e = this.buf.indexOf(10, s);
        if (e < 0 || e >= end) e = end;
        if (e > s) this.slowLine(s, e, lineNo);
      }
      if (e < end) newlines++;
      s = e + 1;
    }
    return newlines;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const grown = <T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const c = new make(cap);
      c.set(a);
      return c;
    };
    this.pathEnds = grown(this.pathEnds, Int32Array);
    this.dataChange = grown(this.dataChange, Uint8Array);
    this.sizes = grown(this.sizes, Float64Array);
    this.mtimes = grown(this.mtimes, Float64Array);
    this.pvIndex = grown(this.pvIndex, Uint32Array);
    this.statsIndex = grown(this.statsIndex, Int32Array);
    this.statsEnds = grown(this.statsEnds, Int32Array);
    this.objectIndex = grown(this.objectIndex, Int32Array);
    this.hashes = grown(this.hashes, Int32Array);
    this.cap = cap;
  }

  // ---- The fast path: an add line of the common shape, read from its bytes. ----

  /**
   * Reads an add line of the common shape at s (bytes up to `e` at most) and records it,
   * returning where the line ends (its '\n', or `e`); -1, recording nothing, for any other line.
   */
  private fastAdd(s: number, e: number): number {
    const b = this.b;
    const w = this.words;
    // {"add":{"path":"
    if (s + 16 > e || w.getInt32(s, true) !== ADD_0 || w.getInt32(s + 4, true) !== ADD_1 || w.getInt32(s + 8, true) !== ADD_2 || w.getInt32(s + 12, true) !== ADD_3) {
      return -1;
    }
    let p = s + 16;
    // "path": printable ASCII without escapes.
    this.pathStart = p;
    let h = FNV_OFFSET;
    let plain = p < e && b[p] !== SLASH;
    let prev = SLASH;
    for (;;) {
      if (p >= e) return -1;
      const c = b[p];
      if (c === QUOTE) break;
      if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
      if (PLAIN[c] === 0 || (prev === SLASH && (c === DOT || c === SLASH))) plain = false;
      h = Math.imul(h ^ c, FNV_PRIME);
      prev = c;
      p++;
    }
    this.pathEnd = p;
    this.pathHash = finishHash(h);
    this.pathPlain = plain && p > this.pathStart;
    // ,"partitionValues":{
    p++;
    if (p + 20 > e || w.getInt32(p, true) !== PV_0 || w.getInt32(p + 4, true) !== PV_1 || w.getInt32(p + 8, true) !== PV_2 || w.getInt32(p + 12, true) !== PV_3 || w.getInt32(p + 16, true) !== PV_4) {
      return -1;
    }
    p = this.partitionValues(p + 19, e);
    if (p < 0) return -1;
    // ,"size":
    if (p + 8 > e || w.getInt32(p, true) !== SIZE_0 || w.getInt32(p + 4, true) !== SIZE_1) return -1;
    if ((p = this.integer(p + 8, e)) < 0) return -1;
    const size = this.num;
    // ,"modificationTime":
    if (p + 20 > e || w.getInt32(p, true) !== MTIME_0 || w.getInt32(p + 4, true) !== MTIME_1 || w.getInt32(p + 8, true) !== MTIME_2 || w.getInt32(p + 12, true) !== MTIME_3 || w.getInt32(p + 16, true) !== MTIME_4) {
      return -1;
    }
    if ((p = this.integer(p + 20, e)) < 0) return -1;
    const mtime = this.num;
    // ,"dataChange": then true or false
    if (p + 18 > e || w.getInt32(p, true) !== DC_0 || w.getInt32(p + 4, true) !== DC_1 || w.getInt32(p + 8, true) !== DC_2 || b[p + 12] !== QUOTE || b[p + 13] !== 0x3a) {
      return -1;
    }
    p += 14;
    let dataChange: number;
    const v = w.getInt32(p, true);
    if (v === TRUE_0) {
      dataChange = 1;
      p += 4;
    } else if (v === FALSE_0 && p + 5 <= e && b[p + 4] === 0x65) {
      dataChange = 0;
      p += 5;
    } else {
      return -1;
    }
    this.statsKind = 0;
    if (b[p] === 0x2c) {
      p = match(b, p, e, STATS);
      if (p < 0) return -1;
      if (b[p] === QUOTE) {
        p = this.jsonString(p, e);
        if (p < 0) return -1;
        this.statsKind = 4;
      } else {
        p = match(b, p, e, NULL);
        if (p < 0) return -1;
        this.statsKind = 2;
      }
    }
    // '}}' and the end of the line.
    if (p + 2 > e || b[p] !== 0x7d || b[p + 1] !== 0x7d || (p + 2 < e && b[p + 2] !== 10)) return -1;
    this.record(dataChange, size, mtime);
    return p + 2;
  }

  /**
   * Reads the partition values' map at p (its '{': keys and values strings of printable ASCII
   * without escapes, values possibly null), hashing its bytes for `internRawPv`; returns its end,
   * or -1 if it is not of that shape.
   */
  private partitionValues(p: number, e: number): number {
    const b = this.b;
    this.pvStart = p;
    this.pvHash = Math.imul(FNV_OFFSET ^ 0x7b, FNV_PRIME);
    p++;
    if (p < e && b[p] === 0x7d) {
      this.pvEnd = p + 1;
      return p + 1;
    }
    for (;;) {
      // A key, then ':'.
      if (p >= e || b[p] !== QUOTE || (p = this.hashedString(p, e)) < 0) return -1;
      if (p >= e || b[p] !== 0x3a) return -1;
      p++;
      // A value: a string, or null.
      if (p < e && b[p] === QUOTE) {
        if ((p = this.hashedString(p, e)) < 0) return -1;
      } else if (p + 4 <= e && this.words.getInt32(p, true) === NULL_0) {
        p += 4;
        this.pvHash = Math.imul(this.pvHash ^ 0x6e, FNV_PRIME);
      } else {
        return -1;
      }
      if (p >= e) return -1;
      const c = b[p++];
      this.pvHash = Math.imul(this.pvHash ^ c, FNV_PRIME);
      if (c === 0x7d) break; // '}'
      if (c !== 0x2c) return -1; // ','
    }
    this.pvEnd = p;
    return p;
  }

  /**
   * Reads a JSON string at p (its opening quote) of printable ASCII without escapes, folding it
   * into `pvHash`; returns the position after its closing quote, or -1 if it is not one.
   */
  private hashedString(p: number, e: number): number {
    const b = this.b;
    let h = this.pvHash;
    for (p++; ; p++) {
      if (p >= e) return -1;
      const c = b[p];
      if (c === QUOTE) break;
      if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    // The closing quote too, so that "ab":"c" and "a":"bc" hash apart.
    this.pvHash = Math.imul(h ^ QUOTE, FNV_PRIME);
    return p + 1;
  }

  private record(dataChange: number, size: number, mtime: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.pathEnds[i] = this.paths.appendBytes(this.b, this.pathStart, this.pathEnd);
    this.dataChange[i] = dataChange;
    this.sizes[i] = size;
    this.mtimes[i] = mtime;
    this.pvIndex[i] = this.internRawPv();
    this.objectIndex[i] = -1;
    if (this.statsKind === 0) this.statsIndex[i] = -1;
    else if (this.statsKind === 2) this.withNullStats(i);
    else this.addStats(i, this.stats.appendBytes(this.b, this.statsStart, this.statsEnd));
    if (this.hashed) {
      if (this.pathPlain) this.hashes[i] = this.pathHash;
      else this.hashKey(i, this.buf.toString('latin1', this.pathStart, this.pathEnd), undefined);
    }
  }

  private withNullStats(i: number): void {
    this.statsIndex[i] = -2;
    this.withStats = true;
  }

  /** Add `i` has the stats that end at `end` in the packed stats. */
  private addStats(i: number, end: number): void {
    const k = this.statsCount++;
    this.statsEnds[k] = end;
    this.statsIndex[i] = k;
    this.withStats = true;
  }

  /** Index of the partition values in bytes [pvStart, pvEnd), interned by their raw JSON. */
  private internRawPv(): number {
    const start = this.pvStart;
    const len = this.pvEnd - start;
    const table = this.pvTable;
    const mask = (table.length >>> 1) - 1;
    let slot = this.pvHash & mask;
    for (;;) {
      const entry = table[2 * slot + 1];
      if (entry === 0) break;
      if (table[2 * slot] === this.pvHash && this.pvLength[entry - 1] === len && this.sameBytes(this.pvAt[entry - 1], start, len)) {
        return this.pvIndexOf[entry - 1];
      }
      slot = (slot + 1) & mask;
    }
    const json = this.buf.toString('latin1', start, this.pvEnd);
    // The same map may already be known from a line JSON.parse read.
    let index = this.pvMap.get(json);
    if (index === undefined) {
      index = this.pvJson.length;
      this.pvJson.push(json);
      this.pvMap.set(json, index);
    }
    if (this.pvAt.length * 2 >= mask) this.growPvTable();
    this.pvAt.push(start);
    this.pvLength.push(len);
    this.pvIndexOf.push(index);
    this.insertPv(this.pvHash, this.pvAt.length);
    return index;
  }

  /** Whether the `len` bytes at `x` and at `y` of the piece are the same, compared 4 at a time. */
  private sameBytes(x: number, y: number, len: number): boolean {
    const w = this.words;
    let j = 0;
    for (; j + 4 <= len; j += 4) if (w.getInt32(x + j, true) !== w.getInt32(y + j, true)) return false;
    for (; j < len; j++) if (this.b[x + j] !== this.b[y + j]) return false;
    return true;
  }

  private insertPv(hash: number, entry: number): void {
    const table = this.pvTable;
    const mask = (table.length >>> 1) - 1;
    let slot = hash & mask;
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = hash;
    table[2 * slot + 1] = entry;
  }

  private growPvTable(): void {
    const old = this.pvTable;
    this.pvTable = new Int32Array(old.length * 2);
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.insertPv(old[s], old[s + 1]);
  }

  /**
   * End of a JSON string literal at p of printable ASCII, with valid escapes only (so that
   * JSON.parse, decoding it later, cannot fail); -1 if it is not one.
   */
  private jsonString(p: number, e: number): number {
    const b = this.b;
    this.statsStart = p;
    for (p++; p < e; p++) {
      const c = b[p];
      if (PLAIN_STRING_BYTE[c] === 1) continue;
      if (c === QUOTE) {
        this.statsEnd = p + 1;
        return p + 1;
      }
      if (c < 0x20 || c > 0x7e) return -1;
      if (c === BACKSLASH) {
        const x = b[++p];
        if (x === 0x75) {
          // \uXXXX
          if (p + 4 >= e) return -1;
          for (let k = 1; k <= 4; k++) if (HEX[b[p + k]] === 0) return -1;
          p += 4;
        } else if (ESCAPE[x] === 0) return -1;
      }
    }
    return -1;
  }

  /** A JSON integer of at most 15 digits (exact as a double) at p, into `num`; its end, or -1. */
  private integer(p: number, e: number): number {
    const b = this.b;
    const neg = b[p] === 0x2d;
    if (neg) p++;
    const first = p;
    let v = 0;
    while (p < e) {
      const d = b[p] - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    const digits = p - first;
    if (digits === 0 || digits > 15 || (b[first] === 0x30 && digits > 1)) return -1;
    this.num = neg ? -v : v;
    return p;
  }

  // ---- The slow path: JSON.parse, exactly as parseJsonLog. ----

  private slowLine(s: number, e: number, lineNo: number): void {
    const line = this.buf.toString('utf8', s, e);
    let action: unknown;
    try {
      action = JSON.parse(line);
    } catch (err) {
      if (line.trim() === '') return;
      throw new PieceError(lineNo, `${LINE_MARK}: not valid JSON (${(err as Error).message})`, 'DELTA_CORRUPT_LOG');
    }
    if (action === null || typeof action !== 'object' || Array.isArray(action)) {
      throw new PieceError(lineNo, `${LINE_MARK}: an action must be a JSON object`, 'DELTA_CORRUPT_LOG');
    }
    const add = (action as { add?: unknown }).add;
    if (add == null) {
      try {
        addAction(this.out, action as Record<string, unknown>, () => LINE_MARK);
      } catch (err) {
        const x = err as Error & { code?: string };
        throw new PieceError(lineNo, x.message, x.code ?? 'DELTA_CORRUPT_LOG');
      }
      return;
    }
    const a = add as AddFile;
    if (typeof a.path !== 'string') {
      throw new PieceError(lineNo, `${LINE_MARK}: 'add' action has no valid 'path'`, 'DELTA_CORRUPT_LOG');
    }
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    const f = commonShape(a);
    if (f < 0) {
      this.pathEnds[i] = this.paths.appendString('');
      this.objectIndex[i] = this.objects.length;
      this.objects.push(a);
      this.dataChange[i] = 0;
      this.sizes[i] = 0;
      this.mtimes[i] = 0;
      this.pvIndex[i] = 0;
      this.statsIndex[i] = -1;
    } else {
      this.pathEnds[i] = this.paths.appendString(a.path);
      this.objectIndex[i] = -1;
      this.dataChange[i] = f & 1;
      this.sizes[i] = a.size;
      this.mtimes[i] = a.modificationTime;
      if (f & 4) this.addStats(i, this.stats.appendString(JSON.stringify(a.stats)));
      else if (f & 2) this.withNullStats(i);
      else this.statsIndex[i] = -1;
      const json = JSON.stringify(a.partitionValues);
      let index = this.pvMap.get(json);
      if (index === undefined) {
        index = this.pvJson.length;
        this.pvJson.push(json);
        this.pvMap.set(json, index);
      }
      this.pvIndex[i] = index;
    }
    if (this.hashed) this.hashKey(i, a.path, a.deletionVector);
  }

  /** Hashes an add's key through the kernel's canonicalization; a path it rejects stops hashing. */
  private hashKey(i: number, path: string, dv: AddFile['deletionVector']): void {
    try {
      this.hashes[i] = this.keyHash(fileKey(this.root!, path, dv));
    } catch {
      this.hashed = false; // replay hashes the keys, and reports the bad path, itself
    }
  }

  private finish(newlines: number): WireActions {
    const n = this.n;
    let removeHashes: Int32Array | undefined;
    if (this.hashed) {
      try {
        removeHashes = Int32Array.from(this.out.removes, (r) => this.keyHash(fileKey(this.root!, r.path, r.deletionVector)));
      } catch {
        this.hashed = false;
      }
    }
    const { file: _file, adds: _adds, removes, ...rest } = this.out;
    const wire: WireActions = {
      newlines,
      rest,
      addCount: n,
      paths: this.paths.finish(),
      pathEnds: this.pathEnds.slice(0, n),
      dataChange: this.dataChange.slice(0, n),
      sizes: this.sizes.slice(0, n),
      modificationTimes: this.mtimes.slice(0, n),
      partitionIndex: this.pvIndex.slice(0, n),
      partitionDistinct: this.pvJson,
      statsIndex: this.withStats ? this.statsIndex.slice(0, n) : undefined,
      stats: this.stats.finish(),
      statsEnds: this.statsEnds.slice(0, this.statsCount),
      objectIndex: this.objects.length > 0 ? this.objectIndex.slice(0, n) : undefined,
      objects: this.objects,
      removes,
      addHashes: this.hashed ? this.hashes.slice(0, n) : undefined,
      removeHashes: this.hashed ? removeHashes : undefined,
    };
    scratch = {
      pathEnds: this.pathEnds,
      dataChange: this.dataChange,
      sizes: this.sizes,
      mtimes: this.mtimes,
      pvIndex: this.pvIndex,
      statsIndex: this.statsIndex,
      statsEnds: this.statsEnds,
      objectIndex: this.objectIndex,
      hashes: this.hashes,
      pathBytes: this.paths.buffer,
      statsBytes: this.stats.buffer,
    };
    return wire;
  }
}

/** Position after `pattern` if bytes at p match it, else -1. */
function match(b: Uint8Array, p: number, e: number, pattern: Uint8Array): number {
  const n = pattern.length;
  if (p + n > e) return -1;
  for (let i = 0; i < n; i++) if (b[p + i] !== pattern[i]) return -1;
  return p + n;
}

/**
 * Flags for an add (parsed by JSON.parse) of the common shape: exactly the keys path,
 * partitionValues, size, modificationTime, dataChange and optionally stats, in that order, with
 * the usual types (partition values strings or null). -1 for any other add, which then travels as
 * an object.
 */
function commonShape(a: AddFile): number {
  let i = 0;
  for (const k in a) {
    switch (i++) {
      case 0:
        if (k !== 'path') return -1;
        break;
      case 1:
        if (k !== 'partitionValues') return -1;
        break;
      case 2:
        if (k !== 'size') return -1;
        break;
      case 3:
        if (k !== 'modificationTime') return -1;
        break;
      case 4:
        if (k !== 'dataChange') return -1;
        break;
      case 5:
        if (k !== 'stats') return -1;
        break;
      default:
        return -1;
    }
  }
  if (i < 5 || typeof a.size !== 'number' || typeof a.modificationTime !== 'number' || typeof a.dataChange !== 'boolean') return -1;
  const pv = a.partitionValues as unknown;
  if (pv === null || typeof pv !== 'object' || Array.isArray(pv)) return -1;
  for (const k in pv as Record<string, unknown>) {
    const v = (pv as Record<string, unknown>)[k];
    if (v !== null && typeof v !== 'string') return -1;
  }
  let f = a.dataChange ? 1 : 0;
  if (i === 6) {
    if (a.stats === null) f |= 2;
    else if (typeof a.stats === 'string') f |= 4;
    else return -1;
  }
  return f;
}

/** Transferable buffers of a wire message (the typed arrays; strings and objects are cloned). */
export function transferList(w: WireActions): ArrayBuffer[] {
  const list = [
    w.pathEnds, w.dataChange, w.sizes, w.modificationTimes, w.partitionIndex, w.statsIndex, w.statsEnds, w.objectIndex, w.addHashes, w.removeHashes,
  ];
  return list.filter((a) => a !== undefined && a.byteLength > 0).map((a) => a!.buffer as ArrayBuffer);
}

/**
 * The adds of a wire message as a list over its columns, the same add actions `parseJsonLog`
 * would make, made only when asked for. `partitionValues` parses each distinct map's JSON once
 * for all the pieces of a read, so that files with the same values share one object.
 */
export function wireAdds(w: WireActions, partitionValues: (json: string) => PartitionValues): AddFileList {
  return columnarAddList({
    paths: new PackedStrings(w.paths, w.pathEnds, false),
    size: w.sizes,
    modificationTime: w.modificationTimes,
    dataChange: w.dataChange,
    partitionValues: w.partitionIndex,
    partitionValueSets: w.partitionDistinct.map(partitionValues),
    ...(w.statsIndex ? { statsIndex: w.statsIndex, stats: new PackedStrings(w.stats, w.statsEnds, true) } : {}),
    ...(w.objectIndex ? { objectIndex: w.objectIndex, objects: w.objects } : {}),
  });
}

export type PartResult = { wire: WireActions } | { error: { line: number; message: string; code: string } };

/** Parses one piece of a log file, turning a parse error into a result. */
export function parsePart(part: Piece & { readonly file: string }, root: string | undefined): PartResult {
  try {
    return { wire: parsePiece(part, part.file, root, fileKeyHash) };
  } catch (e) {
    if (e instanceof PieceError) return { error: { line: e.line, message: e.message, code: e.code } };
    return { error: { line: 0, message: (e as Error).message ?? String(e), code: 'DELTA_IO_ERROR' } };
  }
}

/** A piece's parse error as reported, naming the file and the absolute line number. */
export function pieceError(file: string, line: number, message: string, code: string): Error {
  return deltaError(code as 'DELTA_CORRUPT_LOG', message.replace(LINE_MARK, `${displayPath(file)} line ${line}`));
}
