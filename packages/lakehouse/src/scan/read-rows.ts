import type { DuckDBDataChunk, DuckDBResult, DuckDBValue } from '@duckdb/node-api';
import { getHeapStatistics } from 'node:v8';
import { SqlError } from '../sql/errors.js';
import type { JsonValue } from '../values/json-values.js';

export type Row = { [column: string]: JsonValue };

/** Rows of one DuckDB chunk, column `j` converted by `convert[j]`. */
export function chunkRows(chunk: DuckDBDataChunk, names: readonly string[], convert: readonly ((v: DuckDBValue) => JsonValue)[]): Row[] {
  const cols = chunk.getColumns();
  const rows = new Array<Row>(chunk.rowCount);
  for (let i = 0; i < chunk.rowCount; i++) {
    const row: Row = {};
    for (let j = 0; j < names.length; j++) row[names[j]] = convert[j](cols[j][i]);
    rows[i] = row;
  }
  return rows;
}

/** The chunks of a DuckDB result as it produces them (a streaming result reads as it goes). */
export async function* chunks(result: DuckDBResult): AsyncGenerator<DuckDBDataChunk> {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield chunk;
  }
}

/**
 * Reads every row of a DuckDB result, converting column j's values with `convert[j]`. Rows are
 * JS objects, several times the size of the data; a result that would fill the heap fails early
 * with LOCH_RESULT_TOO_LARGE (naming `what` and the way to read it in batches) instead of taking
 * the process down.
 */
export async function readRows(
  result: DuckDBResult,
  names: readonly string[],
  convert: readonly ((v: DuckDBValue) => JsonValue)[],
  what = 'the result',
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const chunk of chunks(result)) {
    for (const row of chunkRows(chunk, names, convert)) rows.push(row);
    // A few microseconds per chunk of 2048 rows.
    checkHeap(rows.length, what);
  }
  return rows;
}

/**
 * The share of the heap limit the heap may fill while rows are read before reading them all is
 * given up: V8 fails for good (Ineffective mark-compacts) well before the limit it reports,
 * which counts the young generation's space too.
 */
const HEAP_SHARE = 0.5;

function checkHeap(rows: number, what: string): void {
  const heap = getHeapStatistics();
  if (heap.used_heap_size <= heap.heap_size_limit * HEAP_SHARE) return;
  throw new SqlError(
    'LOCH_RESULT_TOO_LARGE',
    `${what} does not fit in memory as rows (${rows.toLocaleString('en-US')} rows read, ${Math.round(heap.used_heap_size / 2 ** 20)} MB of a ${Math.round(heap.heap_size_limit / 2 ** 20)} MB heap): ` +
      'read it in batches instead (batches(), or for await over a DataFrame), or write it to a file (loch scan/sql --output)',
  );
}
