/**
 * A worker thread of the function pool (see pool.ts): loads the user's module once, then runs
 * its exported function on the Arrow tables it is sent (as Arrow IPC buffers, moved, not copied,
 * between threads) and sends the result table back the same way.
 */
import { RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { move } from 'piscina';

/** One call: the function, by module and export name, and its argument tables. */
export interface WorkerTask {
  readonly module: string;
  readonly export: string;
  readonly tables: readonly Uint8Array[];
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

export default async function run(task: WorkerTask): Promise<unknown> {
  const fn = await load(task.module, task.export);
  const out = await fn(...task.tables.map((b) => tableFromIPC(b)));
  const table = out instanceof RecordBatch ? new Table(out) : out;
  if (!(table instanceof Table)) throw new TypeError(`returned ${out === null ? 'null' : typeof out === 'object' ? (out as object).constructor?.name : typeof out}; expected an Arrow Table or RecordBatch`);
  const bytes = tableToIPC(table);
  return move(bytes);
}
