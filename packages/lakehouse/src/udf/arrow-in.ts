import type { DuckDBDataChunk, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { StructType } from '@loch/delta';
import type { Vector } from 'apache-arrow';
import { toRecordBatch } from '../scan/arrow-output.js';
import type { JsonValue } from '../values/json-values.js';
import { columnReader } from '../sql/run/result-values.js';

/** How a function's argument chunks become Arrow: the columns' types and value converters, worked out once per query. */
export interface ArgumentReader {
  readonly schema: StructType;
  readonly convert: readonly ((v: DuckDBValue) => JsonValue)[];
}

/** A reader for chunks whose columns have these DuckDB types (numbers copy straight across; see chunkToRecordBatch). */
export function argumentReader(types: readonly DuckDBType[]): ArgumentReader {
  const readers = types.map((t) => columnReader(t));
  return {
    schema: { kind: 'struct', fields: readers.map((r, i) => ({ name: `arg${i}`, type: r.deltaType, nullable: true, metadata: {} })) },
    convert: readers.map((r) => r.convert),
  };
}

/** The chunk's columns as Arrow vectors, one per argument. */
export function argumentVectors(reader: ArgumentReader, chunk: DuckDBDataChunk): Vector[] {
  const batch = toRecordBatch(reader.schema, chunk, reader.convert);
  return reader.schema.fields.map((_, i) => batch.getChildAt(i)!);
}

/** The DuckDB types of a chunk's columns. */
export function chunkTypes(chunk: DuckDBDataChunk): DuckDBType[] {
  const out: DuckDBType[] = [];
  for (let i = 0; i < chunk.columnCount; i++) out.push(chunk.getColumnVector(i).type);
  return out;
}
