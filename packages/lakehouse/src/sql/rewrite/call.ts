/** One call of a function in the registry, its arguments translated on demand. */
import { isPunct, isWord, type Token, tokenize } from '../parse/lexer.js';
import { sparkFunctionError } from './functions/rule.js';
import { type Lambda, lambdaHeader } from './lambda.js';
import { identName, isSig, nextSig, stringLiteral } from './tokens.js';
import type { Translator } from './translate.js';

/** Calls whose value is a map whatever their arguments (a map column cannot be told from text). */
const MAP_FUNCTIONS = new Set(['map', 'map_from_arrays', 'map_from_entries', 'map_concat', 'map_filter', 'transform_keys', 'transform_values', 'map_zip_with', 'str_to_map']);
/** Calls whose value is an array whatever their arguments. */
const ARRAY_FUNCTIONS = new Set([
  'array', 'collect_list', 'collect_set', 'array_agg', 'split', 'sequence', 'sort_array', 'array_sort', 'map_keys', 'map_values',
  'array_distinct', 'array_union', 'array_intersect', 'array_except', 'array_remove', 'array_repeat', 'slice', 'flatten',
  'transform', 'filter', 'arrays_zip', 'map_entries',
]);

export interface Range {
  readonly from: number;
  readonly to: number;
}

/** One call of a function in RULES, its arguments translated on demand. */
export class Call {
  private readonly cache = new Map<number, string>();

  constructor(
    readonly t: Translator,
    /** The name as the table spells it (lower case). */
    readonly name: string,
    readonly start: number,
    readonly open: number,
    readonly close: number,
    readonly args: readonly Range[],
    /** The end of the text the call is in: a rewrite consumes no token from here on. */
    readonly limit: number,
  ) {}

  /** Argument `i` translated, without surrounding whitespace. */
  sql(i: number): string {
    let s = this.cache.get(i);
    if (s === undefined) {
      s = this.t.range(this.args[i].from, this.args[i].to, true).trim();
      this.cache.set(i, s);
    }
    return s;
  }

  sqls(): string[] {
    return this.args.map((_, i) => this.sql(i));
  }

  /** Argument `i` safe next to an operator: parenthesized unless it is one term. */
  atom(i: number): string {
    return isTerm(this.sql(i)) ? this.sql(i) : `(${this.sql(i)})`;
  }

  /** The significant tokens of argument `i` as written. */
  sig(i: number): Token[] {
    return this.sigAt(i).map((j) => this.t.tokens[j]);
  }

  private sigAt(i: number): number[] {
    const out: number[] = [];
    if (i >= this.args.length) return out;
    for (let j = this.args[i].from; j < this.args[i].to; j++) if (isSig(this.t.tokens[j])) out.push(j);
    return out;
  }

  first(i: number): Token | undefined {
    return this.args.length > i ? this.sig(i)[0] : undefined;
  }

  isString(i: number): boolean {
    const s = this.sig(i);
    return s.length === 1 && s[0].kind === 'string';
  }

  /** Argument `i` when it is a string literal: its value. */
  literal(i: number): string | undefined {
    return stringLiteral(this.sig(i));
  }

  /**
   * Argument `i` cut at its top-level keywords `words`, in that order (`s FROM p FOR n`): the pieces
   * translated, one more than the keywords found; undefined when the first keyword is missing.
   */
  pieces(i: number, words: readonly string[]): string[] | undefined {
    const { from, to } = this.args[i] ?? { from: 0, to: 0 };
    const cuts: number[] = [];
    let depth = 0;
    for (let j = from; j < to; j++) {
      const t = this.t.tokens[j];
      if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
      else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
      else if (depth === 0 && cuts.length < words.length && isWord(t, words[cuts.length])) cuts.push(j);
    }
    if (cuts.length === 0) return undefined;
    const bounds = [from - 1, ...cuts, to];
    return bounds.slice(1).map((end, k) => this.t.range(bounds[k] + 1, end, true).trim());
  }

  /** Argument `i` translated from its `k`-th significant token on. */
  from(i: number, k: number): string {
    const at = this.sigAt(i);
    return k < at.length ? this.t.range(at[k], this.args[i].to, true).trim() : '';
  }

  /** Argument `i` as `expression AS name`: the expression translated and the name as written. */
  aliased(i: number): { sql: string; name: string } | undefined {
    const at = this.sigAt(i);
    const n = at.length;
    if (n < 3 || !isWord(this.t.tokens[at[n - 2]], 'AS')) return undefined;
    const name = this.t.tokens[at[n - 1]];
    if (identName(name) === undefined) return undefined;
    return { sql: this.t.range(this.args[i].from, at[n - 2], true).trim(), name: name.kind === 'quoted' ? name.value : name.text };
  }

  /** Argument `i` is a lambda, Spark's `x -> ...` or DuckDB's `lambda x: ...`. */
  isLambda(i: number): boolean {
    const at = this.sigAt(i);
    return at.length > 0 && lambdaHeader(this.t.tokens, at[0], this.args[i].to) !== undefined;
  }

  /** The call's name is a type here (`x AS MAP(...)`, `x::STRUCT(...)`), not a function. */
  isType(): boolean {
    const p = this.t.prev(this.start);
    const before = this.t.tokens[p];
    return isWord(before, 'AS') || (isPunct(before, ':') && isPunct(this.t.tokens[p - 1], ':'));
  }

  /** Argument `i` is visibly a map or an array (a call that makes one, a list literal). */
  kindOf(i: number): 'map' | 'array' | undefined {
    const at = this.sigAt(i);
    const s = at.map((j) => this.t.tokens[j]);
    if (s.length === 0) return undefined;
    if (isPunct(s[0], '[') && this.t.closing(at[0]) === at[at.length - 1]) return 'array';
    if (s[0].kind !== 'word' || !isPunct(s[1], '(') || this.t.closing(at[1]) !== at[at.length - 1]) return undefined;
    const name = s[0].text.toLowerCase();
    if (MAP_FUNCTIONS.has(name)) return 'map';
    if (ARRAY_FUNCTIONS.has(name)) return 'array';
    if (name === 'cast' || name === 'try_cast') {
      const as = s.findIndex((t) => isWord(t, 'AS'));
      if (as > 0 && isWord(s[as + 1], 'MAP')) return 'map';
      if (as > 0 && isWord(s[as + 1], 'ARRAY')) return 'array';
    }
    return undefined;
  }

  /** The string literal argument `i`: a datetime pattern is translated now, so it cannot be computed. */
  pattern(i: number): string {
    const s = this.sig(i);
    if (s.length !== 1 || s[0].kind !== 'string') {
      throw sparkFunctionError(this.name, 'the datetime pattern must be a string literal (a pattern computed at run time cannot be translated)');
    }
    return s[0].value;
  }

  /** A lambda parameter name no other lambda of this rewrite uses. */
  fresh(prefix: string): string {
    return `__${prefix}${++this.t.lambdas}`;
  }

  /** Argument `i` as a Spark lambda with one of `counts` parameters, its body translated. */
  lambda(i: number, counts: number[]): Lambda {
    const tokens = this.t.tokens;
    const { from, to } = this.args[i];
    const start = nextSig(tokens, from - 1);
    const header = start < to ? lambdaHeader(tokens, start, to) : undefined;
    const shape = counts.map((n) => (n === 1 ? 'x -> ...' : `(${['a', 'b', 'c'].slice(0, n).join(', ')}) -> ...`)).join(' or ');
    if (!header) throw sparkFunctionError(this.name, `argument ${i + 1} must be a lambda ${shape}`);
    if (!counts.includes(header.params.length)) {
      throw sparkFunctionError(this.name, `the lambda takes ${counts.join(' or ')} parameters, got ${header.params.length}`);
    }
    return { params: header.params, body: this.t.range(header.body, to, true).trim() };
  }
}

/** One term: a literal, a (qualified) name, a call, or a bracketed expression. */
export function isTerm(sql: string): boolean {
  const s = tokenize(sql).filter(isSig);
  if (s.length === 1) return true;
  if (s.every((t, i) => (i % 2 === 0 ? t.kind === 'word' || t.kind === 'quoted' : isPunct(t, '.')))) return true;
  const last = s.length - 1;
  const opener = isPunct(s[0], '(') || isPunct(s[0], '[') ? 0 : s[0].kind === 'word' && isPunct(s[1], '(') ? 1 : -1;
  if (opener < 0) return false;
  let depth = 0;
  for (let j = opener; j <= last; j++) {
    if (s[j].kind !== 'punct') continue;
    if ('([{'.includes(s[j].text)) depth++;
    else if (')]}'.includes(s[j].text) && --depth === 0) return j === last;
  }
  return false;
}
