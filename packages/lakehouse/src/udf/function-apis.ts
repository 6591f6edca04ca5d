/**
 * The function APIs over a frame's Arrow batches: mapInArrow (batches -> batches), grouped map
 * (`groupBy(keys).applyInArrow`: a group's table -> a table) and co-grouped map (two frames'
 * groups with the same key -> a table). They run in Node over the input frames' record batches
 * as DuckDB streams them, and put what the function returns in a ResultTable that the rest of
 * the frame's query reads. This module loads Apache Arrow; DataFrame imports it only when a frame
 * uses one of these.
 */
import type { DuckDBDataChunk } from '@duckdb/node-api';
import type { StructType } from '@loch/delta';
import { RecordBatch, Table, tableFromIPC } from 'apache-arrow';
import { SqlError } from '../sql/errors.js';
import { ResultTable } from './result-table.js';
import { RUN_ROWS, groupNamed, groupRuns, groupedSql, keyedSql, listedSql, type GroupRun } from './grouped-input.js';
import { groupRunsOf } from './group-lists.js';
import { splitInput, workerReadable, type PartitionedInput, type PlannedQuery } from './partitioned-input.js';
import { unpackStreams } from './ipc-pack.js';
import type { FunctionPool } from './pool.js';
import { totalmem } from 'node:os';
import type { CoGroupedMapFunction, FunctionRef, GroupedMapFunction, MapInArrowFunction } from './types.js';
import { moduleUrl } from './module-url.js';

/** A function API as a frame records it (its inputs are the frame's children). */
export type FunctionApi = (
  | { readonly kind: 'mapInArrow'; readonly fn: MapInArrowFunction | FunctionRef }
  | { readonly kind: 'applyInArrow'; readonly keys: readonly string[]; readonly fn: GroupedMapFunction | FunctionRef }
  | { readonly kind: 'cogroup'; readonly keys: readonly string[]; readonly otherKeys: readonly string[]; readonly fn: CoGroupedMapFunction | FunctionRef }
) & {
  readonly schema: StructType;
  readonly workers?: number;
  /** The most rows of a batch mapInArrow's function is handed (grouped maps get each group whole, as in Spark). */
  readonly maxRecordsPerBatch?: number;
};

/** A function's name for messages. */
const nameOf = (fn: Function | FunctionRef) => (typeof fn === 'function' ? fn.name || '(anonymous)' : `${fn.module}#${fn.export ?? 'default'}`);

/** How the function APIs read their input frames (through the frame's lake and conf). */
export interface FrameReader {
  /** A query's rows as Arrow record batches, as DuckDB produces them. */
  batches(sql: string): AsyncIterable<RecordBatch>;
  /** A query's rows as DuckDB's data chunks, as DuckDB produces them. */
  chunks(sql: string): AsyncIterable<DuckDBDataChunk>;
  /** A query's columns as an empty table. */
  empty(sql: string): Promise<Table>;
  /** A query as the DuckDB SQL it runs as (undefined when it cannot be told), for workers that read it themselves. */
  plan(sql: string): Promise<PlannedQuery | undefined>;
}

const GROUP = '__loch_group';

/** Runs `api` over its inputs' SQL (one; two for cogroup) and returns the table holding its result. */
export async function runFunctionApi(api: FunctionApi, inputs: readonly string[], reader: FrameReader): Promise<ResultTable> {
  const what = `${api.kind === 'cogroup' ? 'cogroup applyInArrow' : api.kind} function ${nameOf(api.fn)}`;
  if (api.kind === 'applyInArrow' && typeof api.fn !== 'function') {
    const done = await partitionedGroupedMap({ ...api, fn: api.fn }, inputs[0], reader, what);
    if (done) return done;
  }
  return filled(api.schema, what, async (out) => {
    switch (api.kind) {
      case 'mapInArrow':
        return mapInArrow(api.fn, bounded(reader.batches(inputs[0]), api.maxRecordsPerBatch ?? Infinity), out, what);
      case 'applyInArrow':
        return groupedMap(api, inputs[0], reader, out, what);
      case 'cogroup':
        return coGroupedMap(api, inputs, reader, out, what);
    }
  });
}

/** A result table `fill` writes, made readable once it returns; dropped (nothing left) when it throws. */
async function filled(schema: StructType, what: string, fill: (out: ResultTable) => Promise<void>): Promise<ResultTable> {
  const out = await ResultTable.create(schema, what);
  try {
    await fill(out);
    out.finish();
    return out;
  } catch (e) {
    await out.drop();
    throw e;
  }
}

/** Why a partitioned grouped map gave up: a worker could not read its share (the calling thread reads the input instead). */
class ReadElsewhere extends Error {}

/**
 * A grouped map whose workers read their own shares of the input (partitioned-input.ts), their
 * results written in share order (key order); undefined when the input cannot be read that way
 * or a worker failed to read it: then the calling thread reads it (and reports what failed).
 */
async function partitionedGroupedMap(api: Extract<FunctionApi, { kind: 'applyInArrow' }> & { fn: FunctionRef }, input: string, reader: FrameReader, what: string): Promise<ResultTable | undefined> {
  const { functionPool } = await import('./pool.js');
  const readable = await workerReadable(await reader.plan(keyedSql(input, api.keys)), api.keys.length);
  if (!readable) return undefined;
  // The workers start while the input is split.
  const pool = functionPool(api.fn, api.workers, false);
  try {
    const shares = await splitInput(readable, pool.size);
    return await filled(api.schema, what, (out) => readShares(pool, shares, api.keys, out, what));
  } catch (e) {
    if (e instanceof ReadElsewhere) return undefined;
    throw e;
  } finally {
    pool.close();
  }
}

/**
 * Runs each share on a worker of `pool`, appending results in share order: a share's results
 * wait until those of the shares before it are written. The first failure stops every worker.
 */
async function readShares(pool: FunctionPool, input: PartitionedInput, keys: readonly string[], out: ResultTable, what: string): Promise<void> {
  const n = input.shares.length;
  const waiting = input.shares.map(() => [] as Uint8Array[]);
  const finished = input.shares.map(() => false);
  let current = 0;
  let failure: unknown;
  const stops: (() => void)[] = [];
  const fail = (e: unknown) => {
    failure ??= e;
    stops.forEach((stop) => stop());
  };
  const write = () => {
    try {
      while (current < n && failure === undefined) {
        for (const packed of waiting[current].splice(0)) for (const s of unpackStreams(packed)) out.append(tableFromIPC(s));
        if (!finished[current]) return;
        current++;
      }
    } catch (e) {
      fail(e);
    }
  };
  // Each worker gets its share of what DuckDB takes by default (80% of memory), the calling
  // thread's one share too; its database half of it, as the worker's JS holds a copy of each
  // result chunk (up to 2,048 whole groups) beside what DuckDB holds.
  const memoryLimit = `${Math.max(256, Math.floor((totalmem() * 0.4) / 2 ** 20 / (n + 1)))}MB`;
  const outcomes = input.shares.map((share, i) => {
    const read = { ...share, columns: input.columns, keyCount: keys.length, settings: input.settings, threads: 1, memoryLimit };
    const run = pool.runPartition(read, keys, (packed) => {
      waiting[i].push(packed);
      if (i === current) write();
    });
    stops.push(run.stop);
    return run.outcome;
  });
  await Promise.all(
    outcomes.map(async (outcome, i) => {
      const o = await outcome.catch((e: unknown) => ({ kind: 'failed', message: e instanceof Error ? e.message : String(e), where: '' }) as const);
      if (o.kind === 'failed') fail(failed(new Error(o.message), what, o.where));
      else if (o.kind === 'input') fail(new ReadElsewhere(o.message));
      finished[i] = true;
      write();
    }),
  );
  if (failure !== undefined) throw failure;
}

/** A function's own failure as LOCH_UDF_FAILED naming it (coded errors pass as they are). */
function failed(e: unknown, what: string, where = ''): unknown {
  if (e instanceof SqlError) return e;
  return new SqlError('LOCH_UDF_FAILED', `${what} failed${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Batches of at most `max` rows: larger ones cut into slices (no copy). */
async function* bounded(batches: AsyncIterable<RecordBatch>, max: number): AsyncGenerator<RecordBatch> {
  for await (const b of batches) {
    if (b.numRows <= max) yield b;
    else for (let start = 0; start < b.numRows; start += max) yield b.slice(start, Math.min(b.numRows, start + max));
  }
}

async function mapInArrow(given: MapInArrowFunction | FunctionRef, input: AsyncIterable<RecordBatch>, out: ResultTable, what: string): Promise<void> {
  try {
    // mapInArrow streams through one function: a module's runs on the calling thread.
    const fn = typeof given === 'function' ? given : ((await importRef(given)) as MapInArrowFunction);
    for await (const result of fn(input)) out.append(result);
  } catch (e) {
    throw failed(e, what);
  }
}

/**
 * A grouped map read on the calling thread: DuckDB groups the rows in key order and runs of
 * consecutive groups are cut from its chunks (see groupsOf); the function gets each group, on
 * workers a run per task (one message each way); results are kept in group order.
 */
async function groupedMap(api: Extract<FunctionApi, { kind: 'applyInArrow' }>, input: string, reader: FrameReader, out: ResultTable, what: string): Promise<void> {
  const runs = await groupsOf(input, api.keys, reader);
  const fn = api.fn;
  if (typeof fn === 'function') {
    for await (const run of runs) {
      for (let i = 0; i + 1 < run.starts.length; i++) {
        const group = run.table.slice(run.starts[i], run.starts[i + 1]);
        out.append(await call(async () => fn(group), what, group, api.keys));
      }
    }
    return;
  }
  const { functionPool } = await import('./pool.js');
  const pool = functionPool(fn, api.workers);
  try {
    async function* calls() {
      for await (const run of runs) {
        yield async () => {
          const results = await pool.runGroups(run.table, run.starts.slice()).catch((e: unknown) => {
            throw failed(e, what);
          });
          if (!Array.isArray(results)) {
            const group = run.table.slice(run.starts[results.failed], run.starts[results.failed + 1]);
            throw failed(new Error(results.message), what, groupNamed(group, api.keys));
          }
          return results;
        };
      }
    }
    await ordered(calls(), pool.size * 2, (tables) => tables.forEach((t) => out.append(t)));
  } finally {
    pool.close();
  }
}

/** A grouped map's input read on the calling thread as runs of groups (see groupRunsOf). */
async function groupsOf(input: string, keys: readonly string[], reader: FrameReader): Promise<AsyncIterable<GroupRun>> {
  const names = (await reader.empty(input)).schema.fields.map((f) => f.name);
  const listed = () => reader.chunks(listedSql(keyedSql(input, keys), keys.length, names.length));
  return groupRunsOf(listed, names, () => groupRuns(reader.batches(groupedSql(input, keys)), keys.length, RUN_ROWS));
}

/** What calls the function on a group's tables: itself, or a pool of workers for a FunctionRef (and how many groups to keep in flight). */
type Apply = (tables: Table[]) => Promise<unknown>;

async function withCaller(fn: Function | FunctionRef, workers: number | undefined, use: (apply: Apply, window: number) => Promise<void>): Promise<void> {
  if (typeof fn === 'function') return use(async (tables) => fn(...tables), 1);
  const { functionPool } = await import('./pool.js');
  const pool = functionPool(fn, workers);
  try {
    await use((tables) => pool.run(tables), pool.size * 2);
  } finally {
    pool.close();
  }
}

/** Runs started calls with up to `window` in flight, handing their results to `sink` in the order they started. */
async function ordered<T>(calls: AsyncIterable<() => Promise<T>>, window: number, sink: (t: T) => void): Promise<void> {
  const inflight: Promise<T>[] = [];
  try {
    for await (const start of calls) {
      const p = start();
      p.catch(() => {}); // awaited in order below; this keeps a later failure from being unhandled meanwhile
      inflight.push(p);
      if (inflight.length >= window) sink(await inflight.shift()!);
    }
    while (inflight.length > 0) sink(await inflight.shift()!);
  } finally {
    await Promise.allSettled(inflight);
  }
}

async function importRef(ref: FunctionRef): Promise<Function> {
  const m = (await import(moduleUrl(ref.module))) as Record<string, unknown>;
  const fn = m[ref.export ?? 'default'];
  if (typeof fn !== 'function') throw new SqlError('LOCH_UDF_INVALID', `${ref.module} has no exported function '${ref.export ?? 'default'}'`);
  return fn as Function;
}

async function coGroupedMap(api: Extract<FunctionApi, { kind: 'cogroup' }>, inputs: readonly string[], reader: FrameReader, out: ResultTable, what: string): Promise<void> {
  if (api.keys.length !== api.otherKeys.length) {
    throw new SqlError('LOCH_UDF_INVALID', `${what}: the two frames are grouped by ${api.keys.length} and ${api.otherKeys.length} keys; cogroup needs the same number`);
  }
  const side = (i: number) => coGroupSide(inputs, [api.keys, api.otherKeys], i);
  const [leftEmpty, rightEmpty] = await Promise.all([reader.empty(inputs[0]), reader.empty(inputs[1])]);
  // Both sides are ordered by the same group numbers; a key only one side has meets an empty table.
  async function* pairs(): AsyncGenerator<[Table, Table]> {
    const left = groups(reader.batches(side(0)))[Symbol.asyncIterator]();
    const right = groups(reader.batches(side(1)))[Symbol.asyncIterator]();
    let l = await left.next();
    let r = await right.next();
    while (!l.done || !r.done) {
      const id = l.done ? r.value!.id : r.done ? l.value.id : l.value.id < r.value.id ? l.value.id : r.value.id;
      const lt = !l.done && l.value.id === id ? l.value.table : leftEmpty;
      const rt = !r.done && r.value.id === id ? r.value.table : rightEmpty;
      yield [lt, rt];
      if (lt !== leftEmpty) l = await left.next();
      if (rt !== rightEmpty) r = await right.next();
    }
  }
  await withCaller(api.fn, api.workers, async (apply, window) => {
    async function* calls() {
      for await (const [lt, rt] of pairs()) yield () => call(() => apply([lt, rt]), what, lt.numRows > 0 ? lt : rt, lt.numRows > 0 ? api.keys : api.otherKeys);
    }
    await ordered(calls(), window, (t) => out.append(t));
  });
}

/**
 * One side of a cogroup: its rows with the number of their key among the keys of both sides
 * (numbered in key order), ordered by it.
 */
function coGroupSide(inputs: readonly string[], keys: readonly (readonly string[])[], i: number): string {
  const k = keys[0].map((_, j) => `__loch_k${j}`);
  const keyed = (n: number) => `SELECT *, ${keys[n].map((e, j) => `(${e}) AS ${k[j]}`).join(', ')} FROM (${inputs[n]}) AS __loch_in`;
  return [
    `WITH __loch_l AS (${keyed(0)}), __loch_r AS (${keyed(1)}),`,
    `__loch_keys AS (SELECT DISTINCT ${k.join(', ')} FROM __loch_l UNION SELECT DISTINCT ${k.join(', ')} FROM __loch_r),`,
    `__loch_ranked AS (SELECT *, row_number() OVER (ORDER BY ${k.join(', ')}) AS ${GROUP} FROM __loch_keys)`,
    `SELECT s.* EXCLUDE (${k.join(', ')}), g.${GROUP} FROM ${i === 0 ? '__loch_l' : '__loch_r'} AS s JOIN __loch_ranked AS g ON ${k.map((c) => `s.${c} IS NOT DISTINCT FROM g.${c}`).join(' AND ')}`,
    `ORDER BY g.${GROUP}`,
  ].join('\n');
}

/** Calls the function on a group, naming the group's keys when it fails. */
async function call<T>(fn: () => T | Promise<T>, what: string, group: Table, keys: readonly string[]): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw failed(e, what, groupNamed(group, keys));
  }
}

/** Consecutive rows with the same group number (the last column), as tables without that column. */
async function* groups(batches: AsyncIterable<RecordBatch>): AsyncGenerator<{ id: bigint; table: Table }> {
  let id: bigint | undefined;
  let parts: RecordBatch[] = [];
  for await (const b of batches) {
    const g = b.getChild(GROUP)!;
    const rows = b.select(b.schema.fields.filter((f) => f.name !== GROUP).map((f) => f.name));
    let start = 0;
    for (let i = 0; i < b.numRows; i++) {
      const v = BigInt(g.get(i) as bigint | number);
      if (v === id) continue;
      if (i > start) parts.push(rows.slice(start, i));
      if (id !== undefined) yield { id, table: new Table(parts) };
      id = v;
      parts = [];
      start = i;
    }
    if (b.numRows > start) parts.push(rows.slice(start, b.numRows));
  }
  if (id !== undefined) yield { id, table: new Table(parts) };
}

