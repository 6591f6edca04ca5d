import type { DuckDBValue } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';

/** A value as Loch's JSON encoding writes it (see design/CLI.md, "Values in jsonl"). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Converts one DuckDB value of a column whose Delta type is `t`. */
export function toJsonValue(v: DuckDBValue, t: DataType): JsonValue {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'primitive':
      return primitive(v, t.name);
    case 'decimal':
      return decimalString((v as { value: bigint }).value, t.scale);
    case 'struct': {
      const entries = (v as { entries: Record<string, DuckDBValue> }).entries;
      const out: { [key: string]: JsonValue } = {};
      for (const f of t.fields) out[f.name] = toJsonValue(entries[f.name] ?? null, f.type);
      return out;
    }
    case 'array':
      return (v as { items: readonly DuckDBValue[] }).items.map((x) => toJsonValue(x, t.elementType));
    case 'map': {
      const out: { [key: string]: JsonValue } = {};
      for (const e of (v as { entries: { key: DuckDBValue; value: DuckDBValue }[] }).entries) {
        const k = toJsonValue(e.key, t.keyType);
        out[typeof k === 'string' ? k : JSON.stringify(k)] = toJsonValue(e.value, t.valueType);
      }
      return out;
    }
  }
}

function primitive(v: DuckDBValue, name: string): JsonValue {
  switch (name) {
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      if (typeof v === 'bigint') return v > MAX_SAFE || v < -MAX_SAFE ? v.toString() : Number(v);
      return v as number;
    case 'float':
    case 'double': {
      const n = v as number;
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return n;
    }
    case 'boolean':
      return v as boolean;
    case 'binary':
      return Buffer.from((v as { bytes: Uint8Array }).bytes).toString('base64');
    case 'date':
      return formatDate((v as { days: number }).days);
    case 'timestamp':
      return `${formatTimestamp((v as { micros: bigint }).micros)}Z`;
    case 'timestamp_ntz':
      return formatTimestamp((v as { micros: bigint }).micros);
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

/** An exact decimal string with its scale: 12340 at scale 3 is "12.340". */
export function decimalString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString();
  if (scale === 0) return (neg ? '-' : '') + digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatYear(y: number): string {
  return y < 0 ? `-${pad(-y, 4)}` : y > 9999 ? `+${y}` : pad(y, 4);
}

export function formatDate(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${formatYear(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff` for microseconds since the epoch. */
export function formatTimestamp(micros: bigint): string {
  let ms = micros / 1000n;
  let us = micros % 1000n;
  if (us < 0n) {
    us += 1000n;
    ms -= 1n;
  }
  const d = new Date(Number(ms));
  const frac = pad(d.getUTCMilliseconds(), 3) + pad(Number(us), 3);
  return `${formatYear(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${frac}`;
}
