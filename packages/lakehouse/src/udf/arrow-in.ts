import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';
import { duckdbApi, duckdbBindings as ddb } from '@loch/engine-node';
import type { Vector } from 'apache-arrow';
import { flatVectorMaker, toArrowVector, type FlatValues } from '../scan/arrow-output.js';
import type { JsonValue } from '../values/json-values.js';
import { columnReader } from '../sql/run/result-values.js';

/** A DuckDB data chunk and vector as the C API hands them to a scalar function. */
export type RawChunk = Parameters<typeof ddb.data_chunk_get_size>[0];
export type RawVector = ReturnType<typeof ddb.data_chunk_get_vector>;

/**
 * DuckDB types whose vectors hold their values exactly as Arrow does (fixed width, little-endian,
 * validity as a bitmap), with the Delta type they are read as and the array they come in.
 */
const FLAT_IN: Readonly<Record<number, { readonly delta: string; readonly array: FlatArray }>> = (() => {
  const id = duckdbApi.DuckDBTypeId;
  return {
    [id.DOUBLE]: { delta: 'double', array: Float64Array },
    [id.FLOAT]: { delta: 'float', array: Float32Array },
    [id.BIGINT]: { delta: 'long', array: BigInt64Array },
    [id.INTEGER]: { delta: 'integer', array: Int32Array },
    [id.SMALLINT]: { delta: 'short', array: Int16Array },
    [id.TINYINT]: { delta: 'byte', array: Int8Array },
    [id.DATE]: { delta: 'date', array: Int32Array },
    [id.TIMESTAMP]: { delta: 'timestamp_ntz', array: BigInt64Array },
    [id.TIMESTAMP_TZ]: { delta: 'timestamp', array: BigInt64Array },
  };
})();

/** A typed array class of FlatValues: made empty (of n values) or over bytes. */
type FlatArray = { new (n: number): FlatValues; new (buffer: ArrayBuffer, offset: number, n: number): FlatValues; readonly BYTES_PER_ELEMENT: number };

/** How values of DuckDB type `duckType`, read as Delta type `t`, are copied in bulk (their bytes are Arrow's). */
export interface FlatType {
  readonly width: number;
  readonly array: FlatArray;
  readonly make: (values: FlatValues, validity: Uint8Array | null, n: number) => Vector;
}

/** The bulk copy of DuckDB type `duckType` read as Delta type `t`, or undefined where its bytes are not Arrow's. */
export function flatType(duckType: DuckDBType, t: DataType): FlatType | undefined {
  const flat = FLAT_IN[duckType.typeId];
  if (!flat || t.kind !== 'primitive' || t.name !== flat.delta) return undefined;
  return { width: flat.array.BYTES_PER_ELEMENT, array: flat.array, make: flatVectorMaker(t) };
}

/** How one argument column becomes an Arrow vector. */
type ColumnIn = (v: RawVector, n: number) => Vector;

/** How a function's argument chunks become Arrow vectors: one reader per column, worked out once per call. */
export interface ArgumentReader {
  readonly types: readonly DataType[];
  readonly columns: readonly ColumnIn[];
}

/** A reader for chunks like `chunk` (its columns' DuckDB types). */
export function argumentReader(chunk: RawChunk): ArgumentReader {
  const columns: ColumnIn[] = [];
  const types: DataType[] = [];
  const count = ddb.data_chunk_get_column_count(chunk);
  for (let j = 0; j < count; j++) {
    const reader = vectorReader(duckdbApi.DuckDBLogicalType.create(ddb.vector_get_column_type(ddb.data_chunk_get_vector(chunk, j))).asType());
    types.push(reader.type);
    columns.push(reader.read);
  }
  return { types, columns };
}

/** How DuckDB vectors of type `duckType` become Arrow vectors, and the Delta type they have. */
export function vectorReader(duckType: DuckDBType): { readonly type: DataType; readonly read: ColumnIn } {
  const reader = columnReader(duckType);
  return { type: reader.deltaType, read: columnIn(duckType, reader.deltaType, reader.convert) };
}

function columnIn(duckType: DuckDBType, t: DataType, convert: (v: DuckDBValue) => JsonValue): ColumnIn {
  const flat = flatType(duckType, t);
  if (flat) {
    const { make, width } = flat;
    // Both reads copy the bytes out of DuckDB's vector: the batch owns them, whatever the function keeps.
    return (v, n) => {
      let bytes = ddb.vector_get_data(v, n * width);
      if (bytes.byteOffset % width !== 0) bytes = bytes.slice();
      const validity = ddb.vector_get_validity(v, Math.ceil(n / 64) * 8);
      return make(new flat.array(bytes.buffer as ArrayBuffer, bytes.byteOffset, n), validity, n);
    };
  }
  return (v, n) => toArrowVector(t, duckdbApi.DuckDBVector.create(v, n, duckType), convert, n);
}

/** The chunk's `n` rows as Arrow vectors, one per argument. */
export function argumentVectors(reader: ArgumentReader, chunk: RawChunk, n: number): Vector[] {
  const out = new Array<Vector>(reader.columns.length);
  for (let j = 0; j < out.length; j++) out[j] = reader.columns[j](ddb.data_chunk_get_vector(chunk, j), n);
  return out;
}
