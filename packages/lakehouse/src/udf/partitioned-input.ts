/**
 * A grouped map's input cut into shares that worker threads read themselves, as Spark's executors
 * read their own partitions: each worker opens a DuckDB database of its own and runs the input's
 * SQL over the rows of a range of keys, grouped by key in key order. Ranges of the first key (split at
 * quantiles of a sample of it) keep every group whole in one share, and the shares' results
 * joined in range order are in key order, as the calling thread's path gives them.
 *
 * This works for input SQL that means the same in a fresh database: Delta tables (their scans are
 * read_parquet of the snapshot's files), files, range() and the like. Anything only the calling
 * session has (a TEMP view, a DuckDB table, a user function, a session variable) fails to bind in
 * a fresh database, and functions whose value differs per call (random(), now(), sampling) could
 * give each worker other rows: such input is read on the calling thread instead.
 */
import { connect, openPrivateDatabase, sqlString, type PrivateDatabase } from '@loch/engine-node';
import { keyColumn, listedSql, sortedSql } from './grouped-input.js';

/** The input's shares, each read by one worker, with the statement that sets the session's DuckDB state and the input's column names. */
export interface PartitionedInput {
  readonly shares: readonly Share[];
  readonly settings: string;
  readonly columns: readonly string[];
}

/**
 * One share as two queries of its groups: `listed` (a row per group, listedSql) is how a worker
 * reads it; `sorted` (its rows sorted by key, sortedSql) is the fallback where DuckDB cannot hold
 * the share's groups in memory at once.
 */
export interface Share {
  readonly listed: string;
  readonly sorted: string;
}

/** A query as the DuckDB SQL it runs as (see Lakehouse.planQuery). */
export interface PlannedQuery {
  readonly sql: string;
  readonly timeZone: string;
}

/** Functions and clauses whose rows or values may differ between two runs of one query. */
const VOLATILE =
  /\b(random|setseed|uuid|gen_random_uuid|uuidv4|uuidv7|nextval|currval|getvariable|now|current_timestamp|get_current_timestamp|get_current_time|current_time|current_date|current_localtime|current_localtimestamp|transaction_timestamp|today|reservoir_quantile|bernoulli)\b|\bUSING\s+SAMPLE\b|\bTABLESAMPLE\b/i;

/** Rows sampled to find where the shares' key ranges meet. */
const SAMPLE_ROWS = 8192;

/**
 * Key types whose values DuckDB writes as text that reads back as the same value, so a range's
 * bounds can be literals (which DuckDB pushes into a Parquet scan); other keys are compared
 * through their sort keys (create_sort_key), which order exactly as ORDER BY does.
 */
const LITERAL_TYPES = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DECIMAL\(\d+,\d+\)|FLOAT|DOUBLE|VARCHAR|DATE|TIME|TIMESTAMP|TIMESTAMP_(S|MS|NS)|TIMESTAMP WITH TIME ZONE|BOOLEAN|UUID)$/;

/**
 * The keyed input (keyedSql's rows, as the calling session's planner made them) as workers can
 * read it themselves, or undefined when they cannot (see above): then the calling thread reads it.
 */
export async function workerReadable(planned: PlannedQuery | undefined, keyCount: number): Promise<PlannedInput | undefined> {
  if (!planned || VOLATILE.test(planned.sql)) return undefined;
  const bound = await bindsAlone(sortedSql(planned.sql, keyCount));
  if (!bound) return undefined;
  return { sql: planned.sql, keyCount, columns: bound.slice(0, bound.length - keyCount), settings: `SET TimeZone = ${sqlString(planned.timeZone)}` };
}

/** Keyed input workers can read: its SQL, keys and input columns' names, and the statement that sets the session's DuckDB state. */
export interface PlannedInput {
  readonly sql: string;
  readonly keyCount: number;
  readonly columns: readonly string[];
  readonly settings: string;
}

/** `input` as at most `workers` shares, one per worker, each a range of keys in key order. */
export async function splitInput(input: PlannedInput, workers: number): Promise<PartitionedInput> {
  const ranges = workers <= 1 ? [undefined] : await keyRanges(input.sql, workers, input.settings);
  const shares = ranges.map((where) => ({ listed: listedSql(input.sql, input.keyCount, input.columns.length, where), sorted: sortedSql(input.sql, input.keyCount, where) }));
  return { shares, settings: input.settings, columns: input.columns };
}

/** The conditions on the first key of up to `n` ranges that split a sample of `input`'s (keyed) rows evenly, in key order (NULLs first, as ORDER BY has them). */
async function keyRanges(input: string, n: number, settings: string): Promise<string[]> {
  const k = keyColumn(0);
  const c = await connect([settings]);
  try {
    const type = await columnType(c, `SELECT ${k} FROM (${input}) AS __loch_keyed`);
    const literal = LITERAL_TYPES.test(type);
    const sortKey = (e: string) => `create_sort_key(${e}, 'ASC NULLS FIRST')`;
    const fractions = Array.from({ length: n - 1 }, (_, i) => ((i + 1) / n).toFixed(6)).join(', ');
    // Bounds as text: values (literal keys) or sort keys in hex.
    const bounds = literal ? `list_transform(quantile_disc(__loch_k, [${fractions}]), b -> b::VARCHAR)` : `list_transform(quantile_disc(${sortKey('__loch_k')}, [${fractions}]), b -> hex(b))`;
    const sample = `SELECT ${bounds} FROM (SELECT ${k} AS __loch_k FROM (${input}) AS __loch_keyed) AS s USING SAMPLE reservoir(${SAMPLE_ROWS} ROWS) REPEATABLE (1)`;
    const found = ((await c.runAndReadAll(sample)).getRows()[0]?.[0] as { items?: unknown[] } | null)?.items ?? [];
    const at = found.filter((b, i): b is string => typeof b === 'string' && b !== found[i - 1]);
    return literal ? ranges(k, at.map((b) => `CAST(${sqlString(b)} AS ${type})`), true) : ranges(sortKey(k), at.map((b) => `unhex(${sqlString(b)})`), false);
  } finally {
    c.closeSync();
  }
}

/**
 * The conditions of the ranges of `value` that `bounds` (ascending) split it into. A NULL key
 * is in the first range: NULLs sort first (a sort key orders them itself; a value does not compare).
 */
function ranges(value: string, bounds: readonly string[], nullable: boolean): string[] {
  return Array.from({ length: bounds.length + 1 }, (_, i) => {
    const below = i < bounds.length ? `${value} < ${bounds[i]}` : undefined;
    if (i === 0) return below === undefined ? 'true' : nullable ? `(${below} OR ${value} IS NULL)` : below;
    const from = `${value} >= ${bounds[i - 1]}`;
    return below === undefined ? from : `${from} AND ${below}`;
  });
}

/** The DuckDB type (as SQL writes it) of the first column of `query`. */
async function columnType(c: Awaited<ReturnType<typeof connect>>, query: string): Promise<string> {
  const p = await c.prepare(query);
  try {
    return p.columnType(0).toString();
  } finally {
    p.destroySync();
  }
}

/** A database of no session's, in which input SQL must bind for workers to read it (opened once). */
let probe: Promise<PrivateDatabase> | undefined;
let probing: Promise<unknown> = Promise.resolve();

/** `sql`'s column names where it binds in a fresh database (it names nothing only the calling session has), else undefined. */
async function bindsAlone(sql: string): Promise<string[] | undefined> {
  probe ??= openPrivateDatabase({ threads: 1 });
  const db = await probe;
  // One statement at a time on the probe's one connection.
  const check = probing.then(async () => {
    const p = await db.connection.prepare(sql);
    try {
      return Array.from({ length: p.columnCount }, (_, i) => p.columnName(i));
    } finally {
      p.destroySync();
    }
  });
  probing = check.catch(() => undefined);
  return check.catch(() => undefined);
}
