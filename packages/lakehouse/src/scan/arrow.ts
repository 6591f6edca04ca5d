import {
  Binary, Bool, DateDay, Decimal, Field, Float32, Float64, Int16, Int32, Int64, Int8, List, Map_, RecordBatch, Schema, Struct, Table,
  TimestampMicrosecond, Utf8, makeData, makeVector, vectorFromArray, type Data, type DataType as ArrowType, type Vector,
} from 'apache-arrow';
import type { DuckDBDataChunk, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
import type { DataType, StructType } from '@loch/delta';
import type { JsonValue } from '../values/json-values.js';
import { provideArrow } from './arrow-output.js';

type Row = { [column: string]: JsonValue };

/** The Arrow type for a Delta type. */
export function arrowType(t: DataType): ArrowType {
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'byte': return new Int8();
        case 'short': return new Int16();
        case 'integer': return new Int32();
        case 'long': return new Int64();
        case 'float': return new Float32();
        case 'double': return new Float64();
        case 'boolean': return new Bool();
        case 'binary': return new Binary();
        case 'date': return new DateDay();
        case 'timestamp': return new TimestampMicrosecond('UTC');
        case 'timestamp_ntz': return new TimestampMicrosecond();
        default: return new Utf8();
      }
    case 'decimal':
      return new Decimal(t.scale, t.precision, 128);
    case 'struct':
      return new Struct(t.fields.map((f) => new Field(f.name, arrowType(f.type), f.nullable)));
    case 'array':
      return new List(new Field('element', arrowType(t.elementType), t.containsNull));
    case 'map':
      return new Map_(new Field('entries', new Struct([new Field('key', arrowType(t.keyType), false), new Field('value', arrowType(t.valueType), t.valueContainsNull)])) as never);
  }
}

function timestampMicros(s: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d{6})Z?$/.exec(s)!;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt(m[2]);
}

function unscaledDecimal(s: string, scale: number): bigint {
  const neg = s.startsWith('-');
  const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(int + frac.padEnd(scale, '0').slice(0, scale));
  return neg ? -v : v;
}

/** A JSON-encoded value back in the form Arrow's builders take (nested values). */
function builderValue(v: JsonValue, t: DataType): unknown {
  if (v === null) return null;
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'long': return BigInt(v as number | string);
        case 'float':
        case 'double': return typeof v === 'string' ? Number(v) : v;
        case 'binary': return Buffer.from(v as string, 'base64');
        case 'date': return new Date(`${v as string}T00:00:00Z`);
        case 'timestamp':
        case 'timestamp_ntz': return Number(timestampMicros(v as string) / 1000n);
        default: return v;
      }
    case 'decimal':
      return decimalWords(unscaledDecimal(v as string, t.scale));
    case 'struct': {
      const o: Record<string, unknown> = {};
      for (const f of t.fields) o[f.name] = builderValue((v as Record<string, JsonValue>)[f.name] ?? null, f.type);
      return o;
    }
    case 'array':
      return (v as JsonValue[]).map((x) => builderValue(x, t.elementType));
    case 'map':
      return new Map(Object.entries(v as Record<string, JsonValue>).map(([k, x]) => [builderValue(t.keyType.kind === 'primitive' && t.keyType.name === 'string' ? k : JSON.parse(k), t.keyType), builderValue(x, t.valueType)]));
  }
}

/** A 128-bit two's complement integer as four little-endian 32-bit words. */
function decimalWords(v: bigint): Uint32Array {
  const out = new Uint32Array(4);
  let x = BigInt.asUintN(128, v);
  for (let i = 0; i < 4; i++) {
    out[i] = Number(x & 0xffffffffn);
    x >>= 32n;
  }
  return out;
}

/** One column; top-level timestamps and decimals are built from exact integers. */
function column(values: readonly JsonValue[], t: DataType): Vector {
  const type = arrowType(t);
  const n = values.length;
  const exact = t.kind === 'decimal' || (t.kind === 'primitive' && (t.name === 'timestamp' || t.name === 'timestamp_ntz' || t.name === 'long'));
  if (!exact) return vectorFromArray(values.map((v) => builderValue(v, t)) as unknown[], type);
  const nullBitmap = new Uint8Array(Math.ceil(n / 8));
  let nullCount = 0;
  const stride = t.kind === 'decimal' ? 4 : 2;
  const data = new Uint32Array(n * stride);
  const big = new BigInt64Array(data.buffer);
  values.forEach((v, i) => {
    if (v === null) {
      nullCount++;
      return;
    }
    nullBitmap[i >> 3] |= 1 << (i & 7);
    if (t.kind === 'decimal') data.set(decimalWords(unscaledDecimal(v as string, t.scale)), i * 4);
    else if (t.kind === 'primitive' && t.name === 'long') big[i] = BigInt(v as number | string);
    else big[i] = timestampMicros(v as string);
  });
  return makeVector(makeData({ type: type as Int64, length: n, nullCount, nullBitmap, data: data as unknown as BigInt64Array }));
}

/** Rows (in Loch's JSON encoding) as an Arrow table with the Delta schema's types. */
export function rowsToArrow(schema: StructType, rows: readonly Row[]): Table {
  const columns: Record<string, Vector> = {};
  for (const f of schema.fields) columns[f.name] = column(rows.map((r) => r[f.name] ?? null), f.type);
  return new Table(arrowSchema(schema), columns);
}

/** Arrow schemas by the Delta schema they were made from: a stream's chunks share one (made once, not per chunk). */
const schemas = new WeakMap<StructType, Schema>();

function arrowSchema(schema: StructType): Schema {
  let s = schemas.get(schema);
  if (!s) {
    s = new Schema(schema.fields.map((f) => new Field(f.name, arrowType(f.type), f.nullable)));
    schemas.set(schema, s);
  }
  return s;
}

/** Columns of values (Loch's JSON encoding), one per schema field, as one record batch. */
export function columnsToRecordBatch(schema: StructType, columns: readonly (readonly JsonValue[])[], length: number): RecordBatch {
  const s = arrowSchema(schema);
  const children = schema.fields.map((f, i) => column(columns[i], f.type).data[0]);
  const data = makeData({ type: new Struct(s.fields), length, nullCount: 0, children });
  return new RecordBatch(s, data);
}

export type Typed = Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** Delta types whose values DuckDB's vectors hold exactly as Arrow does, and the array they come in. */
const FLAT: Readonly<Record<string, new (n: number) => Typed>> = {
  byte: Int8Array,
  short: Int16Array,
  integer: Int32Array,
  long: BigInt64Array,
  float: Float32Array,
  double: Float64Array,
  date: Int32Array,
  timestamp: BigInt64Array,
  timestamp_ntz: BigInt64Array,
};

/** What node-api's vectors of fixed-width types hold: the values, and validity as 64-bit words (null: all valid). */
interface FlatVector {
  readonly items?: unknown;
  readonly validity?: { readonly data: BigUint64Array | null; readonly offset: number };
}

/**
 * One DuckDB chunk as a record batch. Numbers, dates and timestamps are copied from DuckDB's
 * vectors as they are (their layout is Arrow's, validity bits included); strings and other types
 * go through their values (`convert`).
 */
export function chunkToRecordBatch(schema: StructType, chunk: DuckDBDataChunk, convert: readonly ((v: DuckDBValue) => JsonValue)[]): RecordBatch {
  const s = arrowSchema(schema);
  const children = chunkData(schema, chunk, convert);
  return new RecordBatch(s, makeData({ type: new Struct(s.fields), length: chunk.rowCount, nullCount: 0, children }));
}

function chunkData(schema: StructType, chunk: DuckDBDataChunk, convert: readonly ((v: DuckDBValue) => JsonValue)[]): Data[] {
  const s = arrowSchema(schema);
  return schema.fields.map((f, j) => columnData(f.type, s.fields[j].type, chunk.getColumnVector(j), convert[j], chunk.rowCount));
}

/** One DuckDB vector of `n` rows as Arrow data of Delta type `t` (Arrow type `type`). */
function columnData(t: DataType, type: ArrowType, duck: DuckDBVector, convert: (v: DuckDBValue) => JsonValue, n: number): Data {
  const vector = duck as unknown as FlatVector & { getItem(i: number): DuckDBValue };
  const flat = t.kind === 'primitive' ? FLAT[t.name] : undefined;
  if (flat && vector.items instanceof flat && vector.validity?.offset === 0) {
    // node-api's values and validity bits are copies of DuckDB's (its C API binding copies them
    // out), so the batch takes them as they are.
    const v = vector.validity.data;
    const items = vector.items as Typed;
    return flatData(type, items.length === n ? items : items.subarray(0, n), v && new Uint8Array(v.buffer, v.byteOffset, Math.ceil(n / 8)), n);
  }
  if (t.kind === 'primitive' && t.name === 'string') {
    const values = new Array<string | null>(n);
    for (let i = 0; i < n; i++) values[i] = vector.getItem(i) as string | null;
    return vectorFromArray(values, new Utf8()).data[0];
  }
  const values = new Array<JsonValue>(n);
  for (let i = 0; i < n; i++) values[i] = convert(vector.getItem(i));
  return column(values, t).data[0];
}

/** A DuckDB vector of `n` rows as an Arrow vector of Delta type `t`. */
export function duckVectorToArrow(t: DataType, duck: DuckDBVector, convert: (v: DuckDBValue) => JsonValue, n: number): Vector {
  return makeVector(columnData(t, arrowType(t), duck, convert, n));
}

/**
 * What builds Arrow vectors of fixed-width Delta type `t` straight from values and validity
 * bits laid out as Arrow lays them out (as DuckDB's vectors hold them), taking both as they are.
 */
export function flatVectorMaker(t: DataType): (values: Typed, validity: Uint8Array | null, n: number) => Vector {
  const type = arrowType(t);
  return (values, validity, n) => makeVector(flatData(type, values, validity, n));
}

/**
 * Arrow data over values and validity bits the batch owns (copies of DuckDB's: DuckDB reuses its
 * vectors once a call returns); the bits are Arrow's bitmap already.
 */
function flatData(type: ArrowType, data: Typed, validity: Uint8Array | null, n: number): Data {
  if (!validity) return makeData({ type: type as Int32, length: n, nullCount: 0, data: data as Int32Array });
  const bytes = Math.ceil(n / 8);
  const nullBitmap = validity.length === bytes ? validity : validity.subarray(0, bytes);
  // Bits past the last row are not rows: clear them so counting whole bytes counts rows only.
  if (n % 8 !== 0) nullBitmap[bytes - 1] &= (1 << (n % 8)) - 1;
  return makeData({ type: type as Int32, length: n, nullCount: n - countBits(nullBitmap), nullBitmap, data: data as Int32Array });
}

/** How many bits are set, a byte at a time through a table (no per-row work). */
function countBits(bytes: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < bytes.length; i++) count += BITS[bytes[i]];
  return count;
}

const BITS = Uint8Array.from({ length: 256 }, (_, b) => {
  let c = 0;
  for (let x = b; x; x >>= 1) c += x & 1;
  return c;
});

provideArrow({ table: rowsToArrow, batch: chunkToRecordBatch, vector: duckVectorToArrow, flat: flatVectorMaker });
