/**
 * Arrow output without loading Apache Arrow up front. Loading the library costs ~150 ms, half of
 * a short `loch sql` run that never asks for Arrow; the package's main entry loads it (and
 * registers it here), the `@loch/lakehouse/core` entry the CLI uses does not.
 */
import type { DuckDBDataChunk, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
import type { RecordBatch, Table, Vector } from 'apache-arrow';
import { deltaError, type DataType, type StructType } from '@loch/delta';
import type { JsonValue } from '../values/json-values.js';

type Row = { readonly [column: string]: JsonValue };

export interface ArrowOutput {
  /** Rows as an Arrow table with the schema's types. */
  table(schema: StructType, rows: readonly Row[]): Table;
  /** One DuckDB chunk as a record batch with the schema's types (`convert`: each column's values as JSON). */
  batch(schema: StructType, chunk: DuckDBDataChunk, convert: readonly ((v: DuckDBValue) => JsonValue)[]): RecordBatch;
  /** One DuckDB vector of `n` rows as an Arrow vector of Delta type `t` (`convert`: its values as JSON). */
  vector(t: DataType, v: DuckDBVector, convert: (v: DuckDBValue) => JsonValue, n: number): Vector;
  /** What makes Arrow vectors of fixed-width type `t` from values and validity bits in Arrow's layout, taken as they are. */
  flat(t: DataType): (values: FlatValues, validity: Uint8Array | null, n: number) => Vector;
}

/** Values of a fixed-width type as Arrow and DuckDB both lay them out. */
export type FlatValues = Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

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

/** One DuckDB vector as an Arrow vector (see ArrowOutput.vector). */
export function toArrowVector(t: DataType, v: DuckDBVector, convert: (v: DuckDBValue) => JsonValue, n: number): Vector {
  return arrow().vector(t, v, convert, n);
}

/** See ArrowOutput.flat. */
export function flatVectorMaker(t: DataType): (values: FlatValues, validity: Uint8Array | null, n: number) => Vector {
  return arrow().flat(t);
}
