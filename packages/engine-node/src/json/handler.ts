import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DeltaError, deltaError, parseJsonLog, type DeltaErrorCode, type FileMeta, type JsonHandler, type LogFileActions, type StorageHandler } from '@loch/delta';
import type { ParseTask } from './parse-worker.js';
import { decodeWire, mergeChunks, type WireActions } from './wire.js';

export interface JsonHandlerOptions {
  /** Parse threads for large logs; defaults to the number of cores (at most 4). */
  readonly threads?: number;
  /** Below this many bytes in one call, parse on the calling thread: a worker's start-up costs more. */
  readonly parallelThreshold?: number;
}

type Reply = { id: number; wire?: WireActions; error?: { message: string; code?: string } };

/**
 * Parses JSON log files, spreading big ones across worker threads: the log is cut into chunks at
 * line boundaries, each worker parses its chunks, and the pieces are put back in file order.
 */
export class NodeJsonHandler implements JsonHandler {
  private readonly threads: number;
  private readonly threshold: number;
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (w: WireActions) => void; reject: (e: Error) => void }>();
  private queue: { task: ParseTask }[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly storage: StorageHandler, options: JsonHandlerOptions = {}) {
    this.threads = Math.max(1, options.threads ?? Math.min(4, availableParallelism()));
    this.threshold = options.parallelThreshold ?? 8 * 1024 * 1024;
  }

  async readLogFiles(files: FileMeta[]): Promise<LogFileActions[]> {
    const contents = await Promise.all(files.map((f) => this.storage.read(f.path)));
    const total = contents.reduce((n, b) => n + b.length, 0);
    if (this.threads < 2 || total < this.threshold) {
      return contents.map((bytes, i) => parseJsonLog(utf8(bytes), files[i].path));
    }
    // Workers and this thread share one queue of chunks; this thread parses chunks itself rather
    // than wait idle, and its results skip the trip through the wire format.
    const chunkSize = Math.max(1 << 20, Math.ceil(total / (this.threads * 3)));
    type Job = { file: number; index: number; bytes: Uint8Array; offset: number; result?: Promise<LogFileActions> | LogFileActions };
    const jobs: Job[] = [];
    const perFile: Job[][] = contents.map((bytes, file) =>
      splitLines(bytes, chunkSize).map((c, index) => {
        const job: Job = { file, index, bytes: c.bytes, offset: c.offset };
        jobs.push(job);
        return job;
      }),
    );
    // Big chunks first, so the last ones to finish are small.
    const queue = [...jobs].sort((a, b) => b.bytes.length - a.bytes.length);
    const workerCount = Math.min(this.threads - 1, Math.max(0, queue.length - 1));
    for (let i = 0; i < workerCount && queue.length > 0; i++) {
      const job = queue.pop()!;
      job.result = this.parseInWorker(files[job.file].path, job.bytes).then(decodeWire);
    }
    while (queue.length > 0) {
      const job = queue.shift()!;
      if (this.idle.length > 0 || this.queue.length === 0 && this.workers.length < workerCount) {
        job.result = this.parseInWorker(files[job.file].path, job.bytes).then(decodeWire);
        continue;
      }
      job.result = parseJsonLog(utf8(job.bytes), files[job.file].path);
      // Let finished workers report and take the next chunk before this thread takes another.
      await new Promise((r) => setImmediate(r));
    }
    const out: LogFileActions[] = [];
    for (let f = 0; f < perFile.length; f++) {
      const chunks: LogFileActions[] = [];
      for (const job of perFile[f]) {
        try {
          chunks.push(await job.result!);
        } catch (e) {
          throw withAbsoluteLine(e, contents[f], job.offset);
        }
      }
      out.push(mergeChunks(files[f].path, chunks));
    }
    this.scheduleShutdown();
    return out;
  }

  /** Stops the workers; a later call starts them again. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const ws = this.workers;
    this.workers = [];
    this.idle = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private parseInWorker(file: string, bytes: Uint8Array): Promise<WireActions> {
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ task: { id, file, bytes } });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.workers.length < this.threads) w = this.spawn();
      if (!w) return;
      const { task } = this.queue.shift()!;
      w.postMessage(task, [task.bytes.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./parse-worker.js', import.meta.url));
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      this.idle.push(w);
      if (p) {
        if (reply.error) p.reject(new DeltaError((reply.error.code as DeltaErrorCode) ?? 'DELTA_CORRUPT_LOG', reply.error.message));
        else p.resolve(reply.wire!);
      }
      this.pump();
    });
    w.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(deltaError('DELTA_IO_ERROR', `log parse worker failed: ${e.message}`, e));
      this.pending.clear();
      this.workers = this.workers.filter((x) => x !== w);
      this.idle = this.idle.filter((x) => x !== w);
    });
    this.workers.push(w);
    return w;
  }

  /** Idle workers are stopped after a while so they hold no memory between reads. */
  private scheduleShutdown(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), 5_000);
    this.idleTimer.unref();
  }
}

/**
 * Cuts a file into pieces of about `size` bytes that end at line ends. Each piece is copied into
 * its own buffer so it can be transferred to a worker without copying again.
 */
function splitLines(bytes: Uint8Array, size: number): { offset: number; bytes: Uint8Array }[] {
  const out: { offset: number; bytes: Uint8Array }[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let start = 0;
  while (start < buf.length) {
    let end = Math.min(buf.length, start + size);
    if (end < buf.length) {
      const nl = buf.indexOf(10, end);
      end = nl < 0 ? buf.length : nl + 1;
    }
    out.push({ offset: start, bytes: Uint8Array.prototype.slice.call(bytes, start, end) });
    start = end;
  }
  return out;
}

/** Buffer's decoder is several times faster than TextDecoder for the mostly-ASCII log. */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

/** Errors from a chunk number lines from the chunk's start; count the lines before it. */
function withAbsoluteLine(e: unknown, file: Uint8Array, offset: number): unknown {
  if (!(e instanceof Error) || offset === 0) return e;
  let before = 0;
  for (let i = 0; i < offset; i++) if (file[i] === 10) before++;
  e.message = e.message.replace(/ line (\d+):/, (_m, n: string) => ` line ${Number(n) + before}:`);
  return e;
}
