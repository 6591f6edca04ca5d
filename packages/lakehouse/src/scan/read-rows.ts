import type { DuckDBResult, DuckDBValue } from '@duckdb/node-api';
import type { JsonValue } from './json-values.js';

export type Row = { [column: string]: JsonValue };

/** Reads every row of a DuckDB result, converting column j's values with `convert[j]`. */
export async function readRows(result: DuckDBResult, names: readonly string[], convert: readonly ((v: DuckDBValue) => JsonValue)[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const cols = chunk.getColumns();
    for (let i = 0; i < chunk.rowCount; i++) {
      const row: Row = {};
      for (let j = 0; j < names.length; j++) row[names[j]] = convert[j](cols[j][i]);
      rows.push(row);
    }
  }
  return rows;
}
