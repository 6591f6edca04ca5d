import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { duckdbApi, duckdbBindings as ddb, sqlIdent } from '@loch/engine-node';
import type { Vector } from 'apache-arrow';
import { duckDbType } from '../values/duck-types.js';
import { argumentReader, argumentVectors, type ArgumentReader, type RawChunk, type RawVector } from './arrow-in.js';
import { typeText } from './duck-values.js';
import type { UserFunction } from './types.js';
import { ResultError, joinResults, resultLength, writeResult } from './write-column.js';
import { confOf, maxRecordsPerBatch } from './batch-size.js';

/**
 * DuckDB's functions belong to the database, not to a connection: registering a name on one
 * connection makes it callable on all. So each name is registered once per signature, and which
 * lake's function a call runs is decided when DuckDB binds the call, by its connection: the
 * session that installed its lake's functions there (else the function installed last).
 */
const installed = new Map<string, { signature: string; fn: UserFunction }>();
const byConnection = new Map<number, { readonly functions: ReadonlyMap<string, UserFunction>; readonly conf?: ReadonlyMap<string, string> }>();

/** What one bound call carries from bind to its batches. */
interface CallState {
  readonly fn: UserFunction;
  /** The most rows a batch handed to the function may have (spark.sql.execution.arrow.maxRecordsPerBatch). */
  readonly maxRecords: number;
  reader?: ArgumentReader;
  /** The DuckDB connection the call was bound on (whose session ends it: see endCalls). */
  readonly connection: number;
  /** A batch of the call failed (its iterator, if any, is then returned from, not run to its end). */
  failed?: boolean;
  /** An iterator UDF's generator and the slot it reads its next batch from. */
  iterator?: { readonly results: Iterator<unknown>; next: Vector[] | undefined; ended: boolean };
}

const signatureOf = (f: UserFunction) => `${f.kind}|${typeText(f.returns)}|${f.args?.map(typeText).join(',') ?? '*'}|${f.deterministic}`;

/** The DuckDB function a UDF is called through: an aggregate's is applied to its arguments' lists (see installAggregate). */
const duckName = (f: UserFunction) => (f.kind === 'aggregate' ? aggregateFunctionName(f.name) : f.name);

/** The DuckDB function behind aggregate UDF `name` (it takes each argument's values as a list). */
export const aggregateFunctionName = (name: string) => `__loch_agg_${name}`;

/**
 * Makes `functions` callable by name in SQL on connection `c`. Returns what undoes the
 * connection's part (call it before closing the connection).
 */
export async function installFunctions(c: DuckDBConnection, functions: ReadonlyMap<string, UserFunction>, conf?: ReadonlyMap<string, string>): Promise<() => void> {
  if (functions.size === 0) return () => {};
  for (const f of functions.values()) {
    const signature = signatureOf(f);
    const known = installed.get(f.name);
    if (known?.signature !== signature) c.registerScalarFunction(duckFunction(f, signature));
    installed.set(f.name, { signature, fn: f });
    if (f.kind === 'aggregate') await installAggregate(c, f);
  }
  const id = await connectionId(c);
  connectionIds.set(c, id);
  const session = { functions, ...(conf ? { conf } : {}) };
  byConnection.set(id, session);
  return () => {
    if (byConnection.get(id) === session) byConnection.delete(id);
  };
}

/**
 * A grouped aggregate as DuckDB sees it: a macro that hands the function each argument's values
 * in the group as a list (`list(x)`), so it works wherever an aggregate does (GROUP BY, a whole
 * table, `groupBy().agg()`).
 */
async function installAggregate(c: DuckDBConnection, f: UserFunction): Promise<void> {
  const n = f.args?.length ?? f.fn.length;
  const params = Array.from({ length: n }, (_, i) => `a${i}`);
  const lists = params.map((p) => `list(${p})`).join(', ');
  await c.run(`CREATE OR REPLACE TEMP MACRO ${sqlIdent(f.name)}(${params.join(', ')}) AS ${sqlIdent(duckName(f))}(${lists})`);
}

function duckFunction(f: UserFunction, signature: string) {
  const { ANY, DuckDBScalarFunction, LIST } = duckdbApi;
  const name = f.name;
  const args = f.args?.map((t) => (f.kind === 'aggregate' ? LIST(duckDbType(t)) : duckDbType(t)));
  const returns = duckDbType(f.returns);
  const fn = DuckDBScalarFunction.create({
    name: duckName(f),
    returnType: returns,
    ...(args ? { parameterTypes: args } : { varArgsType: ANY }),
    // The function sees NULLs (as Arrow nulls) and decides what they give, as in Spark.
    specialHandling: true,
    volatile: !f.deterministic,
    bindFunction: (info) => {
      const session = byConnection.get(info.clientContext.connectionId);
      const fn = session?.functions.get(name) ?? installed.get(name)?.fn;
      if (!fn) return info.setError(`LOCH_UDF_INVALID: function ${name} is not registered in this lake`);
      if (signatureOf(fn) !== signature) return info.setError(`LOCH_UDF_INVALID: function ${name} is registered with another signature in another lake of this process; use another name`);
      let maxRecords: number;
      try {
        maxRecords = maxRecordsPerBatch(confOf(session?.conf));
      } catch (e) {
        return info.setError(`LOCH_UDF_INVALID: ${(e as Error).message}`);
      }
      info.setBindData({ fn, maxRecords, connection: info.clientContext.connectionId } satisfies CallState);
    },
    mainFunction: () => {},
  });
  // Batches go through the C API's own handles, not node-api's wrappers, which make objects (and
  // a logical type) for every chunk: at 2,048 rows a chunk that is most of a vectorized call's cost.
  ddb.scalar_function_set_function(fn.scalar_function, (info, input, output) => {
    const state = ddb.scalar_function_get_bind_data(info) as CallState;
    try {
      callBatch(state, input, output, returns);
    } catch (e) {
      state.failed = true;
      ddb.scalar_function_set_error(info, failure(state.fn, e));
    }
  });
  return fn;
}

/** A function's failure as the message the query fails with (the session turns its code into a SqlError). */
export function failure(f: UserFunction, e: unknown): string {
  const line = (m: string) => m.replace(/\s*\n\s*/g, ' ');
  if (e instanceof ResultError) return `${e.code}: UDF ${f.name} ${line(e.message)}`;
  return `LOCH_UDF_FAILED: UDF ${f.name} failed: ${line(e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e))}`;
}

/**
 * One DuckDB chunk through the function: its arguments as Arrow vectors in, its result written
 * out. A chunk of more rows than the batch bound goes to the function in slices of it.
 */
function callBatch(state: CallState, input: RawChunk, out: RawVector, returns: DuckDBType): void {
  const n = ddb.data_chunk_get_size(input);
  state.reader ??= argumentReader(input);
  const columns = argumentVectors(state.reader, input, n);
  const f = state.fn;
  if (f.kind === 'aggregate') {
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const groups = columns.map((c) => c.get(i) as Vector | null);
      values[i] = groups.some((g) => g === null) ? null : f.fn(...(groups as Vector[]));
    }
    return writeResult(out, f.returns, returns, values, n);
  }
  const apply = (args: Vector[]) => (f.kind === 'scalar' ? f.fn(...args) : nextOf(state, f, args));
  if (n <= state.maxRecords) return writeResult(out, f.returns, returns, apply(columns), n);
  const parts: unknown[] = [];
  for (let start = 0; start < n; start += state.maxRecords) {
    const end = Math.min(n, start + state.maxRecords);
    const result = apply(columns.map((c) => c.slice(start, end)));
    const length = resultLength(result);
    if (length !== undefined && length !== end - start) throw new ResultError('LOCH_UDF_RESULT_LENGTH', `returned ${length} values for ${end - start} rows (expected ${end - start}: one per input row)`);
    parts.push(result);
  }
  writeResult(out, f.returns, returns, joinResults(parts), n);
}

/** An iterator UDF's result for one batch: the generator starts on the first (its setup runs once per query). */
function nextOf(state: CallState, f: Extract<UserFunction, { kind: 'iterator' }>, columns: Vector[]): unknown {
  if (!state.iterator) {
    const slot: { next: Vector[] | undefined; ended: boolean } = { next: undefined, ended: false };
    const batches: Iterable<Vector[]> = {
      [Symbol.iterator]: () => ({
        next: () => {
          const value = slot.next;
          slot.next = undefined;
          return value ? { done: false, value } : { done: true, value: undefined };
        },
      }),
    };
    state.iterator = Object.assign(slot, { results: f.fn(batches) });
    // A call bound on a connection of no session (a write's own) is ended when no statement runs.
    if (byConnection.has(state.connection)) openIterators.set(state.connection, (openIterators.get(state.connection) ?? new Set<CallState>()).add(state));
    else orphans.add(state);
  }
  state.iterator.next = columns;
  const r = state.iterator.results.next();
  if (r.done) throw new ResultError('LOCH_UDF_RESULT_LENGTH', 'ended before its input did (an iterator UDF yields one result per batch)');
  if (state.iterator.next !== undefined) throw new ResultError('LOCH_UDF_RESULT_LENGTH', 'yielded a result before reading its batch (an iterator UDF yields one result per batch it reads)');
  return r.value;
}

/** Iterator UDF calls whose generators have started, by connection, until their statement ends. */
const openIterators = new Map<number, Set<CallState>>();
/** Those bound on connections of no session (writes run their queries on connections of their own). */
const orphans = new Set<CallState>();
/** Statements of sessions with functions that have begun and not ended. */
let statementsRunning = 0;
const connectionIds = new WeakMap<DuckDBConnection, number>();

/** A session's statement begins (see endCalls). */
export function beginCalls(): void {
  statementsRunning++;
}

/**
 * Ends the iterator UDF calls of the statement that just ran on `c`. After a statement that
 * succeeded, each generator is told its input has ended, so the code after its loop and its
 * `finally` blocks run; a failure there fails the statement. After a statement that failed, each
 * generator is returned from, which runs its `finally` blocks.
 */
export function endCalls(c: DuckDBConnection, ok: boolean): void {
  statementsRunning = Math.max(0, statementsRunning - 1);
  const id = connectionIds.get(c);
  const open = [...((id !== undefined && openIterators.get(id)) || [])];
  if (id !== undefined) openIterators.delete(id);
  // Calls on connections of no session belong to some statement that has ended once none runs.
  if (statementsRunning === 0) {
    open.push(...orphans);
    orphans.clear();
  }
  let failure: unknown;
  for (const state of open) {
    const it = state.iterator!;
    if (it.ended) continue;
    it.ended = true;
    try {
      if (!ok || state.failed) {
        it.results.return?.();
        continue;
      }
      it.next = undefined;
      if (!it.results.next().done) {
        it.results.return?.();
        throw new ResultError('LOCH_UDF_RESULT_LENGTH', 'yielded a result after its input ended (an iterator UDF yields one result per batch)');
      }
    } catch (e) {
      failure ??= new Error(failureAfterInput(state.fn, e));
    }
  }
  if (failure) throw failure;
}

/** An iterator UDF's failure once its input has ended, as the message the statement fails with. */
function failureAfterInput(f: UserFunction, e: unknown): string {
  return failure(f, e).replace(`UDF ${f.name} failed:`, `UDF ${f.name} failed after its last batch:`);
}

let connectionIdInstalled = false;

/** DuckDB's id for a connection, as its calls report it at bind time. */
async function connectionId(c: DuckDBConnection): Promise<number> {
  const { BIGINT, DuckDBScalarFunction } = duckdbApi;
  if (!connectionIdInstalled) {
    c.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: '__loch_connection_id',
        returnType: BIGINT,
        volatile: true,
        bindFunction: (info) => info.setBindData({ id: info.clientContext.connectionId }),
        mainFunction: (info, input, out) => {
          for (let i = 0; i < input.rowCount; i++) out.setItem(i, BigInt((info.bindData as { id: number }).id));
          out.flush();
        },
      }),
    );
    connectionIdInstalled = true;
  }
  const r = await c.runAndReadAll('SELECT __loch_connection_id()');
  return Number(r.getRows()[0][0]);
}
