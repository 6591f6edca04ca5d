/**
 * Spark's inline tables written as DuckDB's: `VALUES` rows may be bare expressions (`VALUES 0, 1,
 * 2` is three rows), the table alias and its column names follow the rows without parentheses
 * around them (`FROM VALUES (1, 'a') AS t(id, name)`, `VALUES (1, 'a') tbl(c1, c2)` as a whole
 * query), and columns without names are col1, col2, ... (DuckDB counts from col0).
 * `INSERT ... VALUES` is left to the INSERT statement.
 */
import { sqlError } from '../errors.js';
import { isPunct, isWord, tokenize, type Token } from '../parse/lexer.js';
import { identName, isSig } from './tokens.js';

/** Words that end the rows of an inline table (they cannot be its alias). */
const AFTER_ROWS = new Set([
  'AS', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'WINDOW', 'QUALIFY',
  'CLUSTER', 'DISTRIBUTE', 'SORT', 'LATERAL', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'SEMI', 'ANTI',
  'ON', 'USING', 'PIVOT', 'UNPIVOT', 'TABLESAMPLE', 'FETCH', 'SELECT', 'FROM', 'WITH', 'INSERT',
]);

export function inlineTables(text: string): string {
  const tokens = tokenize(text);
  if (!tokens.some((t) => isWord(t, 'VALUES'))) return text;
  const sig = tokens.filter(isSig);
  let out = '';
  let copied = 0;
  for (let i = 0; i < sig.length; i++) {
    if (!isWord(sig[i], 'VALUES')) continue;
    const place = placeOf(sig, i);
    if (place === undefined) continue;
    const table = readTable(sig, i + 1);
    if (!table) continue;
    checkConstant(sig, i + 1, table.rowsEnd);
    const rows = table.rows.map((r) => `(${r.map((cell) => text.slice(cell.from, cell.to)).join(', ')})`).join(', ');
    const width = table.rows[0].length;
    const columns = table.columns ?? Array.from({ length: width }, (_, k) => `col${k + 1}`);
    const relation = `(VALUES ${rows}) AS ${table.alias ?? '__values'}(${columns.join(', ')})`;
    out += text.slice(copied, sig[i].start) + (place === 'relation' ? relation : `SELECT * FROM ${relation}`);
    copied = sig[table.end - 1].end;
    i = table.end - 1;
  }
  return out + text.slice(copied);
}

/** Whether the VALUES at `i` is a relation in FROM, a whole query, or INSERT's (undefined). */
function placeOf(sig: Token[], i: number): 'relation' | 'query' | undefined {
  const before = sig[i - 1];
  if (before === undefined) return 'query';
  if (isWord(before, 'FROM', 'JOIN') || (isPunct(before, ',') && inFrom(sig, i - 1))) return 'relation';
  if (isPunct(before, '(') || isWord(before, 'AS', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS', 'ALL', 'DISTINCT')) {
    // `INSERT INTO t (a, b) VALUES` and `INSERT INTO t AS ...` stay INSERT's.
    return insideInsert(sig, i) ? undefined : 'query';
  }
  return undefined;
}

function insideInsert(sig: Token[], i: number): boolean {
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    if (isPunct(sig[j], ')')) depth++;
    else if (isPunct(sig[j], '(')) depth--;
    else if (depth <= 0 && isWord(sig[j], 'SELECT')) return false;
    else if (isWord(sig[j], 'INSERT', 'MERGE')) return depth >= 0;
  }
  return false;
}

/** Whether the top-level `,` at `i` separates FROM items. */
function inFrom(sig: Token[], i: number): boolean {
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const t = sig[j];
    if (isPunct(t, ')')) depth++;
    else if (isPunct(t, '(')) {
      if (depth-- === 0) return false;
    } else if (depth === 0 && isWord(t, 'FROM')) return true;
    else if (depth === 0 && isWord(t, 'SELECT', 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'SET', 'VALUES', 'BY')) return false;
  }
  return false;
}

interface Cell {
  readonly from: number;
  readonly to: number;
}

/** Rows from `k`: `(a, b), (c, d)` or `a, b` (one column each), then `[AS] alias[(cols)]`. */
function readTable(sig: Token[], k: number): { rows: Cell[][]; alias?: string; columns?: string[]; rowsEnd: number; end: number } | undefined {
  const rows: Cell[][] = [];
  let j = k;
  for (;;) {
    const item = expressionEnd(sig, j);
    if (item === j) return undefined;
    const close = isPunct(sig[j], '(') ? matching(sig, j) : undefined;
    if (close === item - 1) {
      // `(a, b)`: a row of its top-level items (a scalar subquery `(SELECT ...)` is one cell).
      rows.push(isWord(sig[j + 1], 'SELECT', 'WITH') ? [cell(sig, j, item)] : splitItems(sig, j + 1, item - 1));
    } else rows.push([cell(sig, j, item)]);
    if (!isPunct(sig[item], ',')) {
      j = item;
      break;
    }
    j = item + 1;
  }
  if (rows.some((r) => r.length !== rows[0].length)) return undefined;
  const rowsEnd = j;
  let end = j;
  let alias: string | undefined;
  let columns: string[] | undefined;
  const as = isWord(sig[j], 'AS');
  const name = sig[as ? j + 1 : j];
  if (identName(name) !== undefined && !(name.kind === 'word' && AFTER_ROWS.has(name.text.toUpperCase()))) {
    alias = name.text;
    end = (as ? j + 1 : j) + 1;
    if (isPunct(sig[end], '(')) {
      const close = matching(sig, end);
      if (close === undefined) return undefined;
      columns = sig.slice(end + 1, close).filter((t) => !isPunct(t, ',')).map((t) => t.text);
      end = close + 1;
    }
  }
  return { rows, ...(alias !== undefined ? { alias } : {}), ...(columns ? { columns } : {}), rowsEnd, end };
}

function cell(sig: Token[], from: number, to: number): Cell {
  return { from: sig[from].start, to: sig[to - 1].end };
}

/** The top-level comma-separated items of sig[from, to). */
function splitItems(sig: Token[], from: number, to: number): Cell[] {
  const out: Cell[] = [];
  let start = from;
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = sig[j];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
    else if (depth === 0 && isPunct(t, ',')) {
      out.push(cell(sig, start, j));
      start = j + 1;
    }
  }
  if (start < to) out.push(cell(sig, start, to));
  return out;
}

/** Where the expression starting at `j` ends: a top-level `,`, a closing bracket, or a word that cannot continue it. */
function expressionEnd(sig: Token[], j: number): number {
  let depth = 0;
  let k = j;
  for (; k < sig.length; k++) {
    const t = sig[k];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (isPunct(t, ',') || isPunct(t, ';'))) break;
    else if (depth === 0 && k > j && endsExpression(sig, k)) break;
  }
  return k;
}

/** A name right after a complete operand starts the alias (or a clause). */
function endsExpression(sig: Token[], k: number): boolean {
  const t = sig[k];
  if (t.kind === 'word' && AFTER_ROWS.has(t.text.toUpperCase())) return true;
  if (identName(t) === undefined) return false;
  const prev = sig[k - 1];
  const operand = prev.kind === 'number' || prev.kind === 'string' || isPunct(prev, ')') || isPunct(prev, ']') || (prev.kind === 'word' && !OPERATOR_WORDS.has(prev.text.toUpperCase()));
  return operand && !OPERATOR_WORDS.has(t.text.toUpperCase());
}

/** Words that join or continue an expression. */
const OPERATOR_WORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'BETWEEN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'INTERVAL', 'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'DIV', 'MOD', 'X', 'TRUE', 'FALSE', 'ESCAPE', 'DISTINCT', 'FROM', 'COLLATE']);

function matching(sig: Token[], open: number): number | undefined {
  let depth = 0;
  for (let j = open; j < sig.length; j++) {
    if (isPunct(sig[j], '(')) depth++;
    else if (isPunct(sig[j], ')') && --depth === 0) return j;
  }
  return undefined;
}

/** Words an inline table's constant expressions may hold besides calls: keywords, interval units, type names. */
const CONSTANT_WORDS = new Set([
  ...OPERATOR_WORDS, 'AS', 'TO', 'CURRENT_DATE', 'CURRENT_TIMESTAMP',
  ...['YEAR', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND'].flatMap((u) => [u, `${u}S`]),
]);

/**
 * Spark evaluates an inline table's rows before the query runs: they may not name columns
 * (`VALUES (id)` inside a query that has an `id`).
 */
function checkConstant(sig: Token[], from: number, to: number): void {
  for (let j = from; j < to; j++) {
    const t = sig[j];
    // A call, a keyword, or a typed literal (`TIMESTAMPTZ '...'`).
    if (identName(t) === undefined || isPunct(sig[j + 1], '(') || sig[j + 1]?.kind === 'string' || CONSTANT_WORDS.has(t.text.toUpperCase())) continue;
    // The type of a CAST (`AS DECIMAL(10, 2)`, `AS ARRAY<INT>`).
    if (isWord(sig[j - 1], 'AS') || isPunct(sig[j - 1], '<') || (isPunct(sig[j - 1], ',') && typeContext(sig, j))) continue;
    throw sqlError(`VALUES: an inline table holds constants, and \`${t.kind === 'quoted' ? t.value : t.text}\` is not one (Spark evaluates its rows before the query runs)`);
  }
}

/** Whether `j` is inside the angle brackets of a type (`MAP<STRING, INT>`). */
function typeContext(sig: Token[], j: number): boolean {
  for (let k = j - 1; k >= 0 && !isPunct(sig[k], '('); k--) if (isPunct(sig[k], '<')) return true;
  return false;
}
