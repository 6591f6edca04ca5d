import { isPunct, isWord, significant, tokenize, type Token } from '../sql/parse/lexer.js';

/**
 * Aggregate UDFs over windows. DuckDB runs a grouped aggregate UDF through a macro over its
 * arguments' lists (see installAggregate), and a macro takes no OVER clause; so a windowed call
 * `f(a, b) OVER w` is rewritten to the function applied to each argument's list over the same
 * window: `__loch_agg_f(list(a) OVER w, list(b) OVER w)`. Text without such calls comes back as
 * it was.
 */
export function rewriteWindowedAggregates(text: string, aggregates: ReadonlySet<string>, duckName: (name: string) => string): string {
  if (aggregates.size === 0 || !/\bover\b/i.test(text)) return text;
  const tokens = significant(tokenize(text));
  const edits: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'word' || !aggregates.has(t.text.toLowerCase()) || !isPunct(tokens[i + 1], '(') || isPunct(tokens[i - 1], '.')) continue;
    const close = matching(tokens, i + 1);
    if (close < 0 || !isWord(tokens[close + 1], 'OVER')) continue;
    const windowEnd = isPunct(tokens[close + 2], '(') ? matching(tokens, close + 2) : close + 2;
    if (windowEnd < 0 || windowEnd >= tokens.length) continue;
    const window = text.slice(tokens[close + 2].start, tokens[windowEnd].end);
    const args = splitArgs(tokens, i + 1, close).map(([a, b]) => `list(${text.slice(tokens[a].start, tokens[b].end)}) OVER ${window}`);
    edits.push({ start: t.start, end: tokens[windowEnd].end, text: `${duckName(t.text.toLowerCase())}(${args.join(', ')})` });
    i = windowEnd;
  }
  let out = text;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The index of the token closing the parenthesis at `open`, or -1. */
function matching(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  return -1;
}

/** The first and last token of each top-level argument between the parentheses at `open` and `close`. */
function splitArgs(tokens: readonly Token[], open: number, close: number): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < close; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')')) depth--;
    else if (depth === 0 && isPunct(tokens[i], ',')) {
      out.push([start, i - 1]);
      start = i + 1;
    }
  }
  if (close > start) out.push([start, close - 1]);
  return out;
}
