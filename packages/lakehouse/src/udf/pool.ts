import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import type { FunctionRef } from './types.js';
import { MessageChannel } from 'node:worker_threads';
import { PARTITION_END, type GroupFailure, type GroupsTask, type PartitionOutcome, type PartitionTask, type WorkerTask } from './worker.js';
import type { WorkerInput } from './worker-input.js';
import { unpackStreams } from './ipc-pack.js';
import { moduleUrl } from './module-url.js';

/**
 * Workers for a query: the setting's count, else one per core but the calling thread's when it
 * reads the input (`callerReads`), one per core when the workers read it themselves.
 */
export function workerCount(setting: string | undefined, callerReads = true): number {
  const n = setting === undefined ? availableParallelism() - (callerReads ? 1 : 0) : Number(setting);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** A pool for a query's function by module (resolved as module-url.ts resolves it), sized by workerCount. */
export function functionPool(ref: FunctionRef, workers: number | undefined, callerReads = true): FunctionPool {
  return new FunctionPool({ ...ref, module: moduleUrl(ref.module) }, workerCount(workers === undefined ? undefined : String(workers), callerReads));
}

/** How long a pool's threads outlive the last query that used them, warm for the next. */
const IDLE_MS = 30_000;

/**
 * The process's worker threads, a set per pool size, shared by the queries that use them and
 * kept for IDLE_MS after the last one: a worker thread's start (its imports, the user's module,
 * JIT-compiling Arrow's code paths) costs a few hundred milliseconds, as much as a grouped map's
 * share of its work, so queries reuse warm threads as Spark's executors reuse their Python
 * workers. A module is loaded once per thread (a changed module is seen once the threads go).
 */
class SharedThreads {
  private static readonly bySize = new Map<number, SharedThreads>();
  private users = 0;
  private idle: NodeJS.Timeout | undefined;

  private constructor(
    readonly size: number,
    readonly piscina: Piscina,
  ) {}

  /** The threads of pool size `size`, started (all of them) if there were none. */
  static acquire(size: number): SharedThreads {
    let threads = SharedThreads.bySize.get(size);
    if (!threads) {
      // Idle threads do not keep the process alive (Piscina unrefs them).
      const piscina = new Piscina({ filename: new URL('./worker.js', import.meta.url).href, minThreads: size, maxThreads: size });
      threads = new SharedThreads(size, piscina);
      SharedThreads.bySize.set(size, threads);
    }
    clearTimeout(threads.idle);
    threads.users++;
    return threads;
  }

  /** A query is done with the threads: they go once none has used them for IDLE_MS. */
  release(): void {
    if (--this.users > 0) return;
    this.idle = setTimeout(() => {
      SharedThreads.bySize.delete(this.size);
      // Nothing waits on the threads now: a failure to stop one has no one to tell.
      this.piscina.destroy().catch(() => undefined);
    }, IDLE_MS);
    this.idle.unref();
  }
}

/**
 * Worker threads that run a module's function on Arrow tables (a grouped map's groups, many per
 * task). A function reaches a worker by module path and export name; its tables travel as Arrow
 * IPC buffers moved between threads. A query's pool is the process's shared threads of its size
 * (SharedThreads), let go when the query closes it.
 */
export class FunctionPool {
  private readonly threads: SharedThreads;
  private closed = false;

  constructor(
    private readonly ref: FunctionRef,
    readonly size: number,
  ) {
    this.threads = SharedThreads.acquire(size);
  }

  async run(tables: readonly Table[]): Promise<Table> {
    const bytes = tables.map((t) => tableToIPC(t));
    const task: WorkerTask = { module: this.ref.module, export: this.ref.export ?? 'default', tables: bytes };
    const out = (await this.threads.piscina.run(task, { transferList: bytes.map((b) => b.buffer as ArrayBuffer) })) as Uint8Array;
    return tableFromIPC(out);
  }

  /**
   * The function over each group of a run (see GroupsTask): the run's rows cross as one IPC
   * stream, moved, and the results come back the same way. A failure names the group's index.
   */
  async runGroups(rows: Table, starts: Int32Array): Promise<Table[] | GroupFailure> {
    const bytes = tableToIPC(rows);
    const task: GroupsTask = { kind: 'groups', module: this.ref.module, export: this.ref.export ?? 'default', rows: bytes, starts };
    const out = (await this.threads.piscina.run(task, { transferList: [bytes.buffer as ArrayBuffer, starts.buffer as ArrayBuffer] })) as Uint8Array | GroupFailure;
    return out instanceof Uint8Array ? unpackStreams(out).map((s) => tableFromIPC(s)) : out;
  }

  /**
   * A grouped map over a share of its input that a worker reads itself (see PartitionTask):
   * `results` gets each packed message of results as it comes, and the outcome comes once the
   * last did. `stop` asks the worker to stop reading.
   */
  runPartition(input: WorkerInput, keys: readonly string[], results: (packed: Uint8Array) => void): { readonly outcome: Promise<PartitionOutcome>; stop(): void } {
    const { port1, port2 } = new MessageChannel();
    const ended = new Promise<void>((resolve) => {
      port1.on('message', (m: Uint8Array | typeof PARTITION_END) => {
        if (m === PARTITION_END) {
          port1.close();
          resolve();
        } else results(m);
      });
    });
    const task: PartitionTask = { kind: 'partition', module: this.ref.module, export: this.ref.export ?? 'default', ...input, keys, port: port2 };
    const outcome = (this.threads.piscina.run(task, { transferList: [port2] }) as Promise<PartitionOutcome>).then(
      async (o) => {
        await ended;
        return o;
      },
      (e: unknown) => {
        port1.close();
        throw e;
      },
    );
    return { outcome, stop: () => port1.postMessage('stop') };
  }

  /** Lets the threads go (they stay a while for the next query: see SharedThreads). */
  close(): void {
    if (!this.closed) this.threads.release();
    this.closed = true;
  }
}
