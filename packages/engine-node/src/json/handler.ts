import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  addFileList,
  attachFileKeyHashes,
  concatAddFiles,
  deltaError,
  emptyLogFileActions,
  FILE_KEY_HASH_CHECK,
  parseJsonLog,
  withAddColumns,
  type AddCdcFile,
  type FileMeta,
  type JsonHandler,
  type LogFileActions,
  type PartitionValues,
  type RemoveFile,
  type StorageHandler,
} from '@loch/delta';
import { LocalStorage } from '../local-storage.js';
import type { ParseReply, ParseTask } from './parse-worker.js';
import { parsePart, pieceError, wireAdds, type WireActions } from './wire.js';

export interface JsonHandlerOptions {
  /**
   * Threads that parse large logs, the calling thread included (it parses too, between taking in
   * what the workers send back); 1 parses everything on the calling thread. Defaults to the
   * number of cores, at most 4, or 1 on two cores or fewer: there a worker only competes with the
   * calling thread and with the garbage collector's helpers (it lost time even on a 134 MB log
   * when the calling thread still built an object per add).
   */
  readonly threads?: number;
  /**
   * Below this many bytes in one call, parse on the calling thread only: starting a worker (a
   * fresh isolate that loads and warms up the parser) costs more than it saves on smaller logs.
   * Defaults to 64 MiB.
   */
  readonly parallelThreshold?: number;
  /** Size of the pieces big logs are cut into (bytes); by default about 1/16 of a thread's share, 256 KiB to 2 MiB. */
  readonly chunkSize?: number;
}

/** A piece of a log file as parsed. */
interface Parsed {
  readonly wire: WireActions;
  /** FILE_KEY_HASH_CHECK of the thread that parsed it. */
  readonly check: number;
}

type Slot = { parsed?: Parsed; error?: { line: number; message: string; code: string } };

/** Whole lines of a file: `bytes[start, end)`. */
type Part = { file: number; index: number; bytes: Uint8Array; start: number; end: number };

interface WorkerState {
  readonly worker: Worker;
  /** Tasks sent and not yet answered. */
  readonly inFlight: Set<number>;
  /** Being terminated: it holds the process open until it has exited. */
  closing?: boolean;
}

/** Bytes read past a piece's end to find the end of its last line (more is read when needed). */
const MARGIN = 64 * 1024;

/**
 * Parses JSON log files. Small logs are parsed whole with the kernel's `parseJsonLog`. Bigger ones
 * are read in pieces (byte ranges cut at line boundaries, read into a few reused buffers) and
 * parsed by `parsePiece`, which reads the common add lines straight from the bytes, keeps them as
 * columns, and hashes each file action's replay key on the way. Each file's adds come back as
 * those columns (`addColumns`; `adds` makes the objects only if read), with the hashes attached
 * for replay, which then keys 300k files without a string or an object per file. Results are the
 * same actions as `parseJsonLog`'s, error messages included.
 *
 * With `threads` > 1 and a log of `parallelThreshold` bytes or more, worker threads parse pieces
 * too: the buffers go to them without being copied, the columns come back the same way, and this
 * thread parses pieces itself whenever no worker is free to take them.
 */
export class NodeJsonHandler implements JsonHandler {
  private readonly threads: number;
  private readonly threshold: number;
  private readonly chunkSize: number | undefined;
  /** Local files: read ranges straight into reused buffers, and give those buffers to workers. */
  private readonly local: boolean;
  private workers: WorkerState[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: ParseReply) => void; reject: (e: Error) => void }>();
  private idleTimer: NodeJS.Timeout | undefined;
  /** Calls in progress that may use workers. */
  private active = 0;

  constructor(private readonly storage: StorageHandler, options: JsonHandlerOptions = {}) {
    const cores = availableParallelism();
    this.threads = Math.max(1, Math.floor(options.threads ?? (cores > 2 ? Math.min(4, cores) : 1)));
    this.threshold = options.parallelThreshold ?? 64 * 1024 * 1024;
    this.chunkSize = options.chunkSize;
    this.local = storage instanceof LocalStorage;
  }

  async readLogFiles(files: FileMeta[]): Promise<LogFileActions[]> {
    const total = files.reduce((n, f) => n + (f.size > 0 ? f.size : 0), 0);
    if (files.length === 0 || (total < SMALL && this.threshold > 0)) {
      const contents = await Promise.all(files.map((f) => this.storage.read(f.path)));
      return contents.map((bytes, i) => parseJsonLog(utf8(bytes), files[i].path));
    }
    const workers = this.threads >= 2 && total >= this.threshold ? this.threads - 1 : 0;
    if (workers === 0 && this.workers.length === 0) return this.readPieces(files, total, 0);
    // Workers (new, or idle ones from an earlier call, which are used too) are stopped a while
    // after the last call that uses them.
    this.active++;
    clearTimeout(this.idleTimer);
    try {
      return await this.readPieces(files, total, workers);
    } finally {
      if (--this.active === 0) this.scheduleShutdown();
    }
  }

  /** Stops the workers (failing any read still using them); a later call starts them again. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const ws = this.workers;
    this.workers = [];
    for (const w of ws) {
      for (const id of w.inFlight) this.fail(id, deltaError('DELTA_IO_ERROR', 'the JSON handler was closed while parsing'));
      w.inFlight.clear();
      // An unref'd worker does not keep the process alive while it terminates, and the caller
      // awaiting close() would be left pending with nothing else to run.
      w.closing = true;
      w.worker.ref();
    }
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }

  /**
   * Reads the files in pieces and parses them on this thread and on `workers` worker threads
   * (idle ones left from an earlier call are used too).
   */
  private async readPieces(files: FileMeta[], total: number, workers: number): Promise<LogFileActions[]> {
    // Start the workers first: they boot while the files are read.
    while (this.workers.length < workers) this.spawn();
    const chunk = this.chunkSize ?? Math.min(2 << 20, Math.max(256 << 10, Math.ceil(total / (this.threads * 16))));
    const root = commonTableRoot(files);
    const slots: Slot[][] = files.map(() => []);
    /** Work not yet taken: lists of parts (small files travel together). */
    const ready: Part[][] = [];
    let readsLeft = 0;
    let tasksLeft = 0;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };

    // Pieces of big files: ranges cut at about `chunk` bytes.
    const plan: { file: number; n: number }[] = [];
    let span = 0;
    files.forEach((meta, file) => {
      const n = Math.round(meta.size / chunk);
      slots[file] = Array.from({ length: Math.max(1, n) }, () => ({}));
      plan.push({ file, n });
      if (n > 1) span = Math.max(span, Math.ceil(meta.size / n) + 1 + MARGIN);
    });
    const ranges: RangeSource = this.local
      ? new LocalRanges(this.storage, span, 2 + 3 * this.workers.length)
      : { read: (p, o, l) => this.storage.readRange(p, o, l), release: () => undefined, close: async () => undefined };

    let batch: Part[] = [];
    let batchBytes = 0;
    const flushBatch = () => {
      if (batch.length > 0) ready.push(batch);
      batch = [];
      batchBytes = 0;
    };
    // Callbacks record what goes wrong in `failure` (thrown by the loop below) rather than throw.
    const guard =
      <T>(f: (x: T) => void) =>
      (x: T) => {
        try {
          f(x);
        } catch (error) {
          failure ??= { error };
        }
      };
    const read = (piece: Promise<Part>) => {
      readsLeft++;
      piece
        .then(
          guard((p: Part) => {
            if (p.end <= p.start) {
              slots[p.file][p.index] = { parsed: EMPTY };
              ranges.release(p.bytes);
            } else if (p.index > 0 || plan[p.file].n > 1) {
              ready.push([p]);
            } else {
              // A small file: batched with others, so that thousands of small commits do not
              // make thousands of messages.
              batch.push(p);
              batchBytes += p.end - p.start;
              if (batchBytes >= chunk || batch.length >= 256) flushBatch();
            }
          }),
          (error: unknown) => void (failure ??= { error }),
        )
        .finally(() => {
          if (--readsLeft === 0) flushBatch();
          notify();
        });
    };
    for (const { file, n } of plan) {
      const meta = files[file];
      if (n <= 1) {
        read(this.storage.read(meta.path).then((bytes) => ({ file, index: 0, bytes, start: 0, end: bytes.length })));
        continue;
      }
      for (let k = 0; k < n; k++) {
        const lo = Math.floor((k * meta.size) / n);
        const hi = Math.floor(((k + 1) * meta.size) / n);
        read(readPiece(ranges, meta.path, lo, hi, k === n - 1).then((r) => ({ file, index: k, ...r })));
      }
    }

    const send = (w: WorkerState, parts: Part[]) => {
      const transfer: ArrayBuffer[] = [];
      const taskParts = parts.map((p) => {
        let { bytes, start, end } = p;
        // Buffers are given away only when this handler owns them (local reads); a view of
        // 4 KiB or more is never a slice of Buffer's shared pool.
        if (this.local && bytes.byteLength >= 4096 && !transfer.includes(bytes.buffer as ArrayBuffer)) {
          transfer.push(bytes.buffer as ArrayBuffer);
        } else {
          bytes = bytes.slice(start, end);
          transfer.push(bytes.buffer as ArrayBuffer);
          end -= start;
          start = 0;
        }
        return { file: files[p.file].path, bytes, start, end };
      });
      tasksLeft++;
      this.submit(w, { id: this.nextId++, root, parts: taskParts }, transfer)
        .then(
          guard((reply: ParseReply) => {
            for (const b of reply.buffers) ranges.release(new Uint8Array(b));
            reply.results.forEach((r, i) => {
              const p = parts[i];
              slots[p.file][p.index] = 'error' in r ? { error: r.error } : { parsed: { wire: r.wire, check: reply.check } };
            });
          }),
          (error: unknown) => void (failure ??= { error }),
        )
        .finally(() => {
          tasksLeft--;
          notify();
        });
    };
    // Each worker keeps up to two pieces in hand, so that it never waits for this thread; this
    // thread parses what is left over, and takes in the workers' results as they come.
    const dispatch = () => {
      for (const limit of [1, 2]) {
        for (const w of this.workers) {
          while (ready.length > limit - 1 && w.inFlight.size < limit) send(w, ready.shift()!);
        }
      }
    };
    try {
      for (;;) {
        if (failure) throw failure.error;
        dispatch();
        const parts = ready.pop();
        if (parts) {
          for (const p of parts) {
            slots[p.file][p.index] = parseHere(files[p.file].path, p, root);
            ranges.release(p.bytes);
          }
          // Let workers' results and finished reads in before taking another piece.
          await new Promise((r) => setImmediate(r));
          continue;
        }
        if (readsLeft === 0 && tasksLeft === 0) break;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      await ranges.close();
    }

    const maps = new Map<string, PartitionValues>();
    const partitionValues = (json: string) => {
      let pv = maps.get(json);
      if (pv === undefined) maps.set(json, (pv = JSON.parse(json) as PartitionValues));
      return pv;
    };
    const out: LogFileActions[] = [];
    for (let f = 0; f < files.length; f++) {
      const pieces: Parsed[] = [];
      let linesBefore = 0;
      for (const slot of slots[f]) {
        if (slot.error) throw pieceError(files[f].path, linesBefore + slot.error.line, slot.error.message, slot.error.code);
        pieces.push(slot.parsed!);
        linesBefore += slot.parsed!.wire.newlines;
      }
      out.push(merge(files[f].path, pieces, root, partitionValues));
    }
    return out;
  }

  private submit(w: WorkerState, task: ParseTask, transfer: ArrayBuffer[]): Promise<ParseReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(task.id, { resolve, reject });
      w.inFlight.add(task.id);
      // A worker with work keeps the process alive (an idle one does not).
      w.worker.ref();
      w.worker.postMessage(task, transfer);
    });
  }

  private fail(id: number, e: Error): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.reject(e);
  }

  private spawn(): void {
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url));
    const state: WorkerState = { worker, inFlight: new Set() };
    worker.unref();
    worker.on('message', (reply: ParseReply) => {
      state.inFlight.delete(reply.id);
      if (state.inFlight.size === 0 && !state.closing) worker.unref();
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      p?.resolve(reply);
    });
    const gone = (e: Error) => {
      this.workers = this.workers.filter((x) => x !== state);
      for (const id of state.inFlight) this.fail(id, deltaError('DELTA_IO_ERROR', `log parse worker failed: ${e.message}`, e));
      state.inFlight.clear();
    };
    worker.on('error', gone);
    worker.on('exit', (code) => {
      if (this.workers.includes(state)) gone(new Error(`exited with code ${code}`));
    });
    this.workers.push(state);
  }

  /** Idle workers are stopped after a while so they hold no memory between reads. */
  private scheduleShutdown(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), 5_000);
    this.idleTimer.unref();
  }
}

/** Below this many bytes, logs are parsed whole with `parseJsonLog`; above, in pieces. */
const SMALL = 1 << 20;

/** A piece holding no line. */
const EMPTY: Parsed = {
  wire: {
    newlines: 0,
    rest: { cdcs: [], txns: [], domainMetadata: [], sidecars: [] },
    addCount: 0,
    paths: [],
    pathEnds: new Int32Array(0),
    dataChange: new Uint8Array(0),
    sizes: new Float64Array(0),
    modificationTimes: new Float64Array(0),
    partitionIndex: new Uint32Array(0),
    partitionDistinct: [],
    stats: [],
    statsEnds: new Int32Array(0),
    objects: [],
    removes: [],
  },
  check: 0,
};

/** Parses a piece on this thread, the same way a worker does. */
function parseHere(file: string, p: Part, root: string | undefined): Slot {
  const r = parsePart({ file, bytes: p.bytes, start: p.start, end: p.end }, root);
  return 'error' in r ? { error: r.error } : { parsed: { wire: r.wire, check: FILE_KEY_HASH_CHECK } };
}

/**
 * The pieces of one file, put back together as `parseJsonLog` would have returned the file, its
 * adds held in the pieces' columns (`addColumns`). `partitionValues` is shared by the files of
 * one read (see `wireAdds`).
 */
function merge(file: string, pieces: Parsed[], root: string | undefined, partitionValues: (json: string) => PartitionValues): LogFileActions {
  const out = emptyLogFileActions(file);
  const adds = concatAddFiles(pieces.map((p) => (p.wire.addCount > 0 ? wireAdds(p.wire, partitionValues) : addFileList([]))));
  const removes = pieces.length === 1 ? pieces[0].wire.removes : ([] as RemoveFile[]).concat(...pieces.map((p) => p.wire.removes));
  const cdcs: AddCdcFile[] = [];
  let hashed = root !== undefined;
  let check: number | undefined;
  for (const p of pieces) {
    const r = p.wire.rest;
    for (const t of r.txns) out.txns.push(t);
    for (const d of r.domainMetadata) out.domainMetadata.push(d);
    for (const s of r.sidecars) out.sidecars.push(s);
    for (const x of r.cdcs) cdcs.push(x);
    // parseJsonLog keeps the last of each (a valid commit has at most one).
    if (r.protocol !== undefined) out.protocol = r.protocol;
    if (r.metaData !== undefined) out.metaData = r.metaData;
    if (r.commitInfo !== undefined) out.commitInfo = r.commitInfo;
    if (r.checkpointMetadata !== undefined) out.checkpointMetadata = r.checkpointMetadata;
    if (p === EMPTY) continue;
    if (p.wire.addHashes === undefined || p.wire.removeHashes === undefined || (check !== undefined && p.check !== check)) hashed = false;
    check = p.check;
  }
  const result = withAddColumns({ ...out, removes, cdcs }, adds);
  if (hashed && check !== undefined) {
    attachFileKeyHashes(result, {
      check,
      tableRoot: root!,
      adds: concatHashes(pieces, 'addHashes', adds.length),
      removes: concatHashes(pieces, 'removeHashes', removes.length),
    });
  }
  return result;
}

function concatHashes(pieces: Parsed[], which: 'addHashes' | 'removeHashes', n: number): Int32Array {
  if (pieces.length === 1 && pieces[0].wire[which]?.length === n) return pieces[0].wire[which]!;
  const out = new Int32Array(n);
  let at = 0;
  for (const p of pieces) {
    const h = p.wire[which];
    if (h) {
      out.set(h, at);
      at += h.length;
    }
  }
  return out;
}

/**
 * The table root of log files `<root>_delta_log/<name>` (all of one table), against which
 * workers make paths canonical; undefined when the files do not share one.
 */
function commonTableRoot(files: FileMeta[]): string | undefined {
  let root: string | undefined;
  for (const f of files) {
    const i = f.path.lastIndexOf('/_delta_log/');
    if (i < 0 || f.path.indexOf('/', i + '/_delta_log/'.length) >= 0) return undefined;
    const r = f.path.slice(0, i + 1);
    if (root !== undefined && r !== root) return undefined;
    root = r;
  }
  return root;
}

/** Where the pieces' bytes come from. */
interface RangeSource {
  /** `length` bytes of the file from `offset`; fewer at its end. `spare`: not into a reused buffer. */
  read(path: string, offset: number, length: number, spare?: boolean): Promise<Uint8Array>;
  /** Bytes from `read` that are no longer needed. */
  release(bytes: Uint8Array): void;
  close(): Promise<void>;
}

/**
 * Ranges of local files, read into a few buffers that are used again once their piece is
 * parsed: fresh memory is far from free (every page faults in), and a log read whole would
 * take as much of it as the log is big. Any failure is retried through the storage, which
 * reports it in its own terms.
 */
class LocalRanges implements RangeSource {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((b: Buffer) => void)[] = [];
  private allocated = 0;
  private readonly handles = new Map<string, Promise<FileHandle>>();
  /** Reads still in progress when their call failed end after close(): they open no handle. */
  private closed = false;

  constructor(
    private readonly storage: StorageHandler,
    private readonly size: number,
    private readonly max: number,
  ) {}

  async read(path: string, offset: number, length: number, spare = false): Promise<Uint8Array> {
    // Reads past a piece's margin (rare: lines longer than it) must not wait for a buffer that
    // another such read holds.
    if (spare || length > this.size || this.closed) return this.storage.readRange(path, offset, length);
    const buf = await this.take();
    if (this.closed) {
      this.release(buf);
      return this.storage.readRange(path, offset, length);
    }
    try {
      let handle = this.handles.get(path);
      if (!handle) {
        handle = open(fileURLToPath(path), 'r');
        this.handles.set(path, handle);
      }
      const { bytesRead } = await (await handle).read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } catch {
      this.release(buf);
      return this.storage.readRange(path, offset, length);
    }
  }

  release(bytes: Uint8Array): void {
    // Every buffer of this size is one of ours (or a copy made for a worker, ours as well).
    if (bytes.buffer.byteLength !== this.size) return;
    const buf = Buffer.from(bytes.buffer, 0, this.size);
    const next = this.waiting.shift();
    if (next) next(buf);
    else this.free.push(buf);
  }

  async close(): Promise<void> {
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.then((f) => f.close()).catch(() => undefined)));
  }

  private take(): Promise<Buffer> {
    const buf = this.free.pop();
    if (buf) return Promise.resolve(buf);
    if (this.allocated < this.max) {
      this.allocated++;
      return Promise.resolve(Buffer.allocUnsafeSlow(this.size));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * Reads the piece of a file that holds the lines starting in [lo, hi): from the byte before `lo`
 * (to see whether a line starts at `lo`) to past `hi`, far enough to hold the end of the line
 * that starts last before `hi`. The last piece takes everything to the end of the file.
 */
async function readPiece(
  ranges: RangeSource,
  path: string,
  lo: number,
  hi: number,
  last: boolean,
): Promise<{ bytes: Uint8Array; start: number; end: number }> {
  const from = lo === 0 ? 0 : lo - 1;
  let want = hi - from + MARGIN;
  let bytes = await ranges.read(path, from, want);
  let eof = bytes.length < want;
  const more = async () => {
    want = Math.max(MARGIN, bytes.length);
    const extra = await ranges.read(path, from + bytes.length, want, true);
    eof = extra.length < want;
    const joined = new Uint8Array(bytes.length + extra.length);
    joined.set(bytes);
    joined.set(extra, bytes.length);
    ranges.release(bytes);
    bytes = joined;
  };
  let start = 0;
  if (lo > 0) {
    // A line starts at p when byte p - 1 is '\n'; the first such p in [lo, hi).
    const q = indexOfNewline(bytes, 0);
    if (q < 0 || q >= hi - 1 - from) return { bytes, start: 0, end: 0 };
    start = q + 1;
  }
  if (last) {
    while (!eof) await more();
    return { bytes, start, end: bytes.length };
  }
  let searched = hi - 1 - from;
  for (;;) {
    const q = indexOfNewline(bytes, searched);
    if (q >= 0) return { bytes, start, end: q + 1 };
    if (eof) return { bytes, start, end: bytes.length };
    searched = bytes.length;
    await more();
  }
}

function indexOfNewline(bytes: Uint8Array, from: number): number {
  if (from >= bytes.length) return -1;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(10, from);
}

/** Buffer's decoder is several times faster than TextDecoder for the mostly-ASCII log. */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}
