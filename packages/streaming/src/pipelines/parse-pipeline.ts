import type { Token } from '@loch/lakehouse';
import { streamingError } from '../errors.js';
import {
  STREAM_INPUT,
  type DatasetDef,
  type DeclaredColumn,
  type Expectation,
  type PipelineDef,
  type ViolationAction,
} from './definition.js';
import { compileAggregation } from './aggregated-query.js';
import { queryReads, streamReferences, type StreamReference } from './query-references.js';
import { splitFile, TokenCursor, type StatementTokens } from './tokens.js';

/**
 * Reads a pipeline file: `CREATE [OR REFRESH] STREAMING TABLE ...` and `CREATE [OR REFRESH |
 * OR REPLACE] MATERIALIZED VIEW ...` statements (Databricks' SQL for pipelines; the older
 * `CREATE [STREAMING] LIVE TABLE` spellings too). Anything else fails naming the file and line.
 */
export function parsePipeline(sources: readonly PipelineSourceText[], name: string): PipelineDef {
  const datasets: DatasetDef[] = [];
  const seen = new Map<string, DatasetDef>();
  for (const { text, file } of sources) {
    for (const st of splitFile(text)) {
      const d = parseDataset(text, st, file);
      const key = d.name.toLowerCase();
      const before = seen.get(key);
      if (before) {
        const at = before.file === file ? `line ${before.line}` : `${before.file}:${before.line}`;
        throw streamingError('PIPELINE_DUPLICATE_DATASET', `${file}:${d.line}: table ${d.name} is already defined at ${at}`);
      }
      seen.set(key, d);
      datasets.push(d);
    }
  }
  return { name, file: sources.map((s) => s.file).join(', '), datasets };
}

/** One file of a pipeline: its text and the name messages give it. */
export interface PipelineSourceText {
  readonly text: string;
  readonly file: string;
}

type Kind = DatasetDef['kind'];

/** The statement's kind from its leading words; the cursor then stands at the name. */
function parseHead(c: TokenCursor): Kind {
  if (!c.words('CREATE')) unsupported(c);
  if (!c.words('OR', 'REFRESH')) c.words('OR', 'REPLACE');
  c.words('TEMPORARY');
  let kind: Kind | undefined;
  if (c.words('STREAMING', 'LIVE', 'TABLE') || c.words('STREAMING', 'TABLE') || c.words('INCREMENTAL', 'LIVE', 'TABLE')) kind = 'streamingTable';
  else if (c.words('MATERIALIZED', 'VIEW') || c.words('LIVE', 'TABLE')) kind = 'materializedView';
  if (!kind) unsupported(c);
  c.words('IF', 'NOT', 'EXISTS');
  return kind;
}

function unsupported(c: TokenCursor): never {
  const words = c.tokens.slice(0, 4).map((t) => t.text).join(' ');
  c.pos = 0;
  throw streamingError(
    'PIPELINE_UNSUPPORTED_STATEMENT',
    `${c.where}: a pipeline file defines tables with CREATE OR REFRESH STREAMING TABLE ... AS SELECT and CREATE OR REFRESH MATERIALIZED VIEW ... AS SELECT; '${words} ...' is not one`,
  );
}

function parseDataset(text: string, st: StatementTokens, file: string): DatasetDef {
  const where = `${file}:${st.line}`;
  const c = new TokenCursor(st.tokens, where);
  const kind = parseHead(c);
  const name = c.name('the table name').replace(/^live\./i, '');
  const columns: DeclaredColumn[] = [];
  const expectations: Expectation[] = [];
  if (c.isPunct('(')) parseElements(c, text, columns, expectations);
  const clauses = parseClauses(c);
  c.expectWords('AS');
  if (c.atEnd()) c.fail('expected the query after AS');
  const queryTokens = st.tokens.slice(c.pos);
  const refs = streamReferences(queryTokens, where);
  const reads = queryReads(queryTokens);
  const base = { name, file, line: st.line, columns, expectations, ...clauses, reads };
  if (kind === 'materializedView') {
    if (refs.length > 0) throw streamingError('PIPELINE_PARSE_ERROR', `${where}: materialized view ${name} reads STREAM(...); a materialized view reads tables (drop STREAM), a streaming table reads a stream`);
    return { kind, ...base, query: rewrite(text, queryTokens, []) };
  }
  if (refs.length !== 1) {
    throw streamingError(
      'PIPELINE_PARSE_ERROR',
      refs.length === 0
        ? `${where}: streaming table ${name} reads no stream: write FROM STREAM read_files('/path', format => 'json') or FROM STREAM(other_table)`
        : `${where}: streaming table ${name} reads ${refs.length} streams; a streaming table reads one (union them in separate tables)`,
    );
  }
  const aggregation = compileAggregation(text, queryTokens, refs[0], where);
  return { kind, ...base, source: refs[0].source, query: rewrite(text, queryTokens, refs), ...(aggregation ? { aggregation } : {}) };
}

/** `( column TYPE ..., CONSTRAINT name EXPECT (cond) [ON VIOLATION DROP ROW | FAIL UPDATE], ... )`. */
function parseElements(c: TokenCursor, text: string, columns: DeclaredColumn[], expectations: Expectation[]): void {
  const close = c.closing(c.pos);
  c.expectPunct('(');
  if (c.pos === close) c.fail('expected columns or constraints');
  for (;;) {
    if (c.words('CONSTRAINT')) expectations.push(parseExpectation(c, text));
    else columns.push(parseColumn(c, text, close));
    if (c.pos === close) break;
    c.expectPunct(',');
  }
  c.expectPunct(')');
}

function parseExpectation(c: TokenCursor, text: string): Expectation {
  const name = c.ident('the expectation name');
  if (!c.words('EXPECT')) c.fail(`expected EXPECT (condition) after CONSTRAINT ${name}`);
  if (!c.isPunct('(')) c.fail(`expected (condition) after EXPECT`);
  const close = c.closing(c.pos);
  if (close === c.pos + 1) c.fail(`expectation ${name} has an empty condition`);
  const condition = text.slice(c.tokens[c.pos + 1].start, c.tokens[close - 1].end);
  c.pos = close + 1;
  let action: ViolationAction = 'warn';
  if (c.words('ON', 'VIOLATION')) {
    if (c.words('DROP', 'ROW')) action = 'drop';
    else if (c.words('FAIL', 'UPDATE')) action = 'fail';
    else c.fail('expected DROP ROW or FAIL UPDATE after ON VIOLATION');
  }
  return { name, condition, action };
}

/** `name TYPE [NOT NULL] [COMMENT '...']`: the type is the text up to the options, `<...>` and `(...)` kept whole. */
function parseColumn(c: TokenCursor, text: string, close: number): DeclaredColumn {
  const name = c.ident('a column name or CONSTRAINT');
  const from = c.pos;
  let depth = 0;
  while (c.pos < close) {
    const t = c.peek()!;
    if (depth === 0 && (t.text === ',' || c.isWord(0, 'NOT', 'COMMENT', 'GENERATED', 'DEFAULT', 'MASK', 'PRIMARY'))) break;
    if (t.text === '<' || t.text === '(') depth++;
    if (t.text === '>' || t.text === ')') depth--;
    c.pos++;
  }
  if (c.pos === from) c.fail(`expected the type of column ${name}`);
  const type = text.slice(c.tokens[from].start, c.tokens[c.pos - 1].end);
  // Column options say nothing the query's rows need.
  while (c.pos < close && !c.isPunct(',')) c.pos++;
  return { name, type };
}

interface Clauses {
  readonly partitionBy: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly comment?: string;
}

function parseClauses(c: TokenCursor): Clauses {
  let partitionBy: string[] = [];
  const properties: Record<string, string> = {};
  let comment: string | undefined;
  while (!c.isWord(0, 'AS')) {
    if (c.words('PARTITIONED', 'BY') || c.words('CLUSTER', 'BY')) partitionBy = parseNames(c);
    else if (c.words('COMMENT')) comment = c.string('the comment');
    else if (c.words('TBLPROPERTIES')) {
      c.expectPunct('(');
      do {
        const key = c.peek()?.kind === 'string' ? c.string('a property key') : c.name('a property key');
        c.expectPunct('=');
        const t = c.peek();
        if (!t || (t.kind !== 'string' && t.kind !== 'number' && t.kind !== 'word')) c.fail(`expected the value of property ${key}`);
        c.pos++;
        properties[key] = t.value;
      } while (c.punct(','));
      c.expectPunct(')');
    } else c.fail('expected PARTITIONED BY, COMMENT, TBLPROPERTIES or AS');
  }
  return { partitionBy, properties, ...(comment !== undefined ? { comment } : {}) };
}

function parseNames(c: TokenCursor): string[] {
  c.expectPunct('(');
  const names: string[] = [];
  do names.push(c.ident('a column name'));
  while (c.punct(','));
  c.expectPunct(')');
  return names;
}

/**
 * The query's text with each stream reference replaced by STREAM_INPUT and `LIVE.` prefixes
 * dropped (tables of a pipeline are tables of the lake).
 */
function rewrite(text: string, tokens: readonly Token[], refs: readonly StreamReference[]): string {
  const edits: { start: number; end: number; text: string }[] = refs.map((r) => ({ start: r.start, end: r.end, text: STREAM_INPUT }));
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'word' && /^live$/i.test(t.text) && tokens[i + 1].text === '.' && !refs.some((r) => t.start >= r.start && t.start < r.end)) {
      edits.push({ start: t.start, end: tokens[i + 1].end, text: '' });
    }
  }
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = tokens[0].start;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at, tokens[tokens.length - 1].end);
}
