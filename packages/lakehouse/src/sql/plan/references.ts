import { sqlIdent } from '@loch/engine-node';
import { sqlError, unsupported } from '../errors.js';
import { isIdent, isPunct, isWord, significant, tokenize, type Token } from '../parse/lexer.js';
import { nameOf, type TableName } from '../parse/parse-common.js';
import { changesCallAt, type ChangesRef } from './table-changes.js';

/** Where a query names a table that may be a Delta table, and what to read there. */
export interface TableRef {
  /** Offsets of the reference in the query text, time-travel clause included. */
  readonly start: number;
  readonly end: number;
  readonly table: TableName;
  readonly version?: number;
  readonly timestamp?: string;
  /** `TIMESTAMP AS OF <expression>`: SQL to evaluate to the timestamp (`current_timestamp() - INTERVAL 1 HOUR`). */
  readonly timestampExpr?: string;
  /** The reference as written (a name, or ``delta.`/path` ``), for messages and metrics. */
  readonly text: string;
  /**
   * When the query gives the table no alias and names it bare, the alias that keeps qualified
   * columns (`events.id`) resolving once the reference is replaced.
   */
  readonly alias?: string;
  /** Whether this reference must be a Delta table (a path, or time travel); bare names may be DuckDB's. */
  readonly explicit: boolean;
}

/**
 * Files queried as a table: ``json.`/data/in` `` (Spark's `format.path`) or Databricks'
 * `read_files('/data/in', format => 'json', ...)`, options as written (values as text).
 */
export interface FileRef {
  readonly start: number;
  readonly end: number;
  /** The reference as written, for messages. */
  readonly text: string;
  readonly path: string;
  /** `json`, `csv`, ...: the prefix of ``format.`path` ``, or read_files' `format` option. */
  readonly format?: string;
  /** read_files' options but `format` (absent for ``format.`path` ``). */
  readonly options?: Readonly<Record<string, string>>;
  /** Whether read_files' `_rescued_data` column is added (default: for read_files); COPY INTO adds none. */
  readonly rescuedColumn?: boolean;
}

/** The file formats Spark reads as ``format.`path` ``. */
export const FILE_FORMATS = new Set(['json', 'csv', 'parquet', 'text', 'binaryfile', 'orc', 'avro', 'xml']);

export interface QueryText {
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly refs: readonly TableRef[];
  readonly files: readonly FileRef[];
  /** `table_changes(...)` calls. */
  readonly changes: readonly ChangesRef[];
}

/** Keywords that end a FROM clause at their parenthesis depth. */
const FROM_ENDS = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'QUALIFY', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'SELECT', 'FETCH', 'RETURNING', 'VALUES', 'SET', 'INTO']);

/** Words after a table reference that are not its alias. */
const NOT_ALIAS = new Set([
  ...FROM_ENDS, 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'NATURAL', 'SEMI', 'ANTI', 'ASOF', 'POSITIONAL', 'LATERAL',
  'ON', 'USING', 'TABLESAMPLE', 'PIVOT', 'UNPIVOT', 'FOR', 'WITH', 'TO', 'FORMAT',
]);

/** Functions whose arguments use FROM (`extract(year FROM ts)`): no table follows it there. */
const FROM_IN_ARGUMENTS = new Set(['EXTRACT', 'SUBSTRING', 'TRIM', 'OVERLAY', 'POSITION']);

/**
 * Finds the table references of a DuckDB query: names right after FROM or JOIN or a comma of a
 * FROM list (not function calls, not qualified names, not CTE names), ``delta.`/path` `` anywhere
 * a table may stand, each with an optional `VERSION AS OF n` / `TIMESTAMP AS OF '...'`.
 */
export function findTableRefs(text: string): QueryText {
  const tokens = tokenize(text);
  const sig = significant(tokens);
  const ctes = cteNames(sig);
  const refs: TableRef[] = [];
  const files: FileRef[] = [];
  const changes: ChangesRef[] = [];
  const inFrom: boolean[] = [false];
  const argParens: boolean[] = [false];
  let depth = 0;
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i];
    let at: number | undefined;
    let aliasable = true;
    if (isPunct(t, '(')) {
      depth++;
      inFrom[depth] = false;
      argParens[depth] = sig[i - 1]?.kind === 'word' && FROM_IN_ARGUMENTS.has(sig[i - 1].text.toUpperCase());
    } else if (isPunct(t, ')')) {
      depth = Math.max(0, depth - 1);
    } else if (isWord(t, 'FROM', 'JOIN')) {
      if (argParens[depth] || isWord(sig[i - 1], 'DISTINCT')) continue;
      inFrom[depth] = true;
      at = i + 1;
    } else if (isPunct(t, ',') && inFrom[depth]) {
      at = i + 1;
    } else if (i === 0 && isWord(t, 'DESCRIBE', 'DESC', 'SUMMARIZE')) {
      at = 1;
      aliasable = false;
    } else if (t.kind === 'word' && FROM_ENDS.has(t.text.toUpperCase())) {
      inFrom[depth] = false;
    }
    if (at === undefined) continue;
    const change = changesCallAt(text, sig, at);
    if (change) {
      changes.push(change.ref);
      i = change.last;
      continue;
    }
    const file = fileRefAt(text, sig, at);
    if (file) {
      files.push(file.ref);
      i = file.last;
      continue;
    }
    const ref = refAt(text, sig, at, aliasable, ctes);
    if (ref) {
      refs.push(ref.ref);
      i = ref.last;
    }
  }
  return { text, tokens, refs, files, changes };
}

/** ``format.`path` `` or `read_files(...)` at `i`. */
function fileRefAt(text: string, sig: Token[], i: number): { ref: FileRef; last: number } | undefined {
  const t = sig[i];
  if (t?.kind === 'word' && FILE_FORMATS.has(t.text.toLowerCase()) && isPunct(sig[i + 1], '.') && sig[i + 2]?.quote === '`' && !isPunct(sig[i + 3], '.')) {
    const last = i + 2;
    return { ref: { start: t.start, end: sig[last].end, text: text.slice(t.start, sig[last].end), path: sig[last].value, format: t.text.toLowerCase() }, last };
  }
  if (isWord(t, 'STREAM') && (isWord(sig[i + 1], 'read_files') || isPunct(sig[i + 1], '('))) {
    throw unsupported('STREAM in a query (streaming tables and their sources)');
  }
  if (!isWord(t, 'read_files') || !isPunct(sig[i + 1], '(')) return undefined;
  return readFilesCall(text, sig, i);
}

/** `read_files('path' [, option => value]...)`: the path, and the options with their values as text. */
function readFilesCall(text: string, sig: Token[], i: number): { ref: FileRef; last: number } {
  const bad = (what: string): never => {
    throw sqlError(`read_files: ${what} (read_files('/path', format => 'csv', header => true))`);
  };
  let j = i + 2;
  const path = sig[j];
  if (path?.kind !== 'string') bad('the first argument must be the path, a quoted string');
  j++;
  const options: Record<string, string> = {};
  let format: string | undefined;
  while (isPunct(sig[j], ',')) {
    const name = sig[j + 1];
    const arrow = isPunct(sig[j + 2], '=') && isPunct(sig[j + 3], '>') && sig[j + 3].start === sig[j + 2].end;
    if (!isIdent(name) || !arrow) bad('options are written name => value');
    const key = name.value;
    let k = j + 4;
    let value: string;
    if (isPunct(sig[k], '-') && sig[k + 1]?.kind === 'number') {
      value = `-${sig[k + 1].text}`;
      k += 2;
    } else if (sig[k]?.kind === 'string' || sig[k]?.kind === 'number' || isWord(sig[k], 'true', 'false')) {
      value = sig[k].kind === 'string' ? sig[k].value : sig[k].text.toLowerCase();
      k++;
    } else return bad(`the value of ${key} must be a literal`);
    if (key.toLowerCase() === 'format') format = value.toLowerCase();
    else options[key] = value;
    j = k;
  }
  if (!isPunct(sig[j], ')')) bad('expected , or ) after an argument');
  const ref: FileRef = { start: sig[i].start, end: sig[j].end, text: text.slice(sig[i].start, sig[j].end), path: path.value, ...(format !== undefined ? { format } : {}), options };
  return { ref, last: j };
}

function refAt(text: string, sig: Token[], i: number, aliasable: boolean, ctes: Set<string>): { ref: TableRef; last: number } | undefined {
  const t = sig[i];
  let table: TableName;
  let last: number;
  let at: { version?: number; timestamp?: string } | undefined;
  if (isWord(t, 'delta') && isPunct(sig[i + 1], '.') && sig[i + 2]?.kind === 'quoted' && !isPunct(sig[i + 3], '.')) {
    // Delta's ``delta.`/path@v2` `` names a version in the path.
    const m = /^(.*)@(v\d+|\d{17})$/.exec(sig[i + 2].value);
    table = { kind: 'path', path: m ? m[1] : sig[i + 2].value };
    if (m) at = versionSuffix(m[2]);
    last = i + 2;
  } else if (isIdent(t) && !isPunct(sig[i - 1], '.')) {
    // `t`, `s.t`, `c.s.t`; a dotted name followed by `(` is a table function.
    last = i;
    while (isPunct(sig[last + 1], '.') && isIdent(sig[last + 2])) last += 2;
    if (isPunct(sig[last + 1], '(') || isPunct(sig[last + 1], '.') || last - i > 4) return undefined;
    if (last === i && t.kind === 'word' && ctes.has(t.value.toLowerCase())) return undefined;
    table = nameOf(sig.slice(i, last + 1).filter((_, k) => k % 2 === 0).map((p) => p.value));
    // Delta's `table@v2` (a version) and `table@20240131120000000` (yyyyMMddHHmmssSSS).
    const [atSign, suffix] = [sig[last + 1], sig[last + 2]];
    if (isPunct(atSign, '@') && atSign.start === sig[last].end && /^(v\d+|\d{17})$/.test(suffix?.text ?? '') && suffix.start === atSign.end) {
      at = versionSuffix(suffix.text);
      last += 2;
    }
  } else {
    return undefined;
  }
  const written = text.slice(t.start, sig[last].end);
  const travel: { version?: number; timestamp?: string; timestampExpr?: string; last?: number } | undefined = at ?? timeTravel(text, sig, last + 1, written);
  if (travel?.last !== undefined) last = travel.last;
  const next = sig[last + 1];
  const hasAlias = isWord(next, 'AS') || next?.kind === 'quoted' || (next?.kind === 'word' && !NOT_ALIAS.has(next.text.toUpperCase()));
  return {
    ref: {
      start: t.start,
      end: sig[last].end,
      table,
      ...(travel?.version !== undefined ? { version: travel.version } : {}),
      ...(travel?.timestamp !== undefined ? { timestamp: travel.timestamp } : {}),
      ...(travel?.timestampExpr !== undefined ? { timestampExpr: travel.timestampExpr } : {}),
      text: written,
      ...(aliasable && !hasAlias && table.kind === 'name' ? { alias: table.name } : {}),
      explicit: table.kind === 'path' || travel !== undefined,
    },
    last,
  };
}

/** Words that go on with a timestamp expression after an operand. */
const CONTINUES = new Set([
  'AND', 'OR', 'IS', 'NOT', 'AT', 'TIME', 'ZONE', 'COLLATE', 'YEAR', 'YEARS', 'MONTH', 'MONTHS', 'WEEK', 'WEEKS', 'DAY', 'DAYS',
  'HOUR', 'HOURS', 'MINUTE', 'MINUTES', 'SECOND', 'SECONDS', 'MILLISECOND', 'MILLISECONDS', 'MICROSECOND', 'MICROSECONDS',
]);

/** Whether a token can end an operand: a literal, a name, or a closing parenthesis. */
function endsOperand(t: Token | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'string' || t.kind === 'number' || t.kind === 'quoted' || isPunct(t, ')')) return true;
  return t.kind === 'word' && !['INTERVAL', 'DATE', 'TIMESTAMP', 'CAST', 'AT', 'TIME', 'ZONE', 'AND', 'OR', 'NOT', 'IS'].includes(t.text.toUpperCase());
}

/** `v12` (a version) or `yyyyMMddHHmmssSSS` (a UTC time) after `@`. */
function versionSuffix(s: string): { version?: number; timestamp?: string } {
  if (s.startsWith('v')) return { version: Number(s.slice(1)) };
  return { timestamp: `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}.${s.slice(14)}Z` };
}

/**
 * `[FOR] VERSION|SYSTEM_VERSION AS OF n` or `[FOR] TIMESTAMP|SYSTEM_TIME AS OF <timestamp>` at
 * `i`: a quoted timestamp, or any expression that is or casts to a timestamp (Spark's
 * `current_timestamp() - INTERVAL 12 HOURS`, `date_sub(current_date(), 1)`), which runs to the
 * next `,`, `)`, alias or clause at its own depth.
 */
function timeTravel(text: string, sig: Token[], i: number, table: string): { version?: number; timestamp?: string; timestampExpr?: string; last: number } | undefined {
  const k = isWord(sig[i], 'FOR') ? i + 1 : i;
  if (!isWord(sig[k + 1], 'AS') || !isWord(sig[k + 2], 'OF')) return undefined;
  const v = sig[k + 3];
  if (isWord(sig[k], 'VERSION', 'SYSTEM_VERSION')) {
    if (v?.kind !== 'number' || !/^\d+$/.test(v.text)) throw sqlError(`${table} VERSION AS OF needs a version number`);
    return { version: Number(v.text), last: k + 3 };
  }
  if (!isWord(sig[k], 'TIMESTAMP', 'SYSTEM_TIME')) return undefined;
  let j = k + 3;
  let depth = 0;
  for (; j < sig.length; j++) {
    const t = sig[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (isPunct(t, ',') || isPunct(t, ';') || (t.kind === 'word' && (NOT_ALIAS.has(t.text.toUpperCase()) || isWord(t, 'AS'))))) break;
    // A name right after a complete operand is the table's alias (`... AS OF '2024-01-31' e`),
    // unless it carries the expression on (`INTERVAL 1 DAY`, `AT TIME ZONE 'UTC'`).
    else if (depth === 0 && j > k + 3 && (t.kind === 'word' || t.kind === 'quoted') && endsOperand(sig[j - 1]) && !CONTINUES.has(t.text.toUpperCase())) break;
  }
  if (j === k + 3) throw sqlError(`${table} TIMESTAMP AS OF needs a timestamp ('2024-01-31 12:00:00', or an expression)`);
  if (j === k + 4 && v.kind === 'string') return { timestamp: v.value, last: k + 3 };
  return { timestampExpr: text.slice(v.start, sig[j - 1].end), last: j - 1 };
}

/** Names a WITH clause defines: `name AS (`, `name AS [NOT] MATERIALIZED (`, `name (a, b) AS (`. */
function cteNames(sig: Token[]): Set<string> {
  const names = new Set<string>();
  for (let i = 1; i < sig.length; i++) {
    if (!isIdent(sig[i]) || !(isWord(sig[i - 1], 'WITH', 'RECURSIVE') || isPunct(sig[i - 1], ','))) continue;
    let j = i + 1;
    if (isPunct(sig[j], '(')) {
      while (j < sig.length && !isPunct(sig[j], ')')) j++;
      j++;
    }
    if (isWord(sig[j], 'AS') && (isPunct(sig[j + 1], '(') || isWord(sig[j + 1], 'MATERIALIZED', 'NOT'))) names.add(sig[i].value.toLowerCase());
  }
  return names;
}

/**
 * The query with each reference replaced by its relation (and the alias it needs), and Spark's
 * backtick identifiers turned into DuckDB's double-quoted ones.
 */
export function rewriteQuery(q: QueryText, relationOf: (ref: TableRef | FileRef | ChangesRef) => string | undefined): string {
  const at = new Map<number, TableRef | FileRef | ChangesRef>();
  for (const r of [...q.refs, ...q.files, ...q.changes]) at.set(r.start, r);
  let out = '';
  let skipTo = -1;
  for (const t of q.tokens) {
    if (t.start < skipTo) continue;
    const ref = at.get(t.start);
    const relation = ref && relationOf(ref);
    if (ref && relation !== undefined) {
      out += 'alias' in ref && ref.alias !== undefined ? `${relation} AS ${sqlIdent(ref.alias)}` : relation;
      skipTo = ref.end;
      continue;
    }
    out += t.kind === 'quoted' && t.quote === '`' ? sqlIdent(t.value) : t.text;
  }
  return out;
}
