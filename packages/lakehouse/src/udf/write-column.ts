import type { DuckDBType, DuckDBVector } from '@duckdb/node-api';
import { duckdbApi, duckdbBindings as ddb } from '@loch/engine-node';
import type { RawVector } from './arrow-in.js';
import type { DataType } from '@loch/delta';
import type { Data, Vector } from 'apache-arrow';
import { duckValue, typeText } from './duck-values.js';

/** Why a result cannot be written: the caller names the function. */
export class ResultError extends Error {
  constructor(
    readonly code: 'LOCH_UDF_RESULT_LENGTH' | 'LOCH_UDF_RESULT_TYPE',
    message: string,
  ) {
    super(message);
  }
}

/** Arrow's type ids (apache-arrow's `Type`), here as numbers so this file loads without Arrow. */
const ARROW = { Null: 1, Int: 2, Float: 3, Binary: 4, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Timestamp: 10, List: 12, Struct: 13, Map: 17, LargeBinary: 19, LargeUtf8: 20, LargeList: 21, Dictionary: -1 } as const;

/** The Arrow type ids a column of Delta type `t` may come back as (a Null column fits any). */
function arrowIdsFor(t: DataType): readonly number[] {
  switch (t.kind) {
    case 'decimal': return [ARROW.Decimal, ARROW.Int, ARROW.Float];
    case 'array': return [ARROW.List, ARROW.LargeList];
    case 'struct': return [ARROW.Struct];
    case 'map': return [ARROW.Map];
    case 'primitive':
      switch (t.name) {
        case 'double':
        case 'float': return [ARROW.Float, ARROW.Int];
        case 'byte':
        case 'short':
        case 'integer':
        case 'long': return [ARROW.Int];
        case 'boolean': return [ARROW.Bool];
        case 'binary': return [ARROW.Binary, ARROW.LargeBinary];
        case 'date': return [ARROW.Date];
        case 'timestamp':
        case 'timestamp_ntz': return [ARROW.Timestamp];
        default: return [ARROW.Utf8, ARROW.LargeUtf8, ARROW.Dictionary];
      }
  }
}

type Typed = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | BigInt64Array;

/** The typed array DuckDB's vector of a Delta type holds its values in, when Arrow's layout is the same. */
const FLAT: Readonly<Record<string, new (n: number) => Typed>> = {
  double: Float64Array,
  float: Float32Array,
  integer: Int32Array,
  short: Int16Array,
  byte: Int8Array,
  long: BigInt64Array,
};

export const isArrowVector = (v: unknown): v is Vector =>
  typeof v === 'object' && v !== null && Array.isArray((v as Vector).data) && typeof (v as Vector).type?.typeId === 'number' && typeof (v as Vector).get === 'function';

/** How many values a result holds, or undefined when it is no column at all. */
export function resultLength(result: unknown): number | undefined {
  if (isArrowVector(result)) return result.length;
  if (Array.isArray(result) || (ArrayBuffer.isView(result) && !(result instanceof DataView))) return (result as ArrayLike<unknown>).length;
  return undefined;
}

/**
 * The results of a batch's slices as one column: typed arrays of one kind as one, Arrow vectors
 * as one vector of their chunks (neither copies values one by one), anything else as an array.
 */
export function joinResults(parts: readonly unknown[]): unknown {
  const first = parts[0];
  if (parts.length === 1) return first;
  if (ArrayBuffer.isView(first) && !(first instanceof DataView) && parts.every((p) => p instanceof (first.constructor as Function))) {
    const typed = parts as readonly Typed[];
    const out = new (first.constructor as new (n: number) => Typed)(typed.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of typed) {
      out.set(p as never, at);
      at += p.length;
    }
    return out;
  }
  if (parts.every(isArrowVector)) return (parts[0] as Vector).concat(...(parts.slice(1) as Vector[]));
  const out: unknown[] = [];
  for (const p of parts) {
    if (resultLength(p) === undefined) return p; // not a column: writeResult says so
    const get = isArrowVector(p) ? (i: number) => p.get(i) : (i: number) => (p as ArrayLike<unknown>)[i];
    for (let i = 0; i < resultLength(p)!; i++) out.push(get(i));
  }
  return out;
}

/** What a result is, for messages (`Float64`, `Float64Array`, `array`). */
export function resultKind(result: unknown): string {
  if (isArrowVector(result)) return `an Arrow ${String(result.type)} vector`;
  if (Array.isArray(result)) return 'an array';
  if (result === null || result === undefined) return String(result);
  return typeof result === 'object' ? `a ${(result as object).constructor?.name ?? 'object'}` : `a ${typeof result}`;
}

/** Throws a ResultError unless `result` is a column of `n` values that may be of type `t`. */
function checkResult(t: DataType, result: unknown, n: number): void {
  const length = resultLength(result);
  if (length === undefined) throw new ResultError('LOCH_UDF_RESULT_TYPE', `returned ${resultKind(result)}; expected an Arrow vector, a typed array or an array of ${typeText(t)}`);
  if (length !== n) throw new ResultError('LOCH_UDF_RESULT_LENGTH', `returned ${length} values for ${n} rows (expected ${n}: one per input row)`);
  // A column of NULLs alone fits any type (Arrow infers some type for `[null]`).
  if (isArrowVector(result) && !arrowIdsFor(t).includes(result.type.typeId) && result.type.typeId !== ARROW.Null && result.nullCount < result.length) {
    throw new ResultError('LOCH_UDF_RESULT_TYPE', `returned an Arrow ${String(result.type)} vector; declared ${typeText(t)}`);
  }
}

/**
 * Writes a scalar function's result for `n` rows into its output vector as DuckDB hands it over
 * (`duckType`: its DuckDB type). A typed array of the type's own width, or an Arrow vector over
 * such arrays, goes across in one copy per Arrow chunk, null bits as a bitmap; anything else
 * through writeColumn, value by value. Throws a ResultError for a wrong length or type.
 */
export function writeResult(output: RawVector, t: DataType, duckType: DuckDBType, result: unknown, n: number): void {
  const flat = t.kind === 'primitive' ? FLAT[t.name] : undefined;
  if (flat && result instanceof flat && result.length === n && flat.name === FLAT_DUCK[duckType.typeId]) {
    ddb.copy_data_to_vector(output, 0, result.buffer as ArrayBuffer, result.byteOffset, result.byteLength);
    return;
  }
  if (flat && isArrowVector(result) && result.length === n && flat.name === FLAT_DUCK[duckType.typeId] && result.data.every((d) => d.values instanceof flat)) {
    copyArrowRaw(output, result, (flat as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT, n);
    return;
  }
  writeColumn(duckdbApi.DuckDBVector.create(output, n, duckType), t, result, n);
}

/** The typed array a DuckDB type's vector holds its values in, by DuckDB type id (where Arrow's is the same). */
const FLAT_DUCK: Readonly<Record<number, string>> = (() => {
  const id = duckdbApi.DuckDBTypeId;
  return { [id.DOUBLE]: 'Float64Array', [id.FLOAT]: 'Float32Array', [id.INTEGER]: 'Int32Array', [id.SMALLINT]: 'Int16Array', [id.TINYINT]: 'Int8Array', [id.BIGINT]: 'BigInt64Array' };
})();

/**
 * An Arrow vector's chunks into a raw output vector: values a chunk at a time, then the null bits
 * if there are nulls. A chunk's values start at its first row (Arrow slices them with the data);
 * its offset counts in its null bitmap only.
 */
function copyArrowRaw(output: RawVector, v: Vector, width: number, n: number): void {
  let at = 0;
  let validity: Uint8Array | undefined;
  for (const d of v.data as Data[]) {
    const values = d.values as Typed;
    ddb.copy_data_to_vector(output, at * width, values.buffer as ArrayBuffer, values.byteOffset, d.length * width);
    if (d.nullCount > 0) {
      // DuckDB's validity is 64-bit words of bits in Arrow's order: all valid, then clear the nulls.
      validity ??= new Uint8Array(Math.ceil(n / 64) * 8).fill(0xff);
      for (let i = 0; i < d.length; i++) if (!d.getValid(i)) validity[(at + i) >> 3] &= ~(1 << ((at + i) & 7));
    }
    at += d.length;
  }
  if (validity) {
    ddb.vector_ensure_validity_writable(output);
    ddb.copy_data_to_vector_validity(output, 0, validity.buffer as ArrayBuffer, 0, validity.byteLength);
  }
}

/**
 * Writes a function's result for `n` rows into DuckDB's vector of Delta type `t` (and flushes
 * it). Numbers of the vector's own width are copied in bulk; everything else value by value,
 * each checked against `t`. Throws a ResultError for a wrong length or type.
 */
export function writeColumn(out: DuckDBVector, t: DataType, result: unknown, n: number): void {
  checkResult(t, result, n);
  const flat = t.kind === 'primitive' ? FLAT[t.name] : undefined;
  const items = (out as unknown as { items?: unknown }).items;
  const bulk = flat !== undefined && items instanceof flat;
  if (bulk && result instanceof flat) {
    (items as Typed).set(result as never);
  } else if (bulk && isArrowVector(result) && result.data.every((d) => d.values instanceof flat)) {
    copyArrow(out, items as Typed, result);
  } else {
    const get = isArrowVector(result) ? (i: number) => result.get(i) : (i: number) => (result as ArrayLike<unknown>)[i];
    for (let i = 0; i < n; i++) {
      try {
        out.setItem(i, duckValue(get(i), t));
      } catch (e) {
        throw new ResultError('LOCH_UDF_RESULT_TYPE', `returned a value not of its declared type ${typeText(t)} at row ${i}: ${(e as Error).message}`);
      }
    }
  }
  out.flush();
}

/** Arrow chunks of the vector's own number type: values in bulk (from each chunk's first row, as copyArrowRaw), then its nulls. */
function copyArrow(out: DuckDBVector, items: Typed, v: Vector): void {
  let at = 0;
  for (const d of v.data as Data[]) {
    items.set((d.values as Typed).subarray(0, d.length) as never, at);
    if (d.nullCount > 0) {
      for (let i = 0; i < d.length; i++) if (!d.getValid(i)) out.setItem(at + i, null);
    }
    at += d.length;
  }
}
