/**
 * Loch's result values (its JSON encoding) printed the way Spark's golden files print them
 * (Spark's HiveResult: `NULL` at the top level and `null` inside, strings quoted inside arrays,
 * maps and structs, map entries sorted, timestamps in the session time zone).
 */
import type { SparkType } from './spark-types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function display(v: Json | undefined, t: SparkType, timeZone: string, nested = false): string {
  if (v === null || v === undefined) return nested ? 'null' : 'NULL';
  switch (t.kind) {
    case 'decimal':
      return String(v);
    case 'array':
      return Array.isArray(v) ? `[${v.map((x) => display(x, t.element, timeZone, true)).join(',')}]` : String(v);
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return String(v);
      const entries = Object.entries(v).map(([k, x]) => `${display(mapKey(k, t.key), t.key, timeZone, true)}:${display(x, t.value, timeZone, true)}`);
      return `{${entries.sort().join(',')}}`;
    }
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) return String(v);
      const values = Object.values(v);
      return `{${t.fields.map((f, i) => `"${f.name}":${display(values[i], f.type, timeZone, true)}`).join(',')}}`;
    }
    case 'atom':
      return atom(v, t.name, timeZone, nested);
  }
}

/** Map keys are object keys in Loch's JSON: strings, or JSON text for other types. */
function mapKey(k: string, t: SparkType): Json {
  if (t.kind === 'atom' && (t.name === 'string' || t.name === 'date' || t.name.startsWith('timestamp'))) return k;
  try {
    return JSON.parse(k) as Json;
  } catch {
    return k;
  }
}

function atom(v: Json, name: string, timeZone: string, nested: boolean): string {
  switch (name) {
    case 'string':
      return nested ? `"${text(v)}"` : text(v);
    case 'double':
      return typeof v === 'number' ? javaDouble(v) : String(v);
    case 'float':
      return typeof v === 'number' ? javaFloat(v) : String(v);
    case 'binary':
      return typeof v === 'string' ? new TextDecoder().decode(Buffer.from(v, 'base64')) : String(v);
    case 'timestamp':
    case 'timestamp_ltz':
      return typeof v === 'string' ? timestamp(v, timeZone) : String(v);
    case 'timestamp_ntz':
      return typeof v === 'string' ? timestamp(v, undefined) : String(v);
    case 'interval year to month':
    case 'interval day to second':
      return typeof v === 'string' ? sparkInterval(v, name) ?? v : String(v);
    default:
      return text(v);
  }
}

function text(v: Json): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Java's Double.toString: plain from 1e-3 to 1e7 (with at least one decimal), scientific otherwise. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return javaStyle(x, String(x), x.toExponential());
}

/** Java's Float.toString: the shortest decimal that reads back as the same float. */
export function javaFloat(x: number): string {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return javaDouble(x);
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) {
      const n = Number(s);
      return javaStyle(n, String(n), n.toExponential());
    }
  }
  return javaDouble(x);
}

function javaStyle(x: number, plain: string, exponential: string): string {
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e7) return plain.includes('.') || plain.includes('e') ? plain : `${plain}.0`;
  const [mantissa, exponent] = exponential.split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** `yyyy-MM-dd HH:mm:ss[.fraction]` of a Loch timestamp (`...Z`, an instant) in the zone, or of a wall clock. */
function timestamp(v: string, timeZone: string | undefined): string {
  const m = /^([+-]?\d{4,})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?)?(Z)?$/.exec(v);
  if (!m) return v;
  const fraction = (m[7] ?? '').replace(/0+$/, '');
  let [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '00', m[5] ?? '00', m[6] ?? '00'];
  if (m[8] && timeZone) {
    // (Date.UTC reads years 0 to 99 as 1900 to 1999.)
    const at = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
    at.setUTCFullYear(Number(y));
    const utc = at.getTime();
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', era: 'short' })
        .formatToParts(new Date(utc))
        .map((p) => [p.type, p.value]),
    );
    const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
    [y, mo, d, h, mi, s] = [String(year).padStart(4, '0'), parts.month, parts.day, parts.hour, parts.minute, parts.second];
  }
  return `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Loch's interval text (DuckDB's: `1 year 2 months 3 days -04:05:06.5`) as Spark prints its two
 * interval types: `y-m` for YEAR TO MONTH, `d hh:mm:ss.nnnnnnnnn` for DAY TO SECOND.
 */
function sparkInterval(v: string, type: string): string | undefined {
  let months = 0;
  let micros = 0n;
  const rest = v.replace(/(-?\d+) (year|month|day)s?/g, (_, n: string, unit: string) => {
    if (unit === 'year') months += Number(n) * 12;
    else if (unit === 'month') months += Number(n);
    else micros += BigInt(n) * 86_400_000_000n;
    return '';
  });
  const time = /(-)?(\d+):(\d+):(\d+)(?:\.(\d+))?/.exec(rest);
  if (time) {
    const t = (BigInt(time[2]) * 3600n + BigInt(time[3]) * 60n + BigInt(time[4])) * 1_000_000n + BigInt((time[5] ?? '').padEnd(6, '0').slice(0, 6) || '0');
    micros += time[1] ? -t : t;
  }
  if (type === 'interval year to month') {
    if (micros !== 0n) return undefined;
    const a = Math.abs(months);
    return `${months < 0 ? '-' : ''}${Math.floor(a / 12)}-${a % 12}`;
  }
  if (months !== 0) return undefined;
  const a = micros < 0n ? -micros : micros;
  const pad = (n: bigint) => String(n).padStart(2, '0');
  const secs = a / 1_000_000n;
  return `${micros < 0n ? '-' : ''}${secs / 86400n} ${pad((secs % 86400n) / 3600n)}:${pad((secs % 3600n) / 60n)}:${pad(secs % 60n)}.${String(a % 1_000_000n).padStart(6, '0')}000`;
}
