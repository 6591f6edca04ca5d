import { sparkIdent, type Token } from '@loch/lakehouse';
import { streamingError } from '../errors.js';
import { parseDurationMs } from '../frame/durations.js';
import { window, type WindowColumn } from '../frame/window.js';
import { STREAM_INPUT, type StreamAggregation } from './definition.js';
import type { StreamReference } from './query-references.js';

const isWord = (t: Token | undefined, ...w: string[]) => t !== undefined && t.kind === 'word' && w.includes(t.text.toUpperCase());
const isPunct = (t: Token | undefined, p: string) => t !== undefined && t.kind === 'punct' && t.text === p;
const isUnit = (t: Token) => t.kind === 'word' && /^(microsecond|millisecond|second|minute|hour|day|week)s?$/i.test(t.text);

/** Clauses a streaming aggregation's query cannot have (the table is append-only: rows are final once written). */
const REFUSED = ['HAVING', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'JOIN', 'WINDOW', 'QUALIFY', 'SORT', 'CLUSTER', 'DISTRIBUTE'];

/**
 * A streaming table's query that aggregates its stream, Databricks style:
 * `SELECT window(ts, '1 minute') AS w, cdn, avg(x) FROM STREAM(src) WATERMARK ts DELAY OF
 * INTERVAL 30 SECONDS [AS alias] [WHERE ...] GROUP BY window(ts, '1 minute'), cdn`, compiled
 * onto the engine's withWatermark and groupBy(window(...)) in append mode: a window's row is
 * written once, when the watermark passes its end. Undefined for a query that neither groups
 * nor declares a watermark (it runs over each batch as it is).
 */
export function compileAggregation(text: string, tokens: readonly Token[], ref: StreamReference, where: string): StreamAggregation | undefined {
  const top = topLevel(tokens);
  const groupAt = top.findIndex((i) => isWord(tokens[i], 'GROUP') && isWord(tokens[i + 1], 'BY'));
  const watermarkAt = top.findIndex((i) => isWord(tokens[i], 'WATERMARK'));
  if (groupAt < 0 && watermarkAt < 0) return undefined;
  const fail: (m: string) => never = (m) => {
    throw streamingError('PIPELINE_PARSE_ERROR', `${where}: ${m}`);
  };
  // `window(` is the window function and `window.start` its column's field, not the WINDOW clause.
  const refused = top.find((i) => isWord(tokens[i], ...REFUSED) && !isPunct(tokens[i + 1], '(') && !isPunct(tokens[i + 1], '.'));
  if (refused !== undefined) fail(`a streaming table that aggregates takes SELECT ... FROM STREAM ... WATERMARK ... [WHERE ...] GROUP BY ...; ${tokens[refused].text.toUpperCase()} is not supported there`);
  if (!isWord(tokens[0], 'SELECT') || isWord(tokens[1], 'DISTINCT')) fail('a streaming aggregation starts SELECT <keys and aggregates>');
  const from = top.find((i) => isWord(tokens[i], 'FROM'));
  if (from === undefined || tokens[from + 1]?.start !== ref.start) fail('a streaming aggregation reads FROM STREAM ... directly (no other tables or subqueries in FROM)');
  let i = tokens.findIndex((t) => t.start >= ref.end);
  if (i < 0) i = tokens.length;

  // WATERMARK expr [AS name] DELAY OF INTERVAL ...
  if (!isWord(tokens[i], 'WATERMARK')) fail(`a streaming table that aggregates needs a watermark after its stream: FROM STREAM(...) WATERMARK <time column> DELAY OF INTERVAL 30 SECONDS`);
  const delayAt = indexAtDepth0(tokens, i + 1, (t) => isWord(t, 'DELAY'));
  if (delayAt < 0 || !isWord(tokens[delayAt + 1], 'OF')) fail('expected WATERMARK <column> DELAY OF INTERVAL <n> <unit>');
  const wm = namedExpression(text, tokens.slice(i + 1, delayAt), 'the WATERMARK', fail);
  i = delayAt + 2;
  let end = i;
  if (isWord(tokens[end], 'INTERVAL')) end++;
  while (end < tokens.length && (tokens[end].kind === 'number' || tokens[end].kind === 'string' || isUnit(tokens[end]))) end++;
  const delayText = tokens.slice(i, end).map((t) => t.value).join(' ');
  let delayMs = 0;
  try {
    delayMs = parseDurationMs(delayText, 'WATERMARK ... DELAY OF');
  } catch (e) {
    fail(`WATERMARK ${wm.name} DELAY OF ${delayText}: ${(e as Error).message}`);
  }
  i = end;

  // [[AS] alias] [WHERE cond] GROUP BY keys
  let alias: string | undefined;
  if (isWord(tokens[i], 'AS')) i++;
  if (tokens[i] && !isWord(tokens[i], 'WHERE', 'GROUP') && (tokens[i].kind === 'word' || tokens[i].kind === 'quoted')) alias = tokens[i++].value;
  let condition: string | undefined;
  if (isWord(tokens[i], 'WHERE')) {
    const g = indexAtDepth0(tokens, i + 1, (t) => isWord(t, 'GROUP'));
    if (g === i + 1) fail('WHERE needs a condition');
    condition = slice(text, tokens, i + 1, g < 0 ? tokens.length : g);
    i = g < 0 ? tokens.length : g;
  }
  if (!(isWord(tokens[i], 'GROUP') && isWord(tokens[i + 1], 'BY'))) fail('a streaming table with a WATERMARK aggregates: expected GROUP BY window(<time column>, ...), ...');
  const keyTexts = splitItems(text, tokens, i + 2, tokens.length);
  if (keyTexts.length === 0) fail('GROUP BY needs keys');

  const keys = keyTexts.map((k) => windowKey(k.tokens, fail) ?? k.text);
  const windows = keys.filter((k): k is WindowColumn => typeof k !== 'string');
  if (windows.length > 1) fail('GROUP BY takes one window(...)');
  const eventKey = keys.some((k) => (typeof k === 'string' ? normal(k) === wm.name.toLowerCase() : k.column.toLowerCase() === wm.name.toLowerCase()));
  if (!eventKey) fail(`GROUP BY must include window(${wm.name}, ...) (or ${wm.name} itself), the watermark's column, so that rows are final once the watermark passes`);

  const select = selectList(text, tokens, 1, from, keyTexts, keys, fail);
  const pre = [`SELECT *${wm.expr !== undefined ? `, ${wm.expr} AS ${sparkIdent(wm.name)}` : ''} FROM ${STREAM_INPUT}${alias !== undefined ? ` AS ${sparkIdent(alias)}` : ''}`, condition !== undefined ? `WHERE ${condition}` : ''].filter(Boolean).join(' ');
  return { pre, watermark: { column: wm.name, delayMs }, keys, aggregates: select.aggregates, select: select.items };
}

/** Indexes of the tokens outside parentheses. */
function topLevel(tokens: readonly Token[]): number[] {
  const out: number[] = [];
  let depth = 0;
  tokens.forEach((t, i) => {
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0) out.push(i);
  });
  return out;
}

function indexAtDepth0(tokens: readonly Token[], from: number, test: (t: Token) => boolean): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && test(t)) return i;
  }
  return -1;
}

const slice = (text: string, tokens: readonly Token[], from: number, to: number) => text.slice(tokens[from].start, tokens[to - 1].end);
/** An expression's text compared loosely: case and spacing aside. */
const normal = (s: string) => s.replace(/\s+/g, '').replace(/`/g, '').toLowerCase();

interface Item {
  readonly text: string;
  readonly tokens: readonly Token[];
}

/** The comma-separated items of tokens[from, to). */
function splitItems(text: string, tokens: readonly Token[], from: number, to: number): Item[] {
  const out: Item[] = [];
  let start = from;
  let depth = 0;
  for (let i = from; i <= to; i++) {
    const t = tokens[i];
    if (i < to && isPunct(t, '(')) depth++;
    else if (i < to && isPunct(t, ')')) depth--;
    else if (i === to || (depth === 0 && isPunct(t, ','))) {
      if (i > start) out.push({ text: slice(text, tokens, start, i), tokens: tokens.slice(start, i) });
      start = i + 1;
    }
  }
  return out;
}

/** `expr AS name` or a bare column: the name, and the expression when it is not the column itself. */
function namedExpression(text: string, tokens: readonly Token[], what: string, fail: (m: string) => never): { name: string; expr?: string } {
  if (tokens.length === 0) fail(`${what} needs a time column`);
  if (tokens.length === 1 && (tokens[0].kind === 'word' || tokens[0].kind === 'quoted')) return { name: tokens[0].value };
  const as = tokens.length >= 3 && isWord(tokens.at(-2), 'AS') ? tokens.at(-1) : undefined;
  if (!as || (as.kind !== 'word' && as.kind !== 'quoted')) fail(`${what} of an expression names its column: WATERMARK to_timestamp(ts_str) AS ts DELAY OF ...`);
  return { name: as.value, expr: text.slice(tokens[0].start, tokens.at(-3)!.end) };
}

/** `window(col, 'size'[, 'slide'[, 'start']])` as the engine's window; undefined for another key. */
function windowKey(tokens: readonly Token[], fail: (m: string) => never): WindowColumn | undefined {
  if (!isWord(tokens[0], 'WINDOW') || !isPunct(tokens[1], '(') || !isPunct(tokens.at(-1), ')')) return undefined;
  const args = tokens.slice(2, -1).filter((t) => !isPunct(t, ','));
  const column = args[0];
  if (!column || (column.kind !== 'word' && column.kind !== 'quoted') || args.slice(1).some((a) => a.kind !== 'string') || args.length < 2 || args.length > 4) {
    fail(`GROUP BY window(<column>, '<duration>'[, '<slide>'[, '<start>']]) takes a column and quoted durations`);
  }
  const [size, slide, start] = args.slice(1).map((a) => a.value);
  return window(column.value, size, slide, start);
}

/**
 * The SELECT list as the aggregation's output: items that are GROUP BY keys name the key's
 * column (the window's is `window`, and `window.start` / `window.end` its bounds), the others are
 * aggregates, named by their alias or text.
 */
function selectList(
  text: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  keyTexts: readonly Item[],
  keys: readonly (string | WindowColumn)[],
  fail: (m: string) => never,
): { items: string[]; aggregates: Record<string, string> } {
  const items: string[] = [];
  const aggregates: Record<string, string> = {};
  for (const item of splitItems(text, tokens, from, to)) {
    const t = item.tokens;
    const aliased = t.length >= 3 && isWord(t.at(-2), 'AS') && (t.at(-1)!.kind === 'word' || t.at(-1)!.kind === 'quoted');
    const expr = aliased ? text.slice(t[0].start, t.at(-3)!.end) : item.text;
    const alias = aliased ? t.at(-1)!.value : undefined;
    if (normal(expr) === '*') fail('SELECT * cannot aggregate: name the GROUP BY keys and the aggregates');
    const bound = windowBound(expr, keyTexts, keys);
    if (bound !== undefined) {
      items.push(`\`window\`.${bound} AS ${sparkIdent(alias ?? `window_${bound}`)}`);
      continue;
    }
    const k = keyTexts.findIndex((kt) => normal(kt.text) === normal(expr));
    if (k >= 0) {
      const key = keys[k];
      const column = typeof key === 'string' ? keyColumn(key) : 'window';
      items.push(`${sparkIdent(column)} AS ${sparkIdent(alias ?? column)}`);
      continue;
    }
    const name = alias ?? expr.trim();
    aggregates[name] = expr;
    items.push(sparkIdent(name));
  }
  return { items, aggregates };
}

/**
 * `window.start` / `window.end` (Spark's name for the grouping window's column), or the same
 * fields of the GROUP BY's `window(...)` call written out: which bound; undefined for another item.
 */
function windowBound(expr: string, keyTexts: readonly Item[], keys: readonly (string | WindowColumn)[]): 'start' | 'end' | undefined {
  const m = /^(.*)\.(start|end)$/.exec(normal(expr));
  if (!m) return undefined;
  const w = keys.findIndex((k) => typeof k !== 'string');
  if (w < 0) return undefined;
  return m[1] === 'window' || m[1] === normal(keyTexts[w].text) ? (m[2] as 'start' | 'end') : undefined;
}

/** The column a key expression is kept under by the aggregation (a bare column by its name, else its text). */
function keyColumn(key: string): string {
  const m = /^\s*`?([A-Za-z_][A-Za-z0-9_]*)`?\s*$/.exec(key);
  return m ? m[1] : key.trim();
}
