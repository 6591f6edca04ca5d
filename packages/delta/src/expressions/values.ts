/**
 * Exact, engine-faithful value arithmetic for predicate evaluation: exact decimals, DuckDB's
 * orderings (NaN above every number, strings by code point, which is UTF-8 byte order), dates and
 * timestamps as microseconds since the epoch.
 */
import { parseTimestampMicros } from '../partition/values.js';

/** An exact decimal number: `u / 10^s`. */
export interface Dec {
  readonly u: bigint;
  readonly s: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const POW10: bigint[] = [1n];

function pow10(n: number): bigint {
  for (let i = POW10.length; i <= n; i++) POW10.push(POW10[i - 1] * 10n);
  return POW10[n];
}

/** A decimal number's text (`-12.50`, `1e3`, `.5`) as an exact Dec; undefined when it is not one. */
export function parseDec(text: string): Dec | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 100_000) return undefined;
  let u = BigInt((m[2] || '0') + frac);
  if (m[1] === '-') u = -u;
  let s = frac.length - exp;
  if (s < 0) {
    u *= pow10(-s);
    s = 0;
  }
  return { u, s };
}

export function decFromBigInt(v: bigint): Dec {
  return { u: v, s: 0 };
}

/** The exact value of a finite double as a Dec (every double is a finite binary fraction). */
export function decFromDouble(x: number): Dec | undefined {
  if (!Number.isFinite(x)) return undefined;
  if (Number.isInteger(x)) return { u: BigInt(x), s: 0 };
  let k = 0;
  let y = x;
  while (!Number.isInteger(y)) {
    y *= 2; // exact: a double times two is a double (no overflow below 2^1024 for a non-integer)
    k++;
  }
  return { u: BigInt(y) * 5n ** BigInt(k), s: k };
}

export function compareDec(a: Dec, b: Dec): number {
  if (a.s === b.s) return a.u < b.u ? -1 : a.u > b.u ? 1 : 0;
  const x = a.s < b.s ? a.u * pow10(b.s - a.s) : a.u;
  const y = b.s < a.s ? b.u * pow10(a.s - b.s) : b.u;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The nearest double (correctly rounded, so the mapping is monotonic). */
export function decToNumber(d: Dec): number {
  return Number(d.s === 0 ? d.u.toString() : `${d.u}e-${d.s}`);
}

/** Digits after the point once trailing zeros are dropped. */
export function decScale(d: Dec): number {
  let { u, s } = d;
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s--;
  }
  return s;
}

export function decToString(d: Dec): string {
  const neg = d.u < 0n;
  const digits = (neg ? -d.u : d.u).toString();
  if (d.s === 0) return (neg ? '-' : '') + digits;
  const padded = digits.padStart(d.s + 1, '0');
  return `${neg ? '-' : ''}${padded.slice(0, -d.s)}.${padded.slice(-d.s)}`;
}

/** DuckDB's order for doubles: NaN is above every other value and equal to itself; -0 = 0. */
export function compareDouble(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strings by code point, which is the order of their UTF-8 bytes (DuckDB's and Delta's order). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only between surrogates and U+E000..U+FFFF.
    x = x >= 0xd800 ? (x <= 0xdfff ? x + 0x2000 : x - 0x800) : x;
    y = y >= 0xd800 ? (y <= 0xdfff ? y + 0x2000 : y - 0x800) : y;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const MICROS_PER_DAY = 86_400_000_000n;
const DATE = /^\s*(-?\d{4,})-(\d{1,2})-(\d{1,2})\s*$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian); undefined if not a date. */
export function dateToDays(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  if (t.getUTCDate() !== d) return undefined; // rolled over: February 30th and the like
  return Math.round(t.getTime() / 86_400_000);
}

/**
 * Microseconds since the epoch of a date (`YYYY-MM-DD`, midnight) or a timestamp; a zone offset
 * is honoured where `allowZone`, and a value without one is read as UTC.
 */
export function temporalMicros(text: string, allowZone: boolean): bigint | undefined {
  const days = dateToDays(text);
  if (days !== undefined) return BigInt(days) * MICROS_PER_DAY;
  return parseTimestampMicros(text, allowZone);
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
const F64 = new Float64Array(1);
const I64 = new BigInt64Array(F64.buffer);

/** The next float32 above (dir 1) or below (dir -1) a float32 value. */
export function nextFloat32(f: number, dir: 1 | -1): number {
  if (Number.isNaN(f) || f === dir * Infinity) return f;
  if (f === 0) return dir * 2 ** -149;
  F32[0] = f;
  I32[0] += (f > 0) === (dir > 0) ? 1 : -1;
  return F32[0];
}

/** The next double above (dir 1) or below (dir -1). */
export function nextDouble(x: number, dir: 1 | -1): number {
  if (Number.isNaN(x) || x === dir * Infinity) return x;
  if (x === 0) return dir * Number.MIN_VALUE;
  F64[0] = x;
  I64[0] += (x > 0) === (dir > 0) ? 1n : -1n;
  return F64[0];
}

/**
 * The doubles (or floats) an engine may turn an exact number into: the nearest one when the
 * number is exactly representable, else it and its neighbours (an engine's rounding may differ
 * from correct rounding by one step).
 */
export function roundingCandidates(d: Dec, float32: boolean): number[] {
  const x = float32 ? Math.fround(decToNumber(d)) : decToNumber(d);
  const exact = decFromDouble(x);
  if (exact && compareDec(exact, d) === 0) return [x];
  return float32 ? [nextFloat32(x, -1), x, nextFloat32(x, 1)] : [nextDouble(x, -1), x, nextDouble(x, 1)];
}
