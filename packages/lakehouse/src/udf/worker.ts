/**
 * A worker thread of the function pool (see pool.ts): loads the user's module once, then runs
 * its exported function on the Arrow tables it is sent (as Arrow IPC buffers, moved, not copied,
 * between threads) and sends the result table back the same way; or, for a grouped map whose
 * workers read their own shares of the input, reads its share from a DuckDB database of its own
 * and sends each run of groups' results back as they are made.
 */
import { RecordBatch, Table, tableFromIPC, tableToIPC, util } from 'apache-arrow';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { move } from 'piscina';
import { packStreams } from './ipc-pack.js';
import { groupNamed } from './grouped-input.js';
import type { WorkerInput } from './worker-input.js';
import type { MessagePort } from 'node:worker_threads';

/** One call: the function, by module and export name, and its argument tables. */
export interface WorkerTask {
  readonly kind?: 'call';
  readonly module: string;
  readonly export: string;
  readonly tables: readonly Uint8Array[];
}

/**
 * The function over a run of consecutive groups (a grouped map): their rows as one Arrow IPC
 * stream, group `i` being rows `starts[i]` to `starts[i + 1]`. The answer: the results, in group
 * order, as packed IPC streams (see ipc-pack.ts), or the group that failed and why.
 */
export interface GroupsTask {
  readonly kind: 'groups';
  readonly module: string;
  readonly export: string;
  readonly rows: Uint8Array;
  readonly starts: Int32Array;
}

/** A group's failure: which group of the run, and the function's message. */
export interface GroupFailure {
  readonly failed: number;
  readonly message: string;
}

/**
 * A grouped map over a share of its input that the worker reads itself (partitioned-input.ts):
 * its groups' results go back over `port` as they are made, runs of groups at a time (packed
 * IPC streams, moved), then PARTITION_END; a message on `port` from the caller stops the read.
 */
export interface PartitionTask extends WorkerInput {
  readonly kind: 'partition';
  readonly module: string;
  readonly export: string;
  /** The grouping's keys' names, for messages. */
  readonly keys: readonly string[];
  readonly port: MessagePort;
}

/** The last message of a PartitionTask's port. */
export const PARTITION_END = 'end';

/** How a PartitionTask ended: done, the function failed on a group, or reading the input failed. */
export type PartitionOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly message: string; readonly where: string }
  | { readonly kind: 'input'; readonly message: string };

const loaded = new Map<string, Promise<(...tables: Table[]) => unknown>>();

function load(module: string, name: string): Promise<(...tables: Table[]) => unknown> {
  const key = `${module}#${name}`;
  let f = loaded.get(key);
  if (!f) {
    f = import(isAbsolute(module) ? pathToFileURL(module).href : module).then((m: Record<string, unknown>) => {
      const fn = m[name];
      if (typeof fn !== 'function') throw new Error(`${module} has no exported function '${name}'`);
      return fn as (...tables: Table[]) => unknown;
    });
    loaded.set(key, f);
  }
  return f;
}

export default async function run(task: WorkerTask | GroupsTask | PartitionTask): Promise<unknown> {
  const fn = await load(task.module, task.export);
  if (task.kind === 'groups') {
    const out = await callGroups(fn, tableFromIPC(task.rows), task.starts);
    return out instanceof Uint8Array ? move(out) : out;
  }
  if (task.kind === 'partition') return runPartition(fn, task);
  const table = asTable(await fn(...task.tables.map((b) => tableFromIPC(b))));
  return move(tableToIPC(table));
}

async function runPartition(fn: (...tables: Table[]) => unknown, task: PartitionTask): Promise<PartitionOutcome> {
  const { withWorkerInput, InputError } = await import('./worker-input.js');
  let stopped = false;
  task.port.on('message', () => (stopped = true));
  try {
    return await withWorkerInput(task, async (runs) => {
      for await (const run of runs) {
        if (stopped) break;
        const out = await callGroups(fn, run.table, run.starts);
        if (!(out instanceof Uint8Array)) {
          const group = run.table.slice(run.starts[out.failed], run.starts[out.failed + 1]);
          return { kind: 'failed', message: out.message, where: groupNamed(group, task.keys) };
        }
        task.port.postMessage(out, [out.buffer as ArrayBuffer]);
      }
      return { kind: 'done' };
    });
  } catch (e) {
    if (e instanceof InputError) return { kind: 'input', message: e.message };
    throw e;
  } finally {
    task.port.postMessage(PARTITION_END);
    task.port.close();
  }
}

/** The function over each group of a run (group `i`: rows `starts[i]` to `starts[i + 1]`): their results packed, or the group that failed. */
async function callGroups(fn: (...tables: Table[]) => unknown, rows: Table, starts: Int32Array): Promise<Uint8Array | GroupFailure> {
  const results: Table[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    try {
      results.push(asTable(await fn(rows.slice(starts[i], starts[i + 1]))));
    } catch (e) {
      return { failed: i, message: e instanceof Error ? e.message : String(e) } satisfies GroupFailure;
    }
  }
  // Results of one schema (the usual case) go back as one stream; others each as its own.
  const first = results[0]?.schema;
  const same = results.every((t) => t.schema === first || util.compareSchemas(t.schema, first));
  // Arrow cannot put an empty batch in a table beside others (it loses its columns).
  const batches = results.flatMap((t) => t.batches).filter((b) => b.numRows > 0);
  const streams = !same ? results.map((t) => tableToIPC(t)) : batches.length > 0 ? [tableToIPC(new Table(batches))] : [];
  return packStreams(streams);
}

function asTable(out: unknown): Table {
  const table = out instanceof RecordBatch ? new Table(out) : out;
  if (!(table instanceof Table)) throw new TypeError(`returned ${out === null ? 'null' : typeof out === 'object' ? (out as object).constructor?.name : typeof out}; expected an Arrow Table or RecordBatch`);
  return table;
}
