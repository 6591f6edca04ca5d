import { deltaError } from '@loch/delta';
import { sparkString } from '../sql/parse/lexer.js';
import { DataFrame, type SqlRunner } from './dataframe.js';

/** An option's value as given; options are kept as text, as Spark keeps them. */
export type ReaderOptionValue = string | number | boolean | Date;

/**
 * Spark's DataFrameReader for batch reads of Delta tables:
 *
 *     lake.read('events')                                          // the table now
 *     lake.read.format('delta').option('versionAsOf', 3).table('events')
 *     lake.read.format('delta').option('readChangeFeed', true)
 *       .option('startingVersion', 2).option('endingVersion', 5).table('events')
 *
 * `table(name)` takes a lake name, `load(path)` a path. Options (names case-insensitive, as in
 * Spark): `versionAsOf` / `timestampAsOf` (time travel); `readChangeFeed` with `startingVersion`
 * or `startingTimestamp`, and optionally `endingVersion` or `endingTimestamp` (inclusive; default
 * the latest): the change data feed, the rows each commit changed with `_change_type`,
 * `_commit_version` and `_commit_timestamp` (as `table_changes` in SQL). Other options are
 * ignored, as Spark ignores options a source does not know. The reader is immutable: each call
 * returns a new one.
 */
export interface DataFrameReader {
  /** The table called `nameOrPath` (a path is anything with a '/'): `lake.read.table(name)`. */
  (nameOrPath: string): DataFrame;
  /** The source format: `delta` (the only one; the default). */
  format(source: string): DataFrameReader;
  option(key: string, value: ReaderOptionValue): DataFrameReader;
  options(options: Readonly<Record<string, ReaderOptionValue>>): DataFrameReader;
  /** Reads the table with this lake name (`events`, `sales.orders`). */
  table(name: string): DataFrame;
  /** Reads the table at this path. */
  load(path: string): DataFrame;
}

interface ReaderState {
  readonly format: string;
  /** Lower-cased keys. */
  readonly options: Readonly<Record<string, string>>;
}

const text = (v: ReaderOptionValue) => (v instanceof Date ? v.toISOString() : String(v));

/** A reader over the tables `runner` reaches (the lake). */
export function dataFrameReader(runner: SqlRunner, state: ReaderState = { format: 'delta', options: {} }): DataFrameReader {
  const read = (nameOrPath: string) => readTable(runner, state, nameOrPath);
  const withOptions = (more: Readonly<Record<string, ReaderOptionValue>>) =>
    dataFrameReader(runner, { ...state, options: { ...state.options, ...Object.fromEntries(Object.entries(more).map(([k, v]) => [k.toLowerCase(), text(v)])) } });
  return Object.assign(read, {
    format: (source: string) => dataFrameReader(runner, { ...state, format: source.toLowerCase() }),
    option: (key: string, value: ReaderOptionValue) => withOptions({ [key]: value }),
    options: withOptions,
    table: (name: string) => read(name),
    load: (path: string) => read(path),
  });
}

function readTable(runner: SqlRunner, state: ReaderState, nameOrPath: string): DataFrame {
  if (state.format !== 'delta') throw deltaError('DELTA_INVALID_ARGUMENT', `lake.read: format '${state.format}' is not supported; read Delta tables (format 'delta'), or files with lake.query('SELECT * FROM read_parquet(...)')`);
  const o = state.options;
  if (flag(o, 'readchangefeed', 'readChangeFeed')) {
    if (o.versionasof !== undefined || o.timestampasof !== undefined) {
      throw deltaError('DELTA_INVALID_CDC_RANGE', `${nameOrPath}: readChangeFeed reads a range of versions (startingVersion, endingVersion); it does not take versionAsOf or timestampAsOf`);
    }
    return DataFrame.sql(runner, `SELECT * FROM table_changes(${changeArgs(nameOrPath, o)})`);
  }
  const frame = DataFrame.table(runner, nameOrPath);
  if (o.versionasof !== undefined && o.timestampasof !== undefined) throw deltaError('DELTA_INVALID_ARGUMENT', `${nameOrPath}: give versionAsOf or timestampAsOf, not both`);
  if (o.versionasof !== undefined) return frame.asOf({ version: version(o.versionasof, 'versionAsOf', nameOrPath) });
  if (o.timestampasof !== undefined) return frame.asOf({ timestamp: o.timestampasof });
  return frame;
}

/** table_changes' arguments: the table, the start, and the end when given (versions as numbers, times quoted). */
function changeArgs(nameOrPath: string, o: Readonly<Record<string, string>>): string {
  const bound = (v: string | undefined, ts: string | undefined, which: 'starting' | 'ending') => {
    if (v !== undefined && ts !== undefined) throw deltaError('DELTA_INVALID_CDC_RANGE', `${nameOrPath}: give ${which}Version or ${which}Timestamp, not both`);
    if (v !== undefined) return String(version(v, `${which}Version`, nameOrPath));
    return ts === undefined ? undefined : sparkString(ts);
  };
  const start = bound(o.startingversion, o.startingtimestamp, 'starting');
  if (start === undefined) throw deltaError('DELTA_INVALID_CDC_RANGE', `${nameOrPath}: readChangeFeed needs startingVersion or startingTimestamp`);
  const end = bound(o.endingversion, o.endingtimestamp, 'ending');
  return [sparkString(nameOrPath), start, ...(end !== undefined ? [end] : [])].join(', ');
}

function version(v: string, option: string, table: string): number {
  if (!/^\d+$/.test(v.trim())) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: option ${option} must be a version, a whole number >= 0 (got '${v}')`);
  return Number(v);
}

function flag(o: Readonly<Record<string, string>>, key: string, name: string): boolean {
  const v = o[key];
  if (v === undefined) return false;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw deltaError('DELTA_INVALID_ARGUMENT', `option ${name} must be true or false (got '${v}')`);
}
