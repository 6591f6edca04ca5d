import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import type { FunctionRef } from './types.js';
import { MessageChannel } from 'node:worker_threads';
import { PARTITION_END, type GroupFailure, type GroupsTask, type PartitionOutcome, type PartitionTask, type WorkerTask } from './worker.js';
import type { WorkerInput } from './worker-input.js';
import { unpackStreams } from './ipc-pack.js';

/**
 * Workers for a query: the setting's count, else one per core but the calling thread's when it
 * reads the input (`callerReads`), one per core when the workers read it themselves.
 */
export function workerCount(setting: string | undefined, callerReads = true): number {
  const n = setting === undefined ? availableParallelism() - (callerReads ? 1 : 0) : Number(setting);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Worker threads that run a module's function on Arrow tables (a grouped map's groups, many per
 * task). A function reaches a worker by module path and export name; its tables travel as Arrow
 * IPC buffers moved between threads. One pool serves one query and is closed after it.
 */
export class FunctionPool {
  private readonly pool: Piscina;

  constructor(
    private readonly ref: FunctionRef,
    readonly size: number,
  ) {
    this.pool = new Piscina({ filename: new URL('./worker.js', import.meta.url).href, minThreads: size, maxThreads: size, idleTimeout: 1000 });
  }

  async run(tables: readonly Table[]): Promise<Table> {
    const bytes = tables.map((t) => tableToIPC(t));
    const task: WorkerTask = { module: this.ref.module, export: this.ref.export ?? 'default', tables: bytes };
    const out = (await this.pool.run(task, { transferList: bytes.map((b) => b.buffer as ArrayBuffer) })) as Uint8Array;
    return tableFromIPC(out);
  }

  /**
   * The function over each group of a run (see GroupsTask): the run's rows cross as one IPC
   * stream, moved, and the results come back the same way. A failure names the group's index.
   */
  async runGroups(rows: Table, starts: Int32Array): Promise<Table[] | GroupFailure> {
    const bytes = tableToIPC(rows);
    const task: GroupsTask = { kind: 'groups', module: this.ref.module, export: this.ref.export ?? 'default', rows: bytes, starts };
    const out = (await this.pool.run(task, { transferList: [bytes.buffer as ArrayBuffer, starts.buffer as ArrayBuffer] })) as Uint8Array | GroupFailure;
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
    const outcome = (this.pool.run(task, { transferList: [port2] }) as Promise<PartitionOutcome>).then(
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

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
