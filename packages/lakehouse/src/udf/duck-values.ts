import type { DuckDBValue } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';
import { duckdbApi } from '@loch/engine-node';

const { DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampTZValue, DuckDBTimestampValue, listValue, mapValue, structValue } = duckdbApi;

const MS_PER_DAY = 86_400_000;

/** A type as users write it (Spark's names), for messages. */
export function typeText(t: DataType): string {
  switch (t.kind) {
    case 'primitive': return t.name;
    case 'decimal': return `decimal(${t.precision},${t.scale})`;
    case 'array': return `array<${typeText(t.elementType)}>`;
    case 'map': return `map<${typeText(t.keyType)},${typeText(t.valueType)}>`;
    case 'struct': return `struct<${t.fields.map((f) => `${f.name}:${typeText(f.type)}`).join(',')}>`;
  }
}

/** What a JS value is, for messages (`string 'abc'`, `number 1.5`). */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return (v as object).constructor?.name ?? typeof v;
}

class ValueTypeError extends Error {}

const mismatch = (v: unknown, t: DataType): never => {
  throw new ValueTypeError(`${describeValue(v)} is not a ${typeText(t)}`);
};

/**
 * A value a function returned as the DuckDB value of Delta type `t`, or a ValueTypeError
 * saying why it is not one. Takes the forms users write and Arrow's `get()` returns: numbers,
 * bigints, strings, Dates (and epoch milliseconds for dates and timestamps), Uint8Arrays, objects
 * and Arrow struct rows for structs, arrays and Arrow vectors for arrays, Maps for maps.
 */
export function duckValue(v: unknown, t: DataType): DuckDBValue {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'primitive':
      return primitiveValue(v, t.name);
    case 'decimal':
      return decimalValue(v, t);
    case 'array': {
      const items = arrayItems(v) ?? mismatch(v, t);
      return listValue(items.map((x) => duckValue(x, t.elementType)));
    }
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) mismatch(v, t);
      const o = v as Record<string, unknown>;
      return structValue(Object.fromEntries(t.fields.map((f) => [f.name, duckValue(o[f.name], f.type)])));
    }
    case 'map': {
      const entries = v instanceof Map ? [...v.entries()] : typeof v === 'object' && v !== null ? Object.entries(v as object) : mismatch(v, t);
      return mapValue(entries.map(([key, value]) => ({ key: duckValue(key, t.keyType), value: duckValue(value, t.valueType) })));
    }
  }
}

function arrayItems(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>);
  const vec = v as { toArray?: () => ArrayLike<unknown>; get?: unknown; length?: number };
  if (typeof vec.toArray === 'function' && typeof vec.get === 'function') return Array.from({ length: vec.length ?? 0 }, (_, i) => (v as { get(i: number): unknown }).get(i));
  return undefined;
}

const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};

function primitiveValue(v: unknown, name: string): DuckDBValue {
  const t: DataType = { kind: 'primitive', name } as DataType;
  switch (name) {
    case 'double':
    case 'float':
      // An Int64 column (bigints) into a double is a widening Arrow does too.
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : mismatch(v, t);
    case 'byte':
    case 'short':
    case 'integer': {
      const n = typeof v === 'bigint' ? Number(v) : v;
      const [lo, hi] = INT_RANGE[name];
      if (typeof n !== 'number' || !Number.isInteger(n)) return mismatch(v, t);
      if (n < lo || n > hi) throw new ValueTypeError(`${n} is out of the range of ${name}`);
      return n;
    }
    case 'long':
      if (typeof v === 'bigint') {
        if (BigInt.asIntN(64, v) !== v) throw new ValueTypeError(`${v} is out of the range of long`);
        return v;
      }
      return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : mismatch(v, t);
    case 'string':
    case 'variant':
      return typeof v === 'string' ? v : mismatch(v, t);
    case 'boolean':
      return typeof v === 'boolean' ? v : mismatch(v, t);
    case 'binary':
      return v instanceof Uint8Array ? new DuckDBBlobValue(v) : mismatch(v, t);
    case 'date': {
      const ms = millis(v) ?? mismatch(v, t);
      return new DuckDBDateValue(Math.floor(ms / MS_PER_DAY));
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = typeof v === 'bigint' ? v : BigInt(millis(v) ?? mismatch(v, t)) * 1000n;
      return name === 'timestamp' ? new DuckDBTimestampTZValue(micros) : new DuckDBTimestampValue(micros);
    }
  }
  return mismatch(v, t);
}

/** Epoch milliseconds of a Date, of a number (Arrow's dates and timestamps), or of an ISO text. */
function millis(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00Z` : v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function decimalValue(v: unknown, t: Extract<DataType, { kind: 'decimal' }>): DuckDBValue {
  let unscaled: bigint;
  if (v instanceof Uint32Array && v.length === 4) {
    // Arrow's Decimal128 get(): four little-endian 32-bit words of the unscaled value.
    let x = 0n;
    for (let i = 3; i >= 0; i--) x = (x << 32n) | BigInt(v[i]);
    unscaled = BigInt.asIntN(128, x);
  } else if (typeof v === 'bigint') unscaled = v * 10n ** BigInt(t.scale);
  else if (typeof v === 'number' && Number.isFinite(v)) unscaled = BigInt(Math.round(v * 10 ** t.scale));
  else if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) {
    const neg = v.startsWith('-');
    const [int, frac = ''] = (neg ? v.slice(1) : v).split('.');
    if (frac.length > t.scale && /[^0]/.test(frac.slice(t.scale))) throw new ValueTypeError(`${v} has more than ${t.scale} decimal places`);
    const u = BigInt(int + frac.padEnd(t.scale, '0').slice(0, t.scale));
    unscaled = neg ? -u : u;
  } else return mismatch(v, t);
  if ((unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(t.precision)) throw new ValueTypeError(`${describeValue(v)} does not fit ${typeText(t)}`);
  return new DuckDBDecimalValue(unscaled, t.precision, t.scale);
}

export { ValueTypeError };
