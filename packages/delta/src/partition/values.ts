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

/** Parses a serialized partition value per the protocol's "Partition Value Serialization". */
export function parsePartitionValue(raw: string | null | undefined, type: DataType, column: string): PartitionValue {
  if (raw === null || raw === undefined) return null;
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
    case 'integer': {
      if (raw === '') return null;
      if (!INTEGER.test(raw)) throw bad(type.name);
      return Number(raw);
    }
    case 'long':
      if (raw === '') return null;
      if (!INTEGER.test(raw)) throw bad(type.name);
      return BigInt(raw);
    case 'float':
    case 'double': {
      if (raw === '') return null;
      const v = Number(raw);
      if (Number.isNaN(v) && raw !== 'NaN') throw bad(type.name);
      return v;
    }
    case 'boolean':
      if (raw === '') return null;
      if (raw.toLowerCase() === 'true') return true;
      if (raw.toLowerCase() === 'false') return false;
      throw bad('boolean');
    case 'date': {
      if (raw === '') return null;
      const m = DATE.exec(raw);
      if (!m) throw bad('date');
      return `${m[1].padStart(4, '0')}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      if (raw === '') return null;
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
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  let micros = BigInt(ms) * 1000n + BigInt(frac || '0');
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const minutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
    micros -= sign * minutes * 60_000_000n;
  }
  return micros;
}
