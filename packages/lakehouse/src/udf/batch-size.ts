import { SqlError } from '../sql/errors.js';

/** Spark's setting that bounds the rows of an Arrow batch handed to a user function. */
export const MAX_RECORDS_KEY = 'spark.sql.execution.arrow.maxRecordsPerBatch';

/** Spark's default. DuckDB hands a scalar function 2,048 rows at a time, so only smaller settings split its batches. */
const DEFAULT = 10_000;

/**
 * The most rows a batch handed to a user function may have, from the conf (`get` reads a key):
 * Spark's default when unset, no bound (Infinity) for zero or less, as in Spark.
 */
export function maxRecordsPerBatch(get: (key: string) => string | undefined): number {
  const text = get(MAX_RECORDS_KEY);
  if (text === undefined) return DEFAULT;
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) throw new SqlError('LOCH_UDF_INVALID', `${MAX_RECORDS_KEY} must be a whole number of rows, got '${text}'`);
  return n <= 0 ? Infinity : n;
}

/** The conf's value of `key` in a map of session conf. */
export const confOf = (conf: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined) => (key: string) =>
  conf instanceof Map ? conf.get(key) : (conf as Readonly<Record<string, string>> | undefined)?.[key];
