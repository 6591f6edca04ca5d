/**
 * Arrow output without loading Apache Arrow up front. Loading the library costs ~150 ms, half of
 * a short `loch sql` run that never asks for Arrow; the package's main entry loads it (and
 * registers it here), the `@loch/lakehouse/core` entry the CLI uses does not.
 */
import type { DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';
import type { RecordBatch, Table } from 'apache-arrow';
import { deltaError, type StructType } from '@loch/delta';
import type { JsonValue } from '../values/json-values.js';

type Row = { readonly [column: string]: JsonValue };

export interface ArrowOutput {
  /** Rows as an Arrow table with the schema's types. */
  table(schema: StructType, rows: readonly Row[]): Table;
  /** One DuckDB chunk as a record batch with the schema's types (`convert`: each column's values as JSON). */
  batch(schema: StructType, chunk: DuckDBDataChunk, convert: readonly ((v: DuckDBValue) => JsonValue)[]): RecordBatch;
}

let impl: ArrowOutput | undefined;

export function provideArrow(output: ArrowOutput): void {
  impl = output;
}

function arrow(): ArrowOutput {
  if (!impl) throw deltaError('DELTA_INVALID_ARGUMENT', "Arrow output needs Apache Arrow: import from '@loch/lakehouse' rather than '@loch/lakehouse/core'");
  return impl;
}

/** Rows as an Arrow table (the library is there whenever the main entry was imported). */
export function toArrowTable(schema: StructType, rows: readonly Row[]): Table {
  return arrow().table(schema, rows);
}

/** One DuckDB chunk as an Arrow record batch. */
export function toRecordBatch(schema: StructType, chunk: DuckDBDataChunk, convert: readonly ((v: DuckDBValue) => JsonValue)[]): RecordBatch {
  return arrow().batch(schema, chunk, convert);
}
