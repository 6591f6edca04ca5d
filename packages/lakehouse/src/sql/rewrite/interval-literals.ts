/**
 * Spark's interval literals DuckDB does not read: a unit range (`INTERVAL '2-3' YEAR TO MONTH`,
 * `INTERVAL '1 02:03:04.5' DAY TO SECOND`, HOUR TO SECOND, ...), several units in a row
 * (`INTERVAL 3 YEAR 1 MONTH`, `interval 23 days 4 hours`) and a sign before a quoted value
 * (`INTERVAL -'10.5' SECOND`). Each becomes one `INTERVAL '...'` in DuckDB's text form; the forms
 * DuckDB reads as Spark does (`INTERVAL 3 DAY`, `INTERVAL '3' DAY`) are left alone.
 */
import { sqlError } from '../errors.js';
import { isPunct, isWord, tokenize, type Token } from '../parse/lexer.js';
import { nextSig } from './tokens.js';

const UNITS = new Map<string, string>([
  ...['YEAR', 'YEARS'].map((u): [string, string] => [u, 'year']),
  ...['MONTH', 'MONTHS'].map((u): [string, string] => [u, 'month']),
  ...['WEEK', 'WEEKS'].map((u): [string, string] => [u, 'week']),
  ...['DAY', 'DAYS'].map((u): [string, string] => [u, 'day']),
  ...['HOUR', 'HOURS'].map((u): [string, string] => [u, 'hour']),
  ...['MINUTE', 'MINUTES'].map((u): [string, string] => [u, 'minute']),
  ...['SECOND', 'SECONDS'].map((u): [string, string] => [u, 'second']),
  ...['MILLISECOND', 'MILLISECONDS'].map((u): [string, string] => [u, 'millisecond']),
  ...['MICROSECOND', 'MICROSECONDS'].map((u): [string, string] => [u, 'microsecond']),
]);

export function intervalLiterals(text: string): string {
  if (!/\bINTERVAL\b/i.test(text)) return text;
  const tokens = tokenize(text);
  let out = '';
  let last = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'INTERVAL')) continue;
    const lit = literalAt(tokens, i);
    // A RANGE frame bound: Spark checks it against the ORDER BY's type (a date takes no times),
    // which the rewrite cannot see; DuckDB's own reading stands.
    if (!lit || isWord(tokens[nextSig(tokens, lit.end)], 'PRECEDING', 'FOLLOWING')) continue;
    out += text.slice(last, tokens[i].start) + `INTERVAL '${lit.text}'`;
    last = tokens[lit.end].end;
    i = lit.end;
  }
  return out + text.slice(last);
}

/** A value of a unit pair: a number or a string, with an optional sign before it. */
function valueAt(tokens: readonly Token[], k: number): { value: string; end: number } | undefined {
  let sign = '';
  if (isPunct(tokens[k], '-') || isPunct(tokens[k], '+')) {
    sign = tokens[k].text === '-' ? '-' : '';
    k = nextSig(tokens, k);
  }
  const t = tokens[k];
  if (t?.kind === 'number') return { value: sign + t.text, end: k };
  if (t?.kind === 'string') return { value: sign === '-' ? negate(t.value.trim()) : t.value.trim(), end: k };
  return undefined;
}

const negate = (v: string) => (v.startsWith('-') ? v.slice(1) : v.startsWith('+') ? `-${v.slice(1)}` : `-${v}`);

function literalAt(tokens: readonly Token[], i: number): { text: string; end: number } | undefined {
  const first = valueAt(tokens, nextSig(tokens, i));
  if (!first) return undefined;
  const unitAt = nextSig(tokens, first.end);
  const unit = UNITS.get(tokens[unitAt]?.kind === 'word' ? tokens[unitAt].text.toUpperCase() : '');
  if (!unit) return undefined;
  const to = nextSig(tokens, unitAt);
  if (isWord(tokens[to], 'TO')) {
    const endAt = nextSig(tokens, to);
    const endUnit = UNITS.get(tokens[endAt]?.kind === 'word' ? tokens[endAt].text.toUpperCase() : '');
    if (!endUnit) return undefined;
    return { text: unitRange(first.value, unit, endUnit), end: endAt };
  }
  const pairs = [`${first.value} ${unit}`];
  let end = unitAt;
  const signed = isPunct(tokens[nextSig(tokens, i)], '-') && tokens[first.end].kind === 'string';
  for (;;) {
    const v = valueAt(tokens, nextSig(tokens, end));
    if (!v || isPunct(tokens[nextSig(tokens, end)], '-') || isPunct(tokens[nextSig(tokens, end)], '+')) break;
    const u = UNITS.get(tokens[nextSig(tokens, v.end)]?.kind === 'word' ? tokens[nextSig(tokens, v.end)].text.toUpperCase() : '');
    if (!u) break;
    pairs.push(`${v.value} ${u}`);
    end = nextSig(tokens, v.end);
  }
  if (pairs.length === 1 && !signed) return undefined;
  // Spark's two interval types do not mix in one literal.
  const units = pairs.map((p) => p.split(' ')[1]);
  if (units.some((u) => u === 'year' || u === 'month') && units.some((u) => u !== 'year' && u !== 'month')) {
    throw sqlError(`INTERVAL ${pairs.join(' ')}: year and month cannot be mixed with days or times in one interval, as in Spark`);
  }
  return { text: pairs.join(' '), end };
}

/** `'y-m' YEAR TO MONTH`, `'d h:m:s' DAY TO SECOND`, ... in DuckDB's interval text. */
function unitRange(value: string, from: string, to: string): string {
  const m = /^([+-])?(.*)$/.exec(value.trim())!;
  const neg = m[1] === '-';
  const body = m[2].trim();
  const bad = () => sqlError(`INTERVAL '${value}' ${from.toUpperCase()} TO ${to.toUpperCase()}: the value does not match the range, as Spark requires`);
  const sign = (s: string) => (neg ? `-${s}` : s);
  if (from === 'year' && to === 'month') {
    const ym = /^(\d+)-(\d+)$/.exec(body);
    if (!ym) throw bad();
    return `${sign(ym[1])} years ${sign(ym[2])} months`;
  }
  const fields = ['day', 'hour', 'minute', 'second'];
  const a = fields.indexOf(from);
  const b = fields.indexOf(to);
  if (a < 0 || b <= a) throw bad();
  const parts = body.split(/[ :]/);
  if (parts.length !== b - a + 1 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p)) || parts.slice(0, -1).some((p) => p.includes('.'))) throw bad();
  const values = new Map(fields.slice(a, b + 1).map((f, k) => [f, parts[k]]));
  const time = ['hour', 'minute', 'second'].map((f) => values.get(f) ?? '0').join(':');
  return `${values.has('day') ? `${sign(values.get('day')!)} days ` : ''}${sign(time)}`;
}
