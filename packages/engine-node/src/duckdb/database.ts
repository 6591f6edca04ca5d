import type { DuckDBConnection, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { duckdbApi } from './api.js';

let instance: Promise<DuckDBInstance> | undefined;

/**
 * The process's DuckDB database (in memory). One instance shares its buffer pool and thread pool
 * across every query Loch runs; connections are cheap and each caller gets its own.
 */
export function duckdb(): Promise<DuckDBInstance> {
  instance ??= duckdbApi.DuckDBInstance.create(':memory:', { temp_directory: spillDirectory() });
  return instance;
}

let spills = 0;

/**
 * A directory of its own for what a database spills to disk. DuckDB's default for an in-memory
 * database is `.tmp` in the working directory, shared by every database of every process started
 * there, and databases spilling into one directory take each other's files: rows go missing
 * without an error, or a spill fails. The directory is named, not made (no mkdtemp): DuckDB makes
 * it when it first spills and removes it when the database closes (or the process exits) only if
 * it made it itself.
 */
function spillDirectory(): string {
  return join(tmpdir(), `loch-duckdb-${process.pid}-${threadId}-${++spills}`);
}

export async function connect(setup: readonly string[] = []): Promise<DuckDBConnection> {
  const db = await duckdb();
  const c = await db.connect();
  // One round trip, with the caller's `setup` statements: connections are opened on hot paths
  // (checkpoint reads, build sides, every SQL session).
  // Delta timestamps are instants; showing them in UTC keeps output the same on every machine.
  // Spark's semantics (ANSI mode off) on every connection, so that a query's parts that run on
  // other connections (writes, a join's build side) answer as the query does: NULLs sort first
  // ascending and last descending, and division by zero is NULL (not ±Infinity or NaN).
  try {
    await c.run([SESSION_SETTINGS, ...setup].join('; '));
  } catch (e) {
    c.closeSync();
    throw e;
  }
  return c;
}

/** What every connection Loch opens sets first (see connect). */
const SESSION_SETTINGS =
  "SET TimeZone = 'UTC'; SET SESSION default_null_order = 'nulls_first_on_asc_last_on_desc'; SET SESSION ieee_floating_point_ops = false";

/** A database of a caller's own, apart from the process's: its connection and what closes both. */
export interface PrivateDatabase {
  readonly connection: DuckDBConnection;
  close(): void;
}

/**
 * A DuckDB database in memory of its own (a worker thread's, which cannot reach the process's
 * database), with `threads` threads and at most `memoryLimit` of memory (DuckDB's size text, e.g.
 * '2GB'), and one connection with Loch's settings. It sees no table or view of the process's.
 */
export async function openPrivateDatabase(options: { readonly threads: number; readonly memoryLimit?: string }): Promise<PrivateDatabase> {
  const db = await duckdbApi.DuckDBInstance.create(':memory:', { threads: String(options.threads), temp_directory: spillDirectory(), ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}) });
  let c: DuckDBConnection | undefined;
  try {
    c = await db.connect();
    await c.run(SESSION_SETTINGS);
  } catch (e) {
    c?.closeSync();
    db.closeSync();
    throw e;
  }
  const connection = c;
  return {
    connection,
    close: () => {
      connection.closeSync();
      db.closeSync();
    },
  };
}

/** Runs `fn` with a fresh connection, closed afterwards. */
export async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const c = await connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
  }
}

const idle: DuckDBConnection[] = [];
const MAX_IDLE = 4;

/**
 * Runs a read-only query step with a connection from a small pool: for work split across
 * connections to run at the same time (a join's build sides), where opening a connection would
 * cost as much as the step. `fn` must leave no state behind (no TEMP objects, no SET).
 */
export async function withPooledConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const c = idle.pop() ?? (await connect());
  let healthy = true;
  try {
    return await fn(c);
  } catch (e) {
    healthy = false;
    throw e;
  } finally {
    // A connection whose step failed may be mid-transaction: it is not reused.
    if (healthy && idle.length < MAX_IDLE) idle.push(c);
    else c.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL identifier, always quoted (column names may be anything, including keywords). */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

const EXTRACT_PREFIX = 'Failed to extract statements: ';

/**
 * Runs `sql` as a streaming result: DuckDB computes chunks as they are fetched, and never holds
 * the whole result. Errors read as DuckDB's own (`Parser Error: ...`): node-api prefixes a
 * parser's error with "Failed to extract statements".
 */
export function streamSql(c: DuckDBConnection, sql: string): Promise<DuckDBResult> {
  return c.stream(sql).catch(duckError);
}

/**
 * Runs `sql` as a materialized result, in one call: a few milliseconds less than streamSql for a
 * short query, but DuckDB holds the whole result. For results known to be small.
 */
export function runSql(c: DuckDBConnection, sql: string): Promise<DuckDBResult> {
  return c.run(sql).catch(duckError);
}

/** DuckDB's error as DuckDB words it, without node-api's prefix on a parser's error. */
function duckError(e: unknown): never {
  if (e instanceof Error && e.message.startsWith(EXTRACT_PREFIX)) throw new Error(e.message.slice(EXTRACT_PREFIX.length), { cause: e });
  throw e;
}
