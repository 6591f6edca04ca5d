/**
 * Spark operators DuckDB lacks, rewritten on tokens before the rest of the syntax:
 * `x [NOT] LIKE ALL | ANY | SOME (p1, p2, ...)` (one LIKE per pattern, joined by AND or OR, so
 * NULLs answer as Spark's LikeAll/LikeAny do), `MINUS` (EXCEPT), and `CROSS JOIN t ON cond`
 * (Spark takes the condition: an inner join).
 */
import { sqlError } from '../errors.js';
import { isPunct, isWord, tokenize, type Token } from '../parse/lexer.js';
import { nextSig, prevSig } from './tokens.js';

interface Edit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

export function sparkOperators(text: string): string {
  if (!/\b(LIKE|MINUS|CROSS)\b/i.test(text)) return intersectFirst(text);
  const tokens = tokenize(text);
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isWord(t, 'MINUS') && startsQuery(tokens, nextSig(tokens, i))) edits.push({ from: t.start, to: t.end, text: 'EXCEPT' });
    else if (isWord(t, 'CROSS') && isWord(tokens[nextSig(tokens, i)], 'JOIN') && joinHasCondition(tokens, nextSig(tokens, i))) edits.push({ from: t.start, to: t.end, text: 'INNER' });
    else if (isWord(t, 'LIKE', 'ILIKE')) {
      const e = quantifiedLike(text, tokens, i);
      if (e) {
        edits.push(e.edit);
        i = e.last;
      }
    }
  }
  return intersectFirst(apply(text, edits));
}

const SET_OPERATORS = ['UNION', 'EXCEPT', 'INTERSECT'];

/**
 * INTERSECT binds tighter than UNION and EXCEPT in Spark (as in the SQL standard); DuckDB reads a
 * chain left to right. A run of operands joined by INTERSECT, in a chain that also has UNION or
 * EXCEPT, is put in brackets.
 */
function intersectFirst(text: string): string {
  if (!/\bINTERSECT\b/i.test(text) || !/\b(UNION|EXCEPT)\b/i.test(text)) return text;
  const tokens = tokenize(text);
  // Set operators by bracket depth, with where each depth's current query starts.
  const chains = new Map<number, { ops: number[]; start: number }>();
  const edits: Edit[] = [];
  let depth = 0;
  const starts: number[] = [0];
  const close = (d: number, end: number) => {
    const chain = chains.get(d);
    chains.delete(d);
    if (chain) edits.push(...groupIntersects(text, tokens, chain.ops, chain.start, end));
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) {
      depth++;
      starts[depth] = i + 1;
    } else if (isPunct(t, ')')) {
      close(depth, i);
      depth--;
    } else if (isPunct(t, ';')) {
      close(depth, i);
      starts[depth] = i + 1;
    } else if (isWord(t, ...SET_OPERATORS)) {
      const chain = chains.get(depth) ?? { ops: [], start: starts[depth] ?? 0 };
      chain.ops.push(i);
      chains.set(depth, chain);
    }
  }
  close(depth, tokens.length);
  return apply(text, edits);
}

/** Brackets around each run of INTERSECT operands of one chain (operators `ops`, query from `start` to `end`). */
function groupIntersects(text: string, tokens: readonly Token[], ops: readonly number[], start: number, end: number): Edit[] {
  const kinds = ops.map((i) => tokens[i].text.toUpperCase());
  if (!kinds.includes('INTERSECT') || kinds.every((k) => k === 'INTERSECT')) return [];
  // The chain's first operand: from its SELECT (a WITH or other text before it: left alone).
  let first = start;
  while (first < ops[0] && !isWord(tokens[first], 'SELECT', 'VALUES', 'TABLE', 'FROM') && !isPunct(tokens[first], '(')) {
    if (isWord(tokens[first], 'WITH')) return [];
    first++;
  }
  // The last operand ends before a top-level ORDER BY / LIMIT, which applies to the whole chain.
  let last = end;
  let d = 0;
  for (let k = ops[ops.length - 1]; k < end; k++) {
    if (isPunct(tokens[k], '(')) d++;
    else if (isPunct(tokens[k], ')')) d--;
    else if (d === 0 && (isWord(tokens[k], 'ORDER', 'LIMIT', 'OFFSET', 'SORT', 'CLUSTER', 'DISTRIBUTE'))) {
      last = k;
      break;
    }
  }
  const operandStart = (n: number) => (n === 0 ? first : nextSig(tokens, skipQuantifier(tokens, ops[n - 1])));
  const operandEnd = (n: number) => (n === ops.length ? prevSig(tokens, last) : prevSig(tokens, ops[n]));
  const edits: Edit[] = [];
  for (let n = 0; n < kinds.length; n++) {
    if (kinds[n] !== 'INTERSECT') continue;
    let m = n;
    while (m + 1 < kinds.length && kinds[m + 1] === 'INTERSECT') m++;
    const from = tokens[operandStart(n)];
    const to = tokens[operandEnd(m + 1)];
    if (from === undefined || to === undefined) return [];
    edits.push({ from: from.start, to: from.start, text: '(' }, { from: to.end, to: to.end, text: ')' });
    n = m;
  }
  return edits;
}

function skipQuantifier(tokens: readonly Token[], op: number): number {
  const k = nextSig(tokens, op);
  return isWord(tokens[k], 'ALL', 'DISTINCT') ? k : op;
}

function apply(text: string, edits: readonly Edit[]): string {
  let out = text;
  // Edits do not overlap; applied from the end, earlier offsets stay valid.
  for (const e of [...edits].sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

function startsQuery(tokens: readonly Token[], k: number): boolean {
  const t = tokens[k];
  return isWord(t, 'SELECT', 'ALL', 'DISTINCT', 'FROM', 'VALUES', 'TABLE', 'WITH') || isPunct(t, '(');
}

/** Whether the relation after `JOIN` at `join` is followed, at the same depth, by ON. */
function joinHasCondition(tokens: readonly Token[], join: number): boolean {
  let depth = 0;
  for (let k = nextSig(tokens, join); k < tokens.length; k = nextSig(tokens, k)) {
    const t = tokens[k];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (--depth < 0) return false;
    } else if (depth === 0) {
      if (isWord(t, 'ON')) return true;
      if (isWord(t, 'JOIN', 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'USING', 'WINDOW', 'CROSS', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'NATURAL', 'LATERAL') || isPunct(t, ',') || isPunct(t, ';')) return false;
    }
  }
  return false;
}

/** `lhs [NOT] LIKE ALL|ANY|SOME (patterns)` at the LIKE token `i`: the edit replacing it all. */
function quantifiedLike(text: string, tokens: readonly Token[], i: number): { edit: Edit; last: number } | undefined {
  const q = nextSig(tokens, i);
  const open = nextSig(tokens, q);
  if (!isWord(tokens[q], 'ALL', 'ANY', 'SOME') || !isPunct(tokens[open], '(')) return undefined;
  if (isWord(tokens[nextSig(tokens, open)], 'SELECT', 'WITH')) return undefined;
  const patterns = splitList(text, tokens, open);
  if (!patterns) return undefined;
  const before = prevSig(tokens, i);
  const not = isWord(tokens[before], 'NOT');
  const lhsEnd = not ? prevSig(tokens, before) : before;
  const lhsStart = operandStart(tokens, lhsEnd);
  if (lhsStart === undefined) return undefined;
  const lhs = text.slice(tokens[lhsStart].start, tokens[lhsEnd].end);
  const op = `${not ? 'NOT ' : ''}${tokens[i].text.toUpperCase()}`;
  const join = isWord(tokens[q], 'ALL') ? ' AND ' : ' OR ';
  if (patterns.length === 0) throw sqlError(`${op} ${tokens[q].text.toUpperCase()} () needs at least one pattern, as in Spark`);
  const sql = `(${patterns.map((p) => `${lhs} ${op} ${p}`).join(join)})`;
  return { edit: { from: tokens[lhsStart].start, to: tokens[patterns.close].end, text: sql }, last: patterns.close };
}

/** The comma-separated expressions inside the brackets opened at `open`, with the closing index. */
function splitList(text: string, tokens: readonly Token[], open: number): (string[] & { close: number }) | undefined {
  const items: string[] = [];
  let depth = 0;
  let from = tokens[open].end;
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== 'punct') continue;
    if ('([{'.includes(t.text)) depth++;
    else if (')]}'.includes(t.text)) {
      if (depth-- > 0) continue;
      const last = text.slice(from, t.start).trim();
      if (last !== '' || items.length > 0) items.push(last);
      return Object.assign(items, { close: k });
    } else if (t.text === ',' && depth === 0) {
      items.push(text.slice(from, t.start).trim());
      from = t.end;
    }
  }
  return undefined;
}

/** The first token of the operand ending at `end`: a (qualified) name, a literal, or a bracketed term or call. */
function operandStart(tokens: readonly Token[], end: number): number | undefined {
  const t = tokens[end];
  if (t === undefined) return undefined;
  let start: number;
  if (isPunct(t, ')') || isPunct(t, ']')) {
    let depth = 0;
    let k = end;
    for (; k >= 0; k--) {
      const x = tokens[k];
      if (x.kind !== 'punct') continue;
      if (')]}'.includes(x.text)) depth++;
      else if ('([{'.includes(x.text) && --depth === 0) break;
    }
    if (k < 0) return undefined;
    start = k;
    const p = prevSig(tokens, k);
    if (tokens[p]?.kind === 'word' && !isWord(tokens[p], 'WHERE', 'AND', 'OR', 'NOT', 'WHEN', 'ON', 'HAVING', 'SELECT', 'THEN', 'ELSE')) start = p;
  } else if (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string' || t.kind === 'number') {
    start = end;
  } else {
    return undefined;
  }
  // a.b.c
  while (isPunct(tokens[prevSig(tokens, start)], '.')) {
    const p = prevSig(tokens, prevSig(tokens, start));
    if (tokens[p]?.kind !== 'word' && tokens[p]?.kind !== 'quoted') break;
    start = p;
  }
  return start;
}

/**
 * spark.sql.legacy.parser.havingWithoutGroupByAsWhere: a HAVING in a query block without GROUP BY
 * and without WHERE filters rows, as WHERE does.
 */
export function havingAsWhere(text: string): string {
  if (!/\bHAVING\b/i.test(text)) return text;
  const tokens = tokenize(text);
  const edits: Edit[] = [];
  // Per depth: whether the current block has GROUP BY, WHERE.
  const blocks: { group: boolean; where: boolean }[] = [{ group: false, where: false }];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) blocks[++depth] = { group: false, where: false };
    else if (isPunct(t, ')')) depth = Math.max(0, depth - 1);
    else if (isWord(t, 'SELECT', 'UNION', 'EXCEPT', 'INTERSECT')) blocks[depth] = { group: false, where: false };
    else if (isWord(t, 'GROUP') && isWord(tokens[nextSig(tokens, i)], 'BY')) blocks[depth].group = true;
    else if (isWord(t, 'WHERE')) blocks[depth].where = true;
    else if (isWord(t, 'HAVING') && !blocks[depth].group && !blocks[depth].where) edits.push({ from: t.start, to: t.end, text: 'WHERE' });
  }
  return apply(text, edits);
}