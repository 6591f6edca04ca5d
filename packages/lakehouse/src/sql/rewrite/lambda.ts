/** Spark's lambdas (`x -> ...`, `(a, b) -> ...`) read from tokens and their parameters substituted. */
import { isPunct, isWord, type Token, tokenize } from '../parse/lexer.js';
import { identName, nextSig, prevSig } from './tokens.js';

export interface Lambda {
  /** Parameter names, lower case. */
  readonly params: string[];
  /** The body, translated. */
  readonly body: string;
}

/**
 * `sql` with each bare identifier named in `names` (case-insensitive, not after a `.`) replaced;
 * a nested lambda that rebinds a name keeps its own meaning of it.
 */
export function substitute(sql: string, names: ReadonlyMap<string, string>): string {
  const tokens = tokenize(sql);
  return substituteRange(tokens, 0, tokens.length, names);
}

function substituteRange(tokens: Token[], from: number, to: number, names: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const header = lambdaHeader(tokens, i, to);
    if (header) {
      const inner = new Map(names);
      for (const p of header.params) inner.delete(p);
      const end = scopeEnd(tokens, header.body, to);
      out += tokens.slice(i, header.body).map((t) => t.text).join('') + substituteRange(tokens, header.body, end, inner);
      i = end - 1;
      continue;
    }
    const t = tokens[i];
    const name = identName(t);
    const replacement = name === undefined ? undefined : names.get(name);
    out += replacement !== undefined && !isPunct(tokens[prevSig(tokens, i)], '.') ? replacement : t.text;
  }
  return out;
}

/** The lambda starting at `i`: DuckDB's `lambda a, b:` or Spark's `a ->` / `(a, b) ->`. */
export function lambdaHeader(tokens: Token[], i: number, to: number): { params: string[]; body: number } | undefined {
  if (isWord(tokens[i], 'lambda')) {
    const list = paramList(tokens, nextSig(tokens, i), to, ':');
    return list && { params: list.params, body: list.end + 1 };
  }
  let params: string[];
  let k: number;
  if (isPunct(tokens[i], '(')) {
    const list = paramList(tokens, nextSig(tokens, i), to, ')');
    if (!list) return undefined;
    ({ params, end: k } = list);
  } else {
    const name = identName(tokens[i]);
    if (name === undefined || isPunct(tokens[prevSig(tokens, i)], '.')) return undefined;
    params = [name];
    k = i;
  }
  const arrow = nextSig(tokens, k);
  if (arrow + 1 >= to || !isArrow(tokens, arrow)) return undefined;
  return { params, body: arrow + 2 };
}

/** `a, b` from `k` up to the `close` punctuation: the names and where `close` is. */
function paramList(tokens: Token[], k: number, to: number, close: string): { params: string[]; end: number } | undefined {
  const params: string[] = [];
  for (;;) {
    const name = identName(tokens[k]);
    if (name === undefined || k >= to) return undefined;
    params.push(name);
    k = nextSig(tokens, k);
    if (isPunct(tokens[k], close)) return { params, end: k };
    if (!isPunct(tokens[k], ',')) return undefined;
    k = nextSig(tokens, k);
  }
}

function isArrow(tokens: Token[], i: number): boolean {
  return isPunct(tokens[i], '-') && isPunct(tokens[i + 1], '>');
}

/** Where the expression starting at `from` ends: a `,` or a closing bracket at its own depth. */
function scopeEnd(tokens: Token[], from: number, to: number): number {
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = tokens[j];
    if (t.kind !== 'punct') continue;
    if ('([{'.includes(t.text)) depth++;
    else if (')]}'.includes(t.text)) {
      if (depth === 0) return j;
      depth--;
    } else if (t.text === ',' && depth === 0) return j;
  }
  return to;
}
