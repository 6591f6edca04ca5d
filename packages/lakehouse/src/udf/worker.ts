/**
 * A worker thread of the function pool (see pool.ts): loads the user's module once, then runs
 * its exported function on the Arrow tables it is sent (as Arrow IPC buffers, moved, not copied,
 * between threads) and sends the result table back the same way.
 */
import { RecordBatch, Table, tableFromIPC, tableToIPC, util } from 'apache-arrow';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { move } from 'piscina';
import { packStreams } from './ipc-pack.js';

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

export default async function run(task: WorkerTask | GroupsTask): Promise<unknown> {
  const fn = await load(task.module, task.export);
  if (task.kind === 'groups') return runGroups(fn, task);
  const table = asTable(await fn(...task.tables.map((b) => tableFromIPC(b))));
  return move(tableToIPC(table));
}

async function runGroups(fn: (...tables: Table[]) => unknown, task: GroupsTask): Promise<unknown> {
  const rows = tableFromIPC(task.rows);
  const results: Table[] = [];
  for (let i = 0; i + 1 < task.starts.length; i++) {
    try {
      results.push(asTable(await fn(rows.slice(task.starts[i], task.starts[i + 1]))));
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
  return move(packStreams(streams));
}

function asTable(out: unknown): Table {
  const table = out instanceof RecordBatch ? new Table(out) : out;
  if (!(table instanceof Table)) throw new TypeError(`returned ${out === null ? 'null' : typeof out === 'object' ? (out as object).constructor?.name : typeof out}; expected an Arrow Table or RecordBatch`);
  return table;
}
