/**
 * Files queried as tables, as Spark and Databricks read them: ``json.`/data/in` ``,
 * ``csv.`...` ``, ``parquet.`...` ``, ``text.`...` ``, ``binaryFile.`...` `` and
 * `read_files(path, format => ..., option => ...)`. Each becomes a DuckDB relation over the files
 * Spark would read (a directory's files at any depth, less hidden ones; `k=v` directories as
 * partition columns), with Spark's defaults and Spark's option names mapped to DuckDB's reader
 * parameters. An option Loch cannot honour is refused by name rather than ignored.
 */
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import type { DataType, FileMeta, StorageHandler, StructField } from '@loch/delta';
import { localUrl, sqlIdent, sqlString } from '@loch/engine-node';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { duckType } from '../../values/duck-types.js';
import { deltaTypeOf } from '../../write/duck-schema.js';
import { SqlError, sqlError, unsupported } from '../errors.js';
import { Cursor } from '../parse/cursor.js';
import { parseFieldRest } from '../parse/spark-types.js';
import { parsePattern } from '../rewrite/functions/datetime-patterns.js';
import type { FileRef } from './references.js';

type Format = 'json' | 'csv' | 'parquet' | 'text' | 'binaryfile';

/** File extensions read_files recognises when no format is given. */
const EXTENSIONS: Readonly<Record<string, Format>> = {
  json: 'json', jsonl: 'json', ndjson: 'json', csv: 'csv', tsv: 'csv', parquet: 'parquet', txt: 'text', text: 'text',
};

/** Options every format takes: which files are read. */
const DISCOVERY = ['pathglobfilter', 'recursivefilelookup', 'modifiedbefore', 'modifiedafter', 'ignorecorruptfiles', 'ignoremissingfiles'];

/** The DuckDB relation (a parenthesized query) that reads what `ref` names. */
export async function fileRelation(c: DuckDBConnection, storage: StorageHandler, ref: FileRef): Promise<string> {
  const options = new Options(ref);
  const found = await listFiles(storage, ref, options);
  return relationOf(c, ref, options, found.files, found.partitions);
}

/** The DuckDB relation reading exactly `files` (local paths, chosen by the caller: COPY INTO) as `ref`'s format and options say. */
export function filesRelation(c: DuckDBConnection, ref: FileRef, files: readonly string[]): Promise<string> {
  return relationOf(c, ref, new Options(ref), files, []);
}

async function relationOf(c: DuckDBConnection, ref: FileRef, options: Options, found: readonly string[], partitionColumns: readonly string[]): Promise<string> {
  const format = formatOf(ref, found);
  const files = `[${found.map(sqlString).join(', ')}]`;
  const partitioned = partitionColumns.length > 0;
  let sql: string;
  switch (format) {
    case 'parquet':
      options.done(format, ['mergeschema', 'datetimerebasemode', 'int96rebasemode']);
      sql = `SELECT * FROM read_parquet(${files}, union_by_name = true, hive_partitioning = ${partitioned})`;
      break;
    case 'csv':
      sql = await csvRelation(c, ref, options, files, partitionColumns);
      break;
    case 'json':
      sql = await jsonRelation(c, ref, options, files, partitionColumns);
      break;
    case 'text':
      sql = textRelation(options, files);
      break;
    case 'binaryfile':
      options.done(format, []);
      sql = `SELECT 'file:' || filename AS path, CAST(last_modified AS TIMESTAMPTZ) AS modificationTime, size AS length, content FROM read_blob(${files})`;
      break;
  }
  return `(${sql})`;
}

/** The format a reference reads: its prefix, read_files' `format`, or the files' extension. */
function formatOf(ref: FileRef, files: readonly string[]): Format {
  const given = ref.format;
  if (given !== undefined) {
    if (given === 'json' || given === 'csv' || given === 'parquet' || given === 'text' || given === 'binaryfile') return given;
    throw unsupported(`reading ${given} files (${ref.text}: Loch reads json, csv, parquet, text and binaryFile)`);
  }
  const kinds = new Set(files.map((f) => EXTENSIONS[/\.([^./]+)$/.exec(f)?.[1]?.toLowerCase() ?? '']));
  const [kind] = kinds;
  if (kinds.size !== 1 || kind === undefined) throw sqlError(`${ref.text}: cannot tell the files' format from their names; say which with format => 'json' (or csv, parquet, text, binaryFile)`);
  return kind;
}

/**
 * The options of a reference, keys compared case-insensitively as Spark compares them; each is
 * taken by the reader that honours it, and `done` refuses whatever is left.
 */
class Options {
  private readonly left = new Map<string, { key: string; value: string }>();

  constructor(readonly ref: FileRef) {
    for (const [key, value] of Object.entries(ref.options ?? {})) this.left.set(key.toLowerCase(), { key, value });
  }

  take(...names: string[]): string | undefined {
    for (const n of names) {
      const hit = this.left.get(n);
      if (hit) {
        this.left.delete(n);
        return hit.value;
      }
    }
    return undefined;
  }

  peek(name: string): string | undefined {
    return this.left.get(name)?.value;
  }

  flag(name: string, fallback: boolean): boolean {
    const v = this.take(name);
    if (v === undefined) return fallback;
    if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    throw sqlError(`${this.ref.text}: option ${name} must be true or false, not '${v}'`);
  }

  /** One character (`sep => ';'`, `quote => '"'`); `\t` written out is a tab, as Spark reads it. */
  char(value: string, name: string): string {
    const v = value === '\\t' ? '\t' : value;
    if (v.length !== 1 && !(name === 'sep' && v.length > 0 && v.length <= 4)) throw sqlError(`${this.ref.text}: option ${name} must be one character, not '${value}'`);
    return v;
  }

  /** Refuses the options no reader took, naming them and what the format takes. */
  done(format: string, accepted: readonly string[]): void {
    for (const n of accepted) this.left.delete(n);
    for (const n of DISCOVERY) this.left.delete(n);
    if (this.left.size === 0) return;
    const names = [...this.left.values()].map((o) => o.key).join(', ');
    throw new SqlError('LOCH_SQL_ERROR', `${this.ref.text}: Loch cannot honour the ${format} option${this.left.size === 1 ? '' : 's'} ${names}`);
  }
}

/** Spark's CSV reader: no header, every column a string named _c0, _c1, ... unless told otherwise. */
async function csvRelation(c: DuckDBConnection, ref: FileRef, o: Options, files: string, partitions: readonly string[]): Promise<string> {
  const readFiles = ref.options !== undefined;
  const header = o.flag('header', false);
  const schema = o.take('schema');
  // read_files infers column types; Spark's csv reader does with inferSchema.
  const infer = o.flag('inferschema', false) || (readFiles && o.flag('infercolumntypes', true));
  const params = [`header = ${header}`, `hive_partitioning = ${partitions.length > 0}`, 'union_by_name = true'];
  const sepValue = o.take('sep', 'delimiter');
  params.push(`delim = ${sqlString(sepValue !== undefined ? o.char(sepValue, 'sep') : ',')}`);
  const quote = o.take('quote');
  if (quote !== undefined) params.push(`quote = ${sqlString(quote === '' ? '' : o.char(quote, 'quote'))}`);
  const escape = o.take('escape');
  if (escape !== undefined) params.push(`escape = ${sqlString(o.char(escape, 'escape'))}`);
  const nullValue = o.take('nullvalue');
  if (nullValue !== undefined) params.push(`nullstr = ${sqlString(nullValue)}`);
  const comment = o.take('comment');
  if (comment !== undefined) params.push(`comment = ${sqlString(o.char(comment, 'comment'))}`);
  const encoding = o.take('encoding', 'charset');
  if (encoding !== undefined) params.push(`encoding = ${sqlString(duckEncoding(ref, encoding))}`);
  dateOptions(o, params);
  const mode = (o.take('mode') ?? 'PERMISSIVE').toUpperCase();
  if (mode === 'DROPMALFORMED') params.push('ignore_errors = true');
  else if (mode === 'PERMISSIVE') params.push('null_padding = true');
  else if (mode !== 'FAILFAST') throw sqlError(`${ref.text}: mode must be PERMISSIVE, DROPMALFORMED or FAILFAST, not '${mode}'`);
  o.done('csv', ['multiline', 'samplingratio', 'enforceschema', 'maxcolumns', 'maxcharspercolumn', 'ignoreleadingwhitespace', 'ignoretrailingwhitespace']);
  if (schema !== undefined) {
    const fields = parseSchemaOption(ref, schema);
    params.push(`columns = {${fields.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`).join(', ')}}`);
    return `SELECT * FROM read_csv(${files}, ${params.join(', ')})`;
  }
  if (!infer) params.push('all_varchar = true');
  const reader = `read_csv(${files}, ${params.join(', ')})`;
  if (header) return `SELECT *${rescued(readFiles && ref.rescuedColumn !== false)} FROM ${reader}`;
  // Without a header Spark names the columns _c0, _c1, ...; partition columns keep their names.
  const { names } = await bind(c, ref, reader);
  const select = names.map((n, i) => (partitions.includes(n) ? sqlIdent(n) : `${sqlIdent(n)} AS ${sqlIdent(`_c${i}`)}`));
  return `SELECT ${select.join(', ')}${rescued(readFiles && ref.rescuedColumn !== false)} FROM ${reader}`;
}

/**
 * Spark's JSON reader: one object per line (or whole files with multiLine), every field found in
 * any record, in name order at every level as Spark orders them; strings stay strings (Spark
 * infers no dates or timestamps), numbers are bigint or double.
 */
async function jsonRelation(c: DuckDBConnection, ref: FileRef, o: Options, files: string, partitions: readonly string[]): Promise<string> {
  const readFiles = ref.options !== undefined;
  const multiLine = o.flag('multiline', false);
  const schema = o.take('schema');
  const params = [`format = ${sqlString(multiLine ? 'auto' : 'newline_delimited')}`, `hive_partitioning = ${partitions.length > 0}`, 'union_by_name = true'];
  const encoding = o.take('encoding', 'charset');
  if (encoding !== undefined && duckEncoding(ref, encoding) !== 'utf-8') throw unsupported(`JSON in ${encoding} (${ref.text}: Loch reads UTF-8 JSON)`);
  const dated = o.peek('dateformat') !== undefined || o.peek('timestampformat') !== undefined;
  dateOptions(o, params);
  const mode = (o.take('mode') ?? 'PERMISSIVE').toUpperCase();
  if (mode === 'DROPMALFORMED' || mode === 'PERMISSIVE') params.push('ignore_errors = true');
  else if (mode !== 'FAILFAST') throw sqlError(`${ref.text}: mode must be PERMISSIVE, DROPMALFORMED or FAILFAST, not '${mode}'`);
  o.done('json', ['samplingratio', 'infercolumntypes', 'prefersdecimal', 'dropfieldifallnull']);
  let fields: readonly StructField[];
  if (schema !== undefined) fields = parseSchemaOption(ref, schema);
  else {
    const found = await bind(c, ref, `read_json(${files}, ${params.join(', ')})`);
    fields = found.names
      .map((name, i) => ({ name, type: sparkJsonType(deltaTypeOf(found.types[i], name), dated), nullable: true, metadata: {} }))
      .filter((f) => !partitions.includes(f.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  if (fields.length === 0) throw sqlError(`${ref.text}: the files hold no JSON objects to take columns from`);
  params.push(`columns = {${fields.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`).join(', ')}}`);
  const names = [...fields.map((f) => f.name), ...partitions].map(sqlIdent).join(', ');
  return `SELECT ${names}${rescued(readFiles && schema === undefined && ref.rescuedColumn !== false)} FROM read_json(${files}, ${params.join(', ')})`;
}

/** Spark's `text` reader: one row per line (`\n`, `\r\n` or `\r`), in a column `value`; wholetext: one row per file. */
function textRelation(o: Options, files: string): string {
  const whole = o.flag('wholetext', false);
  const lineSep = o.take('linesep');
  o.done('text', []);
  if (whole) return `SELECT content AS value FROM read_text(${files})`;
  const split = lineSep !== undefined ? `string_split(content, ${sqlString(lineSep)})` : `regexp_split_to_array(content, '\\r\\n|\\r|\\n')`;
  // A line break ends a line: the empty piece after the last one is no line.
  return `SELECT unnest(CASE WHEN l[-1] = '' THEN l[:-2] ELSE l END) AS value FROM (SELECT ${split} AS l FROM read_text(${files}))`;
}

/** `dateFormat`, `timestampFormat` (Spark patterns) as DuckDB's strptime formats. */
function dateOptions(o: Options, params: string[]): void {
  const date = o.take('dateformat');
  if (date !== undefined) params.push(`dateformat = ${sqlString(parsePattern(date, 'dateFormat').format)}`);
  const ts = o.take('timestampformat', 'timestampntzformat');
  if (ts !== undefined) params.push(`timestampformat = ${sqlString(parsePattern(ts, 'timestampFormat').format)}`);
}

/** read_files' `_rescued_data` column: Databricks rescues values that do not fit; DuckDB's readers fail on them instead, so it is empty. */
const rescued = (on: boolean) => (on ? ', CAST(NULL AS VARCHAR) AS _rescued_data' : '');

function duckEncoding(ref: FileRef, encoding: string): string {
  const e = encoding.toLowerCase().replace(/^utf8$/, 'utf-8');
  if (e === 'utf-8' || e === 'utf-16' || e === 'latin-1' || e === 'iso-8859-1') return e === 'iso-8859-1' ? 'latin-1' : e;
  throw unsupported(`files in ${encoding} (${ref.text}: Loch reads UTF-8, UTF-16 and ISO-8859-1)`);
}

/** A JSON type as Spark infers it: struct fields in name order, no dates or timestamps unless patterns are given. */
function sparkJsonType(t: DataType, dated: boolean): DataType {
  switch (t.kind) {
    case 'primitive':
      return !dated && (t.name === 'date' || t.name === 'timestamp' || t.name === 'timestamp_ntz') ? { kind: 'primitive', name: 'string' } : t;
    case 'struct':
      return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, type: sparkJsonType(f.type, dated) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
    case 'array':
      return { ...t, elementType: sparkJsonType(t.elementType, dated) };
    case 'map':
      return { ...t, valueType: sparkJsonType(t.valueType, dated) };
    default:
      return t;
  }
}

/** read_files' `schema => 'a INT, b STRING'`: Spark's DDL column list. */
function parseSchemaOption(ref: FileRef, text: string): StructField[] {
  const c = new Cursor(text);
  const fields: StructField[] = [];
  try {
    do fields.push(parseFieldRest(c, c.ident('a column name')));
    while (c.punct(','));
    c.expectEnd();
  } catch (e) {
    throw sqlError(`${ref.text}: schema '${text}' is not a column list like 'id INT, name STRING' (${(e as Error).message})`, e);
  }
  return fields;
}

async function bind(c: DuckDBConnection, ref: FileRef, reader: string): Promise<{ names: string[]; types: DuckDBType[] }> {
  try {
    const r = await c.run(`SELECT * FROM ${reader} LIMIT 0`);
    return { names: r.columnNames(), types: r.columnTypes() };
  } catch (e) {
    throw sqlError(`${ref.text}: ${(e as Error).message.split('\n')[0]}`, e);
  }
}

interface Found {
  readonly files: string[];
  /** The partition columns of files laid out in `k=v` directories (none with recursiveFileLookup). */
  readonly partitions: readonly string[];
}

/**
 * The files a path names, as Spark lists them: a file; a directory's files at any depth, less
 * those under a name starting with `_` or `.` (`_SUCCESS`, `_delta_log`, `.crc` files); or what
 * a glob matches. `pathGlobFilter`, `modifiedBefore` and `modifiedAfter` narrow the list. Files
 * are found through the engine's storage; DuckDB reads them at their local paths.
 */
async function listFiles(storage: StorageHandler, ref: FileRef, o: Options): Promise<Found> {
  const url = fileUrl(ref);
  const recursive = o.flag('recursivefilelookup', false);
  const globFilter = o.peek('pathglobfilter');
  const before = timeOption(ref, o.peek('modifiedbefore'), 'modifiedBefore');
  const after = timeOption(ref, o.peek('modifiedafter'), 'modifiedAfter');
  const glob = url.search(/[*?[{]/);
  // The directory listed: the path's, or the one above its first glob character.
  const root = glob >= 0 ? url.slice(0, url.lastIndexOf('/', glob) + 1) : url.endsWith('/') ? url : `${url}/`;
  let files: FileMeta[];
  if (glob >= 0) {
    const pattern = globRegExp(decodeURIComponent(url.slice(root.length)));
    files = (await storage.listRecursive(root)).filter((f) => pattern.test(relativeKey(root, f.path)));
  } else {
    const file = await storage.head(url.replace(/\/$/, ''));
    files = file ? [file] : (await storage.listRecursive(root)).filter((f) => !relativeKey(root, f.path).split('/').some((p) => p.startsWith('_') || p.startsWith('.')));
    if (files.length === 0 && !file && (await storage.list(root)).length === 0) throw new SqlError('LOCH_PATH_NOT_FOUND', `${ref.text}: path does not exist: ${ref.path}`);
  }
  const nameFilter = globFilter !== undefined ? globRegExp(globFilter) : undefined;
  files = files.filter((f) => (!nameFilter || nameFilter.test(f.path.slice(f.path.lastIndexOf('/') + 1))) && (before === undefined || f.modificationTime < before) && (after === undefined || f.modificationTime > after));
  if (files.length === 0) throw new SqlError('LOCH_PATH_NOT_FOUND', `${ref.text}: no files to read at ${ref.path}${globFilter !== undefined || before !== undefined || after !== undefined ? ' (after the path filters)' : ''}`);
  const partitions = new Set<string>();
  if (!recursive) {
    for (const f of files) for (const d of relativeKey(root, f.path).split('/').slice(0, -1)) if (d.includes('=')) partitions.add(d.slice(0, d.indexOf('=')));
  }
  const local = files.map((f) => storage.localPath?.(f.path));
  if (local.some((p) => p === undefined)) throw unsupported(`reading ${ref.path} (${ref.text}: DuckDB reads files that have a local path)`);
  return { files: (local as string[]).sort(), partitions: [...partitions] };
}

/** The URL of a reference's path: a local path, or a `file:` URI; other stores are not reachable from here. */
export function fileUrl(ref: FileRef): string {
  const p = ref.path;
  if (p.trim() === '') throw sqlError(`${ref.text}: the path is empty`);
  if (p.startsWith('file:')) return localUrl(p.startsWith('file://') ? fileURLToPath(p) : p.slice('file:'.length));
  if (/^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(p)) throw unsupported(`reading ${p} (${ref.text}: Loch reads files on the local filesystem)`);
  // Glob characters stay as written: they are not part of a file name to escape.
  const abs = resolve(p);
  const glob = abs.search(/[*?[{]/);
  return glob < 0 ? localUrl(abs) : localUrl(abs.slice(0, glob)) + abs.slice(glob);
}

/** A file's key under `root`, decoded (`day=2024-01-01/part-0.json`). */
function relativeKey(root: string, url: string): string {
  return decodeURIComponent(url.slice(root.length));
}

/** A glob (`*`, `?`, `[a-z]`, `[^a]`, `{ab,cd}`) as a whole-string RegExp; `*` stays within a path segment. */
export function globRegExp(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') out += '[^/\\\\]*';
    else if (ch === '?') out += '[^/\\\\]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, close).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) out += '|';
    else out += ch.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function timeOption(ref: FileRef, value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw sqlError(`${ref.text}: ${name} must be a timestamp like '2024-01-31T12:00:00', not '${value}'`);
  return ms;
}
