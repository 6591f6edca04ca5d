/**
 * Spark's subscripts: `arr[i]` counts from 0 and is NULL outside the array (a negative index
 * included), `map[key]` looks the key up. DuckDB counts list positions from 1 and from the end for
 * a negative index. Which one a subscript is depends on the value's type, which the text does not
 * say: a CASE on `typeof(value)` (folded while binding) picks it, unless the value is visibly an
 * array or a map. DuckDB's slices (`x[1:2]`) are left alone.
 */
import { isPunct, isWord, tokenize, type Token } from '../parse/lexer.js';
import { isSig } from './tokens.js';

const MAP_MAKERS = new Set(['map', 'map_from_arrays', 'map_from_entries', 'map_concat', 'str_to_map']);
const ARRAY_MAKERS = new Set(['array', 'split', 'sequence', 'array_repeat', 'collect_list', 'collect_set', 'map_keys', 'map_values']);

export function subscripts(text: string): string {
  const tokens = tokenize(text);
  if (!tokens.some((t) => isPunct(t, '['))) return text;
  const sig = tokens.filter(isSig);
  const found: Subscript[] = [];
  for (let j = 0; j < sig.length; j++) {
    if (!isPunct(sig[j], '[') || !endsOperand(sig[j - 1])) continue;
    const close = closing(sig, j);
    // A slice (`x[1:2]`) is DuckDB's, `[]` a list type's (`INTEGER[]`).
    if (close === undefined || close === j + 1 || sig.slice(j + 1, close).some((t, k) => isPunct(t, ':') && depthAt(sig, j + 1, j + 1 + k) === 0)) continue;
    const start = baseStart(sig, j - 1);
    if (start === undefined) continue;
    // A string key is a map's (an array's index is a number).
    const kind = close === j + 2 && sig[j + 1].kind === 'string' ? 'map' : kindOf(sig, start, j);
    found.push({ from: sig[start].start, open: sig[j].start, openEnd: sig[j].end, close: sig[close].start, to: sig[close].end, kind });
  }
  return found.length === 0 ? text : rewriteRange(text, 0, text.length, found);
}

interface Subscript {
  /** Where the value subscripted starts. */
  readonly from: number;
  /** The `[` and the `]`. */
  readonly open: number;
  readonly openEnd: number;
  readonly close: number;
  readonly to: number;
  readonly kind: 'array' | 'map' | 'unknown';
}

/** The text of [from, to) with every subscript inside it rewritten (nested ones inside out). */
function rewriteRange(text: string, from: number, to: number, all: readonly Subscript[]): string {
  const inside = all.filter((s) => s.from >= from && s.to <= to && !(s.from === from && s.to === to));
  const outermost = inside.filter((s) => !inside.some((o) => o !== s && o.from <= s.from && o.to >= s.to));
  outermost.sort((a, b) => a.from - b.from);
  let out = '';
  let at = from;
  for (const s of outermost) {
    out += text.slice(at, s.from) + subscript(rewriteRange(text, s.from, s.open, all), rewriteRange(text, s.openEnd, s.close, all), s.kind);
    at = s.to;
  }
  return out + text.slice(at, to);
}

/**
 * The element: for a value that may be either, one subscript whose index is the key for a map and
 * the position for an array (DuckDB's `::` casts, which the function rewrite leaves alone).
 */
function subscript(base: string, index: string, kind: Subscript['kind']): string {
  const b = `(${base})`;
  const i = `(${index})`;
  const position = `CASE WHEN ${i}::BIGINT >= 0 THEN ${i}::BIGINT + 1 END`;
  if (kind === 'array') return `${b}[${position}]`;
  if (kind === 'map') return `${b}[${index}]`;
  return `${b}[CASE WHEN typeof(${b}) LIKE 'MAP(%' THEN ${i} ELSE ${position} END]`;
}

function kindOf(sig: Token[], start: number, open: number): Subscript['kind'] {
  const t = sig[start];
  if (isPunct(t, '[') && closing(sig, start) === open - 1) return 'array';
  if (t.kind === 'word' && isPunct(sig[start + 1], '(') && closing(sig, start + 1) === open - 1) {
    const name = t.text.toLowerCase();
    if (MAP_MAKERS.has(name)) return 'map';
    if (ARRAY_MAKERS.has(name)) return 'array';
  }
  return 'unknown';
}

function endsOperand(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === 'quoted') return true;
  if (t.kind === 'word') return !isWord(t, 'SELECT', 'WHERE', 'AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'IN', 'BY', 'ON', 'AS', 'VALUES', 'ARRAY', 'IS', 'HAVING', 'RETURN', 'LIKE', 'DISTINCT');
  return isPunct(t, ')') || isPunct(t, ']');
}

/** The first token of the operand ending at `k`: a (qualified) name, a call, a bracketed expression, each with its own subscripts. */
function baseStart(sig: Token[], k: number): number | undefined {
  let j = k;
  for (;;) {
    const t = sig[j];
    let start: number;
    if (isPunct(t, ')') || isPunct(t, ']')) {
      const open = opening(sig, j);
      if (open === undefined) return undefined;
      start = open;
      if (isPunct(t, ')') && sig[open - 1]?.kind === 'word' && !endsKeyword(sig[open - 1])) start = open - 1;
      else if (isPunct(t, ']') && endsOperand(sig[open - 1])) {
        // A subscript itself: the value it applies to.
        j = open - 1;
        continue;
      }
    } else if (t?.kind === 'word' || t?.kind === 'quoted') start = j;
    else return undefined;
    const before = sig[start - 2];
    if (isPunct(sig[start - 1], '.') && before && (before.kind === 'word' || before.kind === 'quoted' || isPunct(before, ')') || isPunct(before, ']'))) {
      j = start - 2;
      continue;
    }
    return start;
  }
}

function endsKeyword(t: Token): boolean {
  return isWord(t, 'IN', 'AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'AS', 'ON', 'SELECT', 'WHERE', 'FROM', 'VALUES', 'EXISTS');
}

function closing(sig: Token[], open: number): number | undefined {
  let depth = 0;
  for (let j = open; j < sig.length; j++) {
    const t = sig[j];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text) && --depth === 0) return j;
  }
  return undefined;
}

function opening(sig: Token[], close: number): number | undefined {
  let depth = 0;
  for (let j = close; j >= 0; j--) {
    const t = sig[j];
    if (t.kind === 'punct' && ')]}'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && '([{'.includes(t.text) && --depth === 0) return j;
  }
  return undefined;
}

function depthAt(sig: Token[], from: number, at: number): number {
  let depth = 0;
  for (let j = from; j < at; j++) {
    const t = sig[j];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
  }
  return depth;
}
