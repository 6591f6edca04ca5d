/** A Loch result against Spark's golden output, compared by Spark's types. */
import { display } from './spark-display.js';
import { hasFloating, type SparkType } from './spark-types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Actual {
  readonly columns: readonly { readonly name: string }[];
  readonly rows: readonly Record<string, unknown>[];
}

/** Undefined when they match; otherwise what differs, in a line. */
export function compareResult(expected: string, fields: readonly { name: string; type: SparkType }[], actual: Actual, ordered: boolean, timeZone: string): string | undefined {
  if (actual.columns.length !== fields.length) return `${actual.columns.length} columns, Spark has ${fields.length}`;
  const got = actual.rows.map((r) => actual.columns.map((c, i) => display(r[c.name] as Json, fields[i].type, timeZone)));
  // Spark's suite prints the rows (sorted as text unless the query orders them) and trims the
  // output's trailing whitespace: the same text is a match, values with newlines or tabs included.
  const lines = got.map((r) => r.join('\t'));
  if ((ordered ? lines : [...lines].sort()).join('\n').replace(/\s+$/, '') === expected) return undefined;
  const want = expected === '' ? [] : expected.split('\n');
  if (got.length !== want.length) return `${got.length} rows, Spark has ${want.length}: ${preview(got)}`;
  const same = (w: string, g: string[]) => rowMatches(w, g, fields);
  if (ordered) {
    for (let i = 0; i < want.length; i++) if (!same(want[i], got[i])) return `row ${i + 1}: ${got[i].join('\t')} | Spark: ${want[i]}`;
    return undefined;
  }
  const left = got.slice();
  for (const w of want) {
    const k = left.findIndex((g) => same(w, g));
    if (k < 0) return `no row like Spark's ${w} in ${preview(got)}`;
    left.splice(k, 1);
  }
  return undefined;
}

function preview(rows: string[][]): string {
  const text = rows.slice(0, 5).map((r) => r.join('\t')).join(' / ');
  return rows.length > 5 ? `${text} / ...` : text;
}

function rowMatches(want: string, got: string[], fields: readonly { type: SparkType }[]): boolean {
  const cells = want.split('\t');
  // A value with a tab in it: compare the whole line.
  if (cells.length !== got.length) return want === got.join('\t');
  return cells.every((w, i) => cellMatches(w, got[i], fields[i].type));
}

function cellMatches(want: string, got: string, t: SparkType): boolean {
  if (want === got) return true;
  if (t.kind === 'decimal') return sameDecimal(want, got);
  if (t.kind === 'atom' && (t.name === 'double' || t.name === 'float')) return sameFloating(want, got, t.name === 'float');
  if (t.kind === 'atom') return false;
  // Nested values: the text around numbers must be equal, the numbers equal by value.
  const re = /-?\d+(?:\.\d+)?(?:E-?\d+)?|NaN|-?Infinity/g;
  if (want.replace(re, '#') !== got.replace(re, '#')) return false;
  const [a, b] = [want.match(re) ?? [], got.match(re) ?? []];
  const floating = hasFloating(t);
  return a.every((x, i) => x === b[i] || sameDecimal(x, b[i]) || (floating && sameFloating(x, b[i], true)));
}

/** Decimals by exact value (`1.50` is `1.5`). */
function sameDecimal(a: string, b: string): boolean {
  const norm = (s: string) => {
    const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s.trim());
    if (!m) return undefined;
    const int = m[2].replace(/^0+/, '') || '0';
    const frac = (m[3] ?? '').replace(/0+$/, '');
    const digits = `${int}${frac ? `.${frac}` : ''}`;
    return digits === '0' ? '0' : `${m[1]}${digits}`;
  };
  const [x, y] = [norm(a), norm(b)];
  return x !== undefined && x === y;
}

/** Doubles within a relative 1e-9 (floats 1e-6); NaN and infinities by name. */
function sameFloating(a: string, b: string, float: boolean): boolean {
  const [x, y] = [Number(a), Number(b)];
  if (a.trim() === '' || b.trim() === '') return false;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) && a === b;
  if (x === y) return true;
  const tolerance = float ? 1e-6 : 1e-9;
  return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
}
