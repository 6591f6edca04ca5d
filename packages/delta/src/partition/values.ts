import { deltaError } from '../errors.js';
import type { DataType } from '../schema/types.js';

/**
 * A partition value parsed from its log string: number for byte/short/integer/float/double,
 * bigint for long and for timestamps (microseconds since the epoch, UTC for `timestamp`),
 * string for string/decimal/date, boolean, Uint8Array for binary.
 */
export type PartitionValue = null | string | number | bigint | boolean | Uint8Array;

const DATE = /^(-?\d{4,})-(\d{1,2})-(\d{1,2})$/;
const TIMESTAMP = /^(-?\d{4,})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)$|^NaN$/;
const INT_RANGE = { byte: 2n ** 7n, short: 2n ** 15n, integer: 2n ** 31n, long: 2n ** 63n } as const;

/** Parses a serialized partition value per the protocol's "Partition Value Serialization". */
export function parsePartitionValue(raw: string | null | undefined, type: DataType, column: string): PartitionValue {
  // "An empty string for any type translates to a null partition value."
  if (raw === null || raw === undefined || raw === '') return null;
  const bad = (what: string) =>
    deltaError('DELTA_INVALID_PARTITION_VALUE', `partition column '${column}': '${raw}' is not a valid ${what}`);
  if (type.kind === 'decimal') {
    if (!DECIMAL.test(raw.trim())) throw bad(`decimal(${type.precision},${type.scale})`);
    return raw.trim();
  }
  if (type.kind !== 'primitive') throw bad('partition type (partition columns must be primitive)');
  switch (type.name) {
    case 'string':
      return raw;
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      if (!INTEGER.test(raw)) throw bad(type.name);
      const v = BigInt(raw);
      const limit = INT_RANGE[type.name];
      if (v < -limit || v >= limit) throw bad(type.name);
      return type.name === 'long' ? v : Number(v);
    }
    case 'float':
    case 'double':
      if (!FLOAT.test(raw)) throw bad(type.name);
      return Number(raw);
    case 'boolean':
      if (raw.toLowerCase() === 'true') return true;
      if (raw.toLowerCase() === 'false') return false;
      throw bad('boolean');
    case 'date': {
      const m = DATE.exec(raw);
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw bad('date');
      return `${m[1].padStart(4, '0')}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = parseTimestampMicros(raw, type.name === 'timestamp');
      if (micros === undefined) throw bad(type.name);
      return micros;
    }
    case 'binary':
      return new TextEncoder().encode(raw);
    default:
      throw bad(`partition type ('${type.name}' cannot be a partition column)`);
  }
}

/**
 * Microseconds since the epoch for `YYYY-MM-DD HH:MM:SS[.ffffff][zone]`. A value without a zone
 * is read as UTC: that is how the protocol serializes `timestamp` partition values.
 */
export function parseTimestampMicros(raw: string, allowZone: boolean): bigint | undefined {
  const m = TIMESTAMP.exec(raw.trim());
  if (!m) return undefined;
  if (m[8] && !allowZone && m[8] !== 'Z') return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  // Date.UTC rolls out-of-range fields over (month 13 is next January): refuse them instead.
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0..99 as 1900..1999
  d.setUTCHours(hour, minute, second, 0);
  const ms = d.getTime();
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  let micros = BigInt(ms) * 1000n + BigInt(frac || '0');
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2) || '0');
    if (zh > 18 || zm > 59) return undefined;
    const minutes = BigInt(zh * 60 + zm);
    micros -= sign * minutes * 60_000_000n;
  }
  return micros;
}

/** Whether year-month-day is a day of the proleptic Gregorian calendar. */
function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}
