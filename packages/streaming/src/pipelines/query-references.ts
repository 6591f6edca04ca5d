import type { Token } from '@loch/lakehouse';
import { streamingError } from '../errors.js';
import type { StreamSource } from './definition.js';

/** A `STREAM ...` reference in a query: what it reads and the text it spans. */
export interface StreamReference {
  readonly source: StreamSource;
  readonly start: number;
  readonly end: number;
}

/** Words after which a name is a table (FROM t, JOIN t, and the comma of FROM a, b). */
const BEFORE_TABLE = new Set(['FROM', 'JOIN']);
/** Words that end a FROM list or cannot be a table's alias. */
const CLAUSE_WORDS = new Set([
  'WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'ON', 'USING', 'UNION', 'EXCEPT',
  'INTERSECT', 'WINDOW', 'QUALIFY', 'LATERAL', 'NATURAL', 'ANTI', 'SEMI', 'SORT', 'CLUSTER', 'DISTRIBUTE', 'TABLESAMPLE', 'PIVOT',
  'UNPIVOT', 'OUTER', 'SELECT', 'VALUES', 'STREAM', 'AS', 'WATERMARK',
]);

const isWord = (t: Token | undefined, w: string) => t !== undefined && t.kind === 'word' && t.text.toUpperCase() === w;
const isPunct = (t: Token | undefined, p: string) => t !== undefined && t.kind === 'punct' && t.text === p;
const isName = (t: Token | undefined) => t !== undefined && (t.kind === 'quoted' || (t.kind === 'word' && !CLAUSE_WORDS.has(t.text.toUpperCase())));

/** A dotted name starting at `i`: its text (LIVE. dropped) and the index after it. */
function nameAt(tokens: readonly Token[], i: number): { name: string; next: number } | undefined {
  if (!isName(tokens[i])) return undefined;
  const parts = [tokens[i].value];
  let j = i + 1;
  while (isPunct(tokens[j], '.') && (tokens[j + 1]?.kind === 'word' || tokens[j + 1]?.kind === 'quoted')) {
    parts.push(tokens[j + 1].value);
    j += 2;
  }
  if (parts.length > 1 && /^live$/i.test(parts[0])) parts.shift();
  return { name: parts.join('.'), next: j };
}

function closingParen(tokens: readonly Token[], open: number, where: string): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  throw streamingError('PIPELINE_PARSE_ERROR', `${where}: unclosed '(' after STREAM`);
}

/**
 * The query's stream references: `STREAM read_files(...)`, `STREAM(read_files(...))`,
 * `STREAM(t)`, `STREAM t` and `STREAM read_<reader>(...)` after FROM, JOIN or a comma.
 */
export function streamReferences(tokens: readonly Token[], where: string): StreamReference[] {
  const out: StreamReference[] = [];
  for (let i = 1; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'STREAM')) continue;
    const prev = tokens[i - 1];
    if (!(isWord(prev, 'FROM') || isWord(prev, 'JOIN') || isPunct(prev, ','))) continue;
    let j = i + 1;
    let wrapped = false;
    if (isPunct(tokens[j], '(')) {
      wrapped = true;
      j++;
    }
    let source: StreamSource;
    let end: number;
    if (tokens[j]?.kind === 'word' && isPunct(tokens[j + 1], '(')) {
      const close = closingParen(tokens, j + 1, where);
      source = readerSource(tokens[j].text.toLowerCase(), tokens.slice(j + 2, close), where);
      end = close + 1;
    } else {
      const n = nameAt(tokens, j);
      if (!n) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: expected a table or read_files(...) after STREAM`);
      source = { kind: 'table', name: n.name };
      end = n.next;
    }
    if (wrapped) {
      if (!isPunct(tokens[end], ')')) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: expected ')' to close STREAM(`);
      end++;
    }
    out.push({ source, start: tokens[i].start, end: tokens[end - 1].end });
    i = end - 1;
  }
  return out;
}

/** `read_files('path', format => 'json', ...)` or another reader's named arguments. */
function readerSource(fn: string, args: readonly Token[], where: string): StreamSource {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  let i = 0;
  while (i < args.length) {
    if ((args[i].kind === 'word' || args[i].kind === 'quoted') && isPunct(args[i + 1], '=') && isPunct(args[i + 2], '>')) {
      options[args[i].value] = literal(args[i + 3], `${fn} argument ${args[i].value}`, where);
      i += 4;
    } else {
      if (Object.keys(options).length > 0) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: ${fn}: positional arguments come before named ones (name => value)`);
      positional.push(literal(args[i], `${fn} argument ${positional.length + 1}`, where));
      i++;
    }
    if (i < args.length) {
      if (!isPunct(args[i], ',')) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: ${fn}: expected ',' between arguments, found '${args[i].text}'`);
      i++;
    }
  }
  if (fn === 'read_files' || fn === 'cloud_files') {
    const path = positional[0] ?? options['path'];
    if (path === undefined) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: ${fn} needs a path: ${fn}('/landing/events', format => 'json')`);
    // cloud_files(path, format, map(...)) is DLT's older spelling.
    if (fn === 'cloud_files' && positional[1] !== undefined) options['format'] ??= positional[1];
    delete options['path'];
    return { kind: 'files', path, options };
  }
  if (positional.length > 0) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: ${fn} takes named arguments (name => 'value')`);
  return { kind: 'reader', function: fn, options };
}

function literal(t: Token | undefined, what: string, where: string): string {
  if (t && (t.kind === 'string' || t.kind === 'number')) return t.value;
  if (t && t.kind === 'word' && /^(true|false)$/i.test(t.text)) return t.text.toLowerCase();
  throw streamingError('PIPELINE_PARSE_ERROR', `${where}: ${what} must be a string, number or boolean literal${t ? `, found '${t.text}'` : ''}`);
}

/** Tables a query names after FROM and JOIN (and in FROM lists), STREAM(t) included; table functions are not tables. */
export function queryReads(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!(t.kind === 'word' && BEFORE_TABLE.has(t.text.toUpperCase()))) continue;
    let j = i + 1;
    for (;;) {
      if (isWord(tokens[j], 'STREAM')) j += isPunct(tokens[j + 1], '(') ? 2 : 1;
      const n = nameAt(tokens, j);
      if (!n || isPunct(tokens[n.next], '(')) break;
      out.push(n.name);
      j = n.next;
      if (isPunct(tokens[j], ')')) j++;
      if (isWord(tokens[j], 'AS')) j++;
      if (isName(tokens[j]) && !isPunct(tokens[j + 1], '.')) j++;
      if (!isPunct(tokens[j], ',') || !t.text.toUpperCase().startsWith('FROM')) break;
      j++;
    }
  }
  return [...new Set(out)];
}
