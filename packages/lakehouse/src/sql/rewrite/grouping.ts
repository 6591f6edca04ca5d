/**
 * Spark's forms of grouping sets that DuckDB spells differently: Hive's `GROUP BY a, b WITH
 * ROLLUP | WITH CUBE | GROUPING SETS (...)` (DuckDB's `GROUP BY ROLLUP (a, b)`, ...), and
 * `grouping_id()` without arguments, which stands for the grouping columns of its query.
 */
import { isPunct, isWord, tokenize, type Token } from '../parse/lexer.js';
import type { Range } from './call.js';
import { nextSig, prevSig } from './tokens.js';

/** Words that end a GROUP BY list at its own depth. */
const LIST_END = new Set(['HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'QUALIFY', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'SORT', 'CLUSTER', 'DISTRIBUTE', 'FETCH']);
/** Words that end a query block's SELECT at its own depth (a set operator starts another). */
const SET_OPERATORS = new Set(['UNION', 'EXCEPT', 'INTERSECT', 'MINUS']);

/**
 * `GROUP BY a, b WITH ROLLUP` as `GROUP BY ROLLUP (a, b)`, likewise WITH CUBE; Hive's `GROUP BY
 * a, b GROUPING SETS ((a), ())` as `GROUP BY GROUPING SETS ((a), ())`, where the list (which
 * orders the bits of grouping_id()) is kept in the block's `grouping_id()` calls; Hive's
 * `grouping__id` column as `grouping_id()`.
 */
export function hiveGroupBy(text: string): string {
  if (!/\b(ROLLUP|CUBE|SETS|grouping__id)\b/i.test(text)) return text;
  const tokens = tokenize(text);
  const edits: { from: number; to: number; text: string }[] = [];
  // Hive's grouping__id column is grouping_id().
  for (const t of tokens) if (isWord(t, 'grouping__id')) edits.push({ from: t.start, to: t.end, text: 'grouping_id()' });
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'GROUP') || !isWord(tokens[nextSig(tokens, i)], 'BY')) continue;
    const from = nextSig(tokens, nextSig(tokens, i));
    const end = listEnd(tokens, from);
    const modifier = tokens[end];
    const kind = tokens[nextSig(tokens, end)];
    const list = text.slice(tokens[from].start, tokens[lastSig(tokens, from, end)].end);
    if (isWord(modifier, 'WITH') && isWord(kind, 'ROLLUP', 'CUBE')) {
      edits.push({ from: tokens[from].start, to: kind!.end, text: `${kind!.text.toUpperCase()} (${list})` });
    } else if (isWord(modifier, 'GROUPING') && isWord(kind, 'SETS')) {
      edits.push({ from: tokens[from].start, to: modifier!.start, text: '' });
      const block = blockOf(tokens, i);
      for (let j = block.from; j < block.to; j++) {
        const open = nextSig(tokens, j);
        if (isWord(tokens[j], 'grouping_id') && isPunct(tokens[open], '(') && isPunct(tokens[nextSig(tokens, open)], ')')) {
          edits.push({ from: tokens[open].end, to: tokens[nextSig(tokens, open)].start, text: list });
        }
      }
    }
  }
  edits.sort((x, y) => x.from - y.from);
  let out = '';
  let copied = 0;
  for (const e of edits) {
    out += text.slice(copied, e.from) + e.text;
    copied = e.to;
  }
  return out + text.slice(copied);
}

/** The index of the token that ends a GROUP BY list starting at `from` (or tokens.length). */
function listEnd(tokens: readonly Token[], from: number): number {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) return j;
      depth--;
    } else if (depth === 0 && (isPunct(t, ';') || (t.kind === 'word' && LIST_END.has(t.text.toUpperCase())))) return j;
    else if (depth === 0 && isWord(t, 'WITH') && isWord(tokens[nextSig(tokens, j)], 'ROLLUP', 'CUBE')) return j;
    // Hive's GROUPING SETS follows the list directly; after a comma it is one more grouping element.
    else if (depth === 0 && isWord(t, 'GROUPING') && isWord(tokens[nextSig(tokens, j)], 'SETS') && j > from && !isPunct(tokens[prevSig(tokens, j)], ',')) return j;
  }
  return tokens.length;
}

function lastSig(tokens: readonly Token[], from: number, end: number): number {
  let k = end - 1;
  while (k > from && (tokens[k].kind === 'space' || tokens[k].kind === 'comment')) k--;
  return k;
}

/**
 * The grouping columns of the query block the token at `at` is in: the expressions of its GROUP
 * BY, with those inside ROLLUP, CUBE and GROUPING SETS taken once each, in order. Undefined when
 * the block has no GROUP BY.
 */
export function groupingColumns(tokens: readonly Token[], at: number): Range[] | undefined {
  const { from, to } = blockOf(tokens, at);
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && isWord(t, 'GROUP') && isWord(tokens[nextSig(tokens, i)], 'BY')) {
      const start = nextSig(tokens, nextSig(tokens, i));
      return distinct(tokens, items(tokens, start, Math.min(listEnd(tokens, start), to)));
    }
  }
  return undefined;
}

/** Whether the query block the token at `at` is in groups by ROLLUP, CUBE or GROUPING SETS. */
export function hasGroupingSets(tokens: readonly Token[], at: number): boolean {
  const { from, to } = blockOf(tokens, at);
  for (let i = from; i < to; i++) {
    if (isWord(tokens[i], 'ROLLUP', 'CUBE') || (isWord(tokens[i], 'GROUPING') && isWord(tokens[nextSig(tokens, i)], 'SETS'))) return true;
  }
  return false;
}

/**
 * The query block around `at`: from the `(` that opens the subquery it is in (or the start) to
 * the matching `)` (or the end), narrowed to the SELECT between set operators that holds `at`.
 */
function blockOf(tokens: readonly Token[], at: number): { from: number; to: number } {
  let from = 0;
  let depth = 0;
  for (let j = at - 1; j >= 0; j--) {
    const t = tokens[j];
    if (isPunct(t, ')')) depth++;
    else if (isPunct(t, '(')) {
      if (depth === 0 && isWord(tokens[nextSig(tokens, j)], 'SELECT', 'WITH', 'FROM', 'VALUES')) {
        from = j + 1;
        break;
      }
      if (depth > 0) depth--;
    } else if (depth === 0 && t.kind === 'word' && SET_OPERATORS.has(t.text.toUpperCase())) {
      from = j + 1;
      break;
    }
  }
  let to = tokens.length;
  depth = 0;
  for (let j = at; j < tokens.length; j++) {
    const t = tokens[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) {
        to = j;
        break;
      }
      depth--;
    } else if (depth === 0 && (isPunct(t, ';') || (t.kind === 'word' && SET_OPERATORS.has(t.text.toUpperCase())))) {
      to = j;
      break;
    }
  }
  return { from, to };
}

/** The expressions of a grouping list, those of ROLLUP (...), CUBE (...) and GROUPING SETS ((...), ...) flattened. */
function items(tokens: readonly Token[], from: number, to: number): Range[] {
  const out: Range[] = [];
  for (const r of split(tokens, from, to)) {
    const first = tokens[r.from];
    const open = isWord(first, 'ROLLUP', 'CUBE') ? nextSig(tokens, r.from) : isWord(first, 'GROUPING') && isWord(tokens[nextSig(tokens, r.from)], 'SETS') ? nextSig(tokens, nextSig(tokens, r.from)) : undefined;
    if (open !== undefined && isPunct(tokens[open], '(')) out.push(...items(tokens, open + 1, r.to - 1));
    else if (isPunct(first, '(') && isPunct(tokens[r.to - 1], ')') && closes(tokens, r.from, r.to - 1)) out.push(...items(tokens, r.from + 1, r.to - 1));
    else out.push(r);
  }
  return out;
}

/** The comma-separated parts of [from, to) at their own depth, without surrounding whitespace; empty parts (`()`) dropped. */
function split(tokens: readonly Token[], from: number, to: number): Range[] {
  const out: Range[] = [];
  let start = from;
  let depth = 0;
  const push = (end: number) => {
    let a = start;
    let b = end;
    while (a < b && (tokens[a].kind === 'space' || tokens[a].kind === 'comment')) a++;
    while (b > a && (tokens[b - 1].kind === 'space' || tokens[b - 1].kind === 'comment')) b--;
    if (a < b) out.push({ from: a, to: b });
  };
  for (let j = from; j < to; j++) {
    const t = tokens[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && isPunct(t, ',')) {
      push(j);
      start = j + 1;
    }
  }
  push(to);
  return out;
}

/** Whether the `(` at `open` is closed by the `)` at `close`. */
function closes(tokens: readonly Token[], open: number, close: number): boolean {
  let depth = 0;
  for (let j = open; j <= close; j++) {
    if (isPunct(tokens[j], '(')) depth++;
    else if (isPunct(tokens[j], ')') && --depth === 0) return j === close;
  }
  return false;
}

/** Ranges whose text (case and spacing aside) is the same taken once, the first kept. */
function distinct(tokens: readonly Token[], ranges: readonly Range[]): Range[] {
  const seen = new Set<string>();
  return ranges.filter((r) => {
    const key = tokens
      .slice(r.from, r.to)
      .filter((t) => t.kind !== 'space' && t.kind !== 'comment')
      .map((t) => (t.kind === 'word' ? t.text.toLowerCase() : t.text))
      .join(' ');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
