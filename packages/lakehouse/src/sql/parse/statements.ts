import type { StructField } from '@loch/delta';
import { Cursor } from './cursor.js';
import { sqlError, unsupported } from '../errors.js';
import { isIdent, isPunct, isWord } from './lexer.js';
import { parseColumnPath, parseNameList, parseProperties, parseTableName, type TableName } from './parse-common.js';
import { parseFieldRest } from './spark-types.js';
import type { SqlStatementExtension } from '../run/statement-extensions.js';
import { parseCatalogStatement, type CatalogStatement } from './statements-catalog.js';
import { parseAnalyze, type AnalyzeStatement } from './statements-analyze.js';
import { parseCopyInto, type CopyIntoStatement } from './statements-copy.js';
import { atInsertDirectory, parseInsertDirectory, type InsertDirectoryStatement } from './insert-directory.js';
import {
  parseAlterTable,
  parseDelete,
  parseMerge,
  parseOptimize,
  parseReorg,
  parseRestore,
  parseUpdate,
  parseVacuum,
  type AlterTableStatement,
  type DeleteStatement,
  type MergeStatement,
  type OptimizeStatement,
  type RestoreStatement,
  type UpdateStatement,
  type VacuumStatement,
} from './statements-dml.js';

export { parseTableName, tableText, type TableName } from './parse-common.js';
export type { CatalogStatement, SchemaName } from './statements-catalog.js';
export type { AnalyzeStatement } from './statements-analyze.js';
export type { CopyIntoStatement } from './statements-copy.js';
export type {
  AlterTableStatement,
  Assignment,
  DeleteStatement,
  MergeClause,
  MergeSource,
  MergeStatement,
  OptimizeStatement,
  RestoreStatement,
  UpdateStatement,
  VacuumStatement,
} from './statements-dml.js';

export interface CreateStatement {
  readonly kind: 'create';
  readonly table: TableName;
  readonly ifNotExists: boolean;
  /** CREATE OR REPLACE TABLE ('orCreate'), REPLACE TABLE ('only': the table must exist). */
  readonly replace?: 'orCreate' | 'only';
  /** Column definitions; absent for CTAS and for registering an existing table at LOCATION. */
  readonly columns?: readonly StructField[];
  readonly partitionBy: readonly string[];
  readonly location?: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly comment?: string;
  /** CTAS: the query (DuckDB SQL, may name Delta tables). */
  readonly query?: string;
  /** CREATE TABLE t LIKE source: its columns, partitioning and properties, no rows. */
  readonly like?: TableName;
  /** CREATE TABLE t [SHALLOW | DEEP] CLONE source [VERSION AS OF n | TIMESTAMP AS OF 'ts']. */
  readonly clone?: { readonly source: TableName; readonly deep: boolean; readonly version?: number; readonly timestamp?: string };
  /** USING parquet | csv | json: a data source table (files, no Delta log), with its OPTIONS. */
  readonly source?: { readonly format: SourceFormat; readonly options: Readonly<Record<string, string>> };
}

export const SOURCE_FORMATS = ['parquet', 'csv', 'json'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** The format USING names, when it makes a data source table; undefined for delta. */
function sourceFormat(name: string): SourceFormat | undefined {
  const f = name.toLowerCase();
  if (f === 'delta') return undefined;
  const found = SOURCE_FORMATS.find((x) => x === f);
  if (!found) throw unsupported(`CREATE TABLE ... USING ${name} (Loch makes Delta tables, and parquet, csv or json data source tables)`);
  return found;
}

export interface InsertStatement {
  readonly kind: 'insert';
  readonly table: TableName;
  readonly overwrite: boolean;
  /** Target columns, in the order the source provides them; absent: all, by position (or by name with BY NAME). */
  readonly columns?: readonly string[];
  readonly byName: boolean;
  readonly replaceWhere?: string;
  /**
   * `PARTITION (p = 'v', q)`: static partition columns with their value (SQL literal text), and
   * dynamic ones (no value) that the query gives after its other columns.
   */
  readonly partition?: readonly { readonly column: string; readonly value?: string }[];
  /** VALUES ... / SELECT ... / WITH ... (DuckDB SQL). */
  readonly source: string;
}

/** One parsed statement: Delta/Spark statements Loch runs itself, `query` for DuckDB. */
export type Statement =
  | CreateStatement
  | InsertStatement
  | InsertDirectoryStatement
  | MergeStatement
  | UpdateStatement
  | DeleteStatement
  | OptimizeStatement
  | VacuumStatement
  | RestoreStatement
  | AlterTableStatement
  | CatalogStatement
  | AnalyzeStatement
  | CopyIntoStatement
  | { readonly kind: 'describeHistory'; readonly table: TableName; readonly limit?: number }
  | { readonly kind: 'describeDetail'; readonly table: TableName }
  | { readonly kind: 'set'; readonly key?: string; readonly value?: string }
  | { readonly kind: 'reset'; readonly key?: string }
  | { readonly kind: 'dropTable'; readonly table: TableName; readonly ifExists: boolean }
  | { readonly kind: 'truncate'; readonly table: TableName }
  | { readonly kind: 'renameTable'; readonly table: TableName; readonly to: TableName }
  | { readonly kind: 'fsck'; readonly table: TableName; readonly dryRun: boolean }
  | { readonly kind: 'convert'; readonly table: TableName; readonly partitionBy: readonly StructField[]; readonly noStatistics: boolean }
  | { readonly kind: 'describeTable'; readonly table: TableName; readonly extended: boolean; readonly column?: readonly string[] }
  | { readonly kind: 'showTblProperties'; readonly table: TableName; readonly key?: string }
  | { readonly kind: 'showColumns'; readonly table: TableName }
  | { readonly kind: 'showPartitions'; readonly table: TableName }
  | { readonly kind: 'showCreateTable'; readonly table: TableName }
  /** A statement a package above this one runs (see extendSqlStatements), as the user wrote it. */
  | { readonly kind: 'extension'; readonly extension: SqlStatementExtension; readonly text: string }
  | { readonly kind: 'query' };

/**
 * Delta, Spark and Databricks statements Loch does not run (yet), by their leading keywords: they
 * fail as LOCH_UNSUPPORTED_STATEMENT naming the statement, never as DuckDB's parser error. A
 * statement that gets a parser and a runner leaves this list for PARSERS.
 */
const NOT_YET: readonly (readonly [readonly string[], string])[] = [
  [['GENERATE'], 'GENERATE'],
  [['CREATE', 'STREAMING', 'TABLE'], 'CREATE STREAMING TABLE'],
  [['CREATE', 'OR', 'REFRESH', 'STREAMING', 'TABLE'], 'CREATE OR REFRESH STREAMING TABLE'],
  [['CREATE', 'OR', 'REFRESH', 'MATERIALIZED', 'VIEW'], 'CREATE OR REFRESH MATERIALIZED VIEW'],
  [['CREATE', 'MATERIALIZED', 'VIEW'], 'CREATE MATERIALIZED VIEW'],
  [['CREATE', 'OR', 'REPLACE', 'MATERIALIZED', 'VIEW'], 'CREATE OR REPLACE MATERIALIZED VIEW'],
  [['REFRESH', 'STREAMING', 'TABLE'], 'REFRESH STREAMING TABLE'],
  [['REFRESH', 'MATERIALIZED', 'VIEW'], 'REFRESH MATERIALIZED VIEW'],
  [['REFRESH', 'TABLE'], 'REFRESH TABLE'],
  [['REFRESH', 'FUNCTION'], 'REFRESH FUNCTION'],
  [['REFRESH'], 'REFRESH'],
  [['CACHE'], 'CACHE TABLE'],
  [['UNCACHE'], 'UNCACHE TABLE'],
  [['CLEAR', 'CACHE'], 'CLEAR CACHE'],
  [['MSCK', 'REPAIR'], 'MSCK REPAIR TABLE'],
  [['REPAIR', 'TABLE'], 'REPAIR TABLE'],
  [['SYNC'], 'SYNC'],
  [['UNDROP'], 'UNDROP TABLE'],
  [['LOAD', 'DATA'], 'LOAD DATA'],
  [['ADD', 'JAR'], 'ADD JAR'],
  [['ADD', 'FILE'], 'ADD FILE'],
  [['ADD', 'ARCHIVE'], 'ADD ARCHIVE'],
  [['LIST', 'JAR'], 'LIST JAR'],
  [['LIST', 'FILE'], 'LIST FILE'],
  [['LIST'], 'LIST'],
  [['GRANT'], 'GRANT'],
  [['REVOKE'], 'REVOKE'],
  [['DENY'], 'DENY'],
  [['SHOW', 'GRANTS'], 'SHOW GRANTS'],
  [['SHOW', 'GRANT'], 'SHOW GRANTS'],
  [['SHOW', 'FUNCTIONS'], 'SHOW FUNCTIONS'],
  [['SHOW', 'USER', 'FUNCTIONS'], 'SHOW USER FUNCTIONS'],
  [['SHOW', 'SYSTEM', 'FUNCTIONS'], 'SHOW SYSTEM FUNCTIONS'],
  [['SHOW', 'VIEWS'], 'SHOW VIEWS'],
  [['SHOW', 'VOLUMES'], 'SHOW VOLUMES'],
  [['SHOW', 'TABLE', 'EXTENDED'], 'SHOW TABLE EXTENDED'],
  [['SHOW', 'SHARES'], 'SHOW SHARES'],
  [['SHOW', 'PROVIDERS'], 'SHOW PROVIDERS'],
  [['SHOW', 'RECIPIENTS'], 'SHOW RECIPIENTS'],
  [['SHOW', 'EXTERNAL', 'LOCATIONS'], 'SHOW EXTERNAL LOCATIONS'],
  [['SHOW', 'STORAGE', 'CREDENTIALS'], 'SHOW STORAGE CREDENTIALS'],
  [['SHOW', 'CONNECTIONS'], 'SHOW CONNECTIONS'],
  [['SHOW', 'USERS'], 'SHOW USERS'],
  [['SHOW', 'GROUPS'], 'SHOW GROUPS'],
  [['SHOW', 'CURRENT', 'NAMESPACE'], 'SHOW CURRENT NAMESPACE'],
  [['DESCRIBE', 'FUNCTION'], 'DESCRIBE FUNCTION'],
  [['DESC', 'FUNCTION'], 'DESCRIBE FUNCTION'],
  [['DESCRIBE', 'QUERY'], 'DESCRIBE QUERY'],
  [['DESCRIBE', 'VOLUME'], 'DESCRIBE VOLUME'],
  [['DESCRIBE', 'SHARE'], 'DESCRIBE SHARE'],
  [['CREATE', 'CATALOG'], 'CREATE CATALOG'],
  [['DROP', 'CATALOG'], 'DROP CATALOG'],
  [['ALTER', 'CATALOG'], 'ALTER CATALOG'],
  [['CREATE', 'VOLUME'], 'CREATE VOLUME'],
  [['CREATE', 'EXTERNAL', 'VOLUME'], 'CREATE VOLUME'],
  [['DROP', 'VOLUME'], 'DROP VOLUME'],
  [['CREATE', 'SHARE'], 'CREATE SHARE'],
  [['CREATE', 'RECIPIENT'], 'CREATE RECIPIENT'],
  [['CREATE', 'CONNECTION'], 'CREATE CONNECTION'],
  [['CREATE', 'EXTERNAL', 'LOCATION'], 'CREATE EXTERNAL LOCATION'],
  [['CREATE', 'STORAGE', 'CREDENTIAL'], 'CREATE STORAGE CREDENTIAL'],
  [['CREATE', 'FUNCTION'], 'CREATE FUNCTION'],
  [['CREATE', 'OR', 'REPLACE', 'FUNCTION'], 'CREATE FUNCTION'],
  [['CREATE', 'TEMPORARY', 'FUNCTION'], 'CREATE TEMPORARY FUNCTION'],
  [['CREATE', 'OR', 'REPLACE', 'TEMPORARY', 'FUNCTION'], 'CREATE TEMPORARY FUNCTION'],
  [['DROP', 'FUNCTION'], 'DROP FUNCTION'],
  [['DROP', 'TEMPORARY', 'FUNCTION'], 'DROP TEMPORARY FUNCTION'],
  [['DECLARE'], 'DECLARE VARIABLE'],
  [['APPLY', 'CHANGES'], 'APPLY CHANGES INTO'],
  [['AUTO', 'CDC'], 'AUTO CDC'],
];

type StatementParser = (c: Cursor) => Statement | undefined;

const when =
  (test: (c: Cursor) => boolean, parse: (c: Cursor) => Statement): StatementParser =>
  (c) => (test(c) ? parse(c) : undefined);

/**
 * The statements Loch runs itself, tried in order. Each parser looks at the leading keywords and
 * returns undefined, consuming nothing, when the statement is not its own; a statement no parser
 * takes is a query for DuckDB. A new statement is one entry here and its runner in run/runners.ts.
 */
const PARSERS: readonly StatementParser[] = [
  when((c) => c.isWords('CREATE', 'TABLE') || c.isWords('CREATE', 'EXTERNAL', 'TABLE') || c.isWords('CREATE', 'OR', 'REPLACE', 'TABLE') || c.isWords('REPLACE', 'TABLE'), parseCreate),
  parseCatalogStatement,
  parseAnalyze,
  when((c) => c.isWords('CONVERT', 'TO', 'DELTA'), parseConvert),
  when((c) => c.isWords('FSCK', 'REPAIR', 'TABLE'), parseFsck),
  when((c) => c.isWords('TRUNCATE'), parseTruncate),
  parseShow,
  when((c) => c.isWords('MERGE'), parseMerge),
  // DuckDB's UPDATE EXTENSIONS is DuckDB's.
  when((c) => c.isWords('UPDATE') && !c.isWords('UPDATE', 'EXTENSIONS'), parseUpdate),
  when((c) => c.isWords('DELETE'), parseDelete),
  when((c) => c.isWords('OPTIMIZE'), parseOptimize),
  when((c) => c.isWords('REORG', 'TABLE'), parseReorg),
  when((c) => c.isWords('VACUUM'), parseVacuum),
  when((c) => c.isWords('RESTORE'), parseRestore),
  when((c) => c.isWords('ALTER', 'TABLE'), parseAlter),
  when(atInsertDirectory, parseInsertDirectory),
  when((c) => c.isWords('INSERT', 'INTO') || c.isWords('INSERT', 'OVERWRITE'), parseInsert),
  when((c) => c.isWords('DESCRIBE', 'HISTORY') || c.isWords('DESC', 'HISTORY'), parseDescribeHistory),
  when((c) => c.isWords('DESCRIBE', 'DETAIL') || c.isWords('DESC', 'DETAIL'), parseDescribeDetail),
  when((c) => c.isWords('SET') && !isDuckDbScoped(c.peek(1)), parseSet),
  when((c) => c.isWords('RESET') && !isDuckDbScoped(c.peek(1)), parseReset),
  when((c) => c.isWords('DROP', 'TABLE'), parseDropTable),
  when((c) => c.isWords('COPY', 'INTO'), parseCopyInto),
];

export function parseStatement(text: string): Statement {
  const c = new Cursor(text);
  for (const [kws, name] of NOT_YET) if (c.isWords(...kws)) throw unsupported(name);
  for (const parse of PARSERS) {
    const st = parse(c);
    if (st) return st;
  }
  return { kind: 'query' };
}

function parseFsck(c: Cursor): Statement {
  c.expectWords('FSCK', 'REPAIR', 'TABLE');
  const table = parseTableName(c);
  const dryRun = c.words('DRY', 'RUN');
  c.expectEnd();
  return { kind: 'fsck', table, dryRun };
}

function parseTruncate(c: Cursor): Statement {
  c.expectWords('TRUNCATE');
  c.words('TABLE');
  const table = parseTableName(c);
  if (c.isWords('PARTITION')) throw unsupported('TRUNCATE TABLE ... PARTITION (use DELETE FROM ... WHERE)');
  c.expectEnd();
  return { kind: 'truncate', table };
}

/** ALTER TABLE: RENAME TO is the catalog's, not a Delta commit; the other changes are commits. */
function parseAlter(c: Cursor): Statement {
  const at = c.pos;
  c.pos += 2;
  const table = parseTableName(c);
  if (c.words('RENAME', 'TO')) {
    const to = parseTableName(c);
    c.expectEnd();
    return { kind: 'renameTable', table, to };
  }
  c.pos = at;
  return parseAlterTable(c);
}

function parseDescribeHistory(c: Cursor): Statement {
  c.pos += 2;
  const table = parseTableName(c);
  const limit = c.words('LIMIT') ? c.integer('the LIMIT') : undefined;
  c.expectEnd();
  return { kind: 'describeHistory', table, ...(limit !== undefined ? { limit } : {}) };
}

function parseDescribeDetail(c: Cursor): Statement {
  c.pos += 2;
  const table = parseTableName(c);
  c.expectEnd();
  return { kind: 'describeDetail', table };
}

function parseReset(c: Cursor): Statement {
  c.expectWords('RESET');
  if (c.atEnd()) return { kind: 'reset' };
  return { kind: 'reset', key: keyText(c, c.tokens.length) };
}

function parseDropTable(c: Cursor): Statement {
  c.expectWords('DROP', 'TABLE');
  const ifExists = c.words('IF', 'EXISTS');
  const table = parseTableName(c);
  c.words('PURGE');
  c.expectEnd();
  return { kind: 'dropTable', table, ifExists };
}

/**
 * Spark's DESCRIBE [TABLE] [EXTENDED] t and SHOW TBLPROPERTIES / COLUMNS / PARTITIONS / CREATE
 * TABLE. `DESCRIBE t` of a name that is not a lake table, and DESCRIBE of a query, stay DuckDB's.
 */
function parseShow(c: Cursor): Statement | undefined {
  if (c.isWords('DESCRIBE') || c.isWords('DESC')) {
    const at = c.pos;
    c.pos++;
    const table = c.words('TABLE');
    const extended = c.words('EXTENDED') || c.words('FORMATTED');
    // DESCRIBE SELECT ..., DESCRIBE HISTORY / DETAIL are not table descriptions.
    if (isWord(c.peek(), 'SELECT', 'WITH', 'FROM', 'HISTORY', 'DETAIL') || isPunct(c.peek(), '(') || c.atEnd()) {
      c.pos = at;
      return undefined;
    }
    // `DESCRIBE t` is Spark's too; it is DuckDB's only for a table the lake does not have (see the runner).
    const name = parseTableName(c);
    // DESCRIBE t column: Spark's description of one column (with its statistics when EXTENDED).
    const column = c.atEnd() ? undefined : parseColumnPath(c, 'a column name');
    c.expectEnd();
    return { kind: 'describeTable', table: name, extended, ...(column ? { column } : {}) };
  }
  if (c.words('SHOW', 'TBLPROPERTIES')) {
    const table = parseTableName(c);
    let key: string | undefined;
    if (c.punct('(')) {
      const close = c.tokens.findIndex((t, i) => i >= c.pos && isPunct(t, ')'));
      if (close < 0) c.fail('expected )');
      key = c.peek()?.kind === 'string' ? c.string('a property key') : keyText(c, close);
      c.pos = close;
      c.expectPunct(')');
    }
    c.expectEnd();
    return { kind: 'showTblProperties', table, ...(key !== undefined ? { key } : {}) };
  }
  if (c.words('SHOW', 'COLUMNS')) {
    if (!c.words('IN') && !c.words('FROM')) c.fail('expected IN or FROM');
    const table = parseTableName(c);
    c.expectEnd();
    return { kind: 'showColumns', table };
  }
  if (c.words('SHOW', 'PARTITIONS')) {
    const table = parseTableName(c);
    c.expectEnd();
    return { kind: 'showPartitions', table };
  }
  if (c.words('SHOW', 'CREATE', 'TABLE')) {
    const table = parseTableName(c);
    c.words('AS', 'SERDE');
    c.expectEnd();
    return { kind: 'showCreateTable', table };
  }
  return undefined;
}

/** `SET VARIABLE x = 1`, `SET GLOBAL threads = 4`: DuckDB's own settings, not session conf. */
function isDuckDbScoped(t: ReturnType<Cursor['peek']>): boolean {
  return isWord(t, 'VARIABLE', 'GLOBAL', 'SESSION', 'LOCAL');
}

function parseCreate(c: Cursor): CreateStatement {
  let replace: CreateStatement['replace'];
  if (c.words('REPLACE')) replace = 'only';
  else {
    c.expectWords('CREATE');
    if (c.words('OR', 'REPLACE')) replace = 'orCreate';
    c.words('EXTERNAL');
  }
  c.expectWords('TABLE');
  const ifNotExists = c.words('IF', 'NOT', 'EXISTS');
  if (ifNotExists && replace) throw sqlError('CREATE OR REPLACE TABLE cannot also say IF NOT EXISTS');
  const table = parseTableName(c);
  let like: TableName | undefined;
  let clone: CreateStatement['clone'];
  if (c.words('LIKE')) like = parseTableName(c);
  else if (c.isWords('SHALLOW', 'CLONE') || c.isWords('DEEP', 'CLONE') || c.isWords('CLONE')) {
    // Databricks' default is DEEP.
    const deep = !c.words('SHALLOW');
    c.words('DEEP');
    c.expectWords('CLONE');
    const source = parseTableName(c);
    let version: number | undefined;
    let timestamp: string | undefined;
    if (c.words('VERSION', 'AS', 'OF')) version = c.integer('the VERSION AS OF');
    else if (c.words('TIMESTAMP', 'AS', 'OF')) timestamp = c.string('a quoted timestamp');
    clone = { source, deep, ...(version !== undefined ? { version } : {}), ...(timestamp !== undefined ? { timestamp } : {}) };
  }
  let columns: StructField[] | undefined;
  if (c.punct('(')) {
    columns = [];
    do {
      if (c.isWords('CONSTRAINT') || c.isWords('PRIMARY') || c.isWords('FOREIGN') || c.isWords('CHECK')) throw unsupported('table constraints in CREATE TABLE');
      const name = c.ident('a column name');
      columns.push(parseFieldRest(c, name));
    } while (c.punct(','));
    c.expectPunct(')');
  }
  let partitionBy: string[] = [];
  let location: string | undefined;
  let properties: Record<string, string> = {};
  let comment: string | undefined;
  let query: string | undefined;
  let format: SourceFormat | undefined;
  const options: Record<string, string> = {};
  while (!c.atEnd()) {
    if (c.words('USING')) {
      format = sourceFormat(c.ident('a table format'));
    } else if (c.words('PARTITIONED', 'BY')) {
      partitionBy = parseNameList(c, 'a partition column');
    } else if (c.words('LOCATION')) {
      location = c.string('a location');
    } else if (c.words('TBLPROPERTIES')) {
      properties = parseProperties(c);
    } else if (c.words('COMMENT')) {
      comment = c.string('a comment');
    } else if (c.words('AS')) {
      query = c.rest();
      c.pos = c.tokens.length;
    } else if (c.isWords('CLUSTER', 'BY')) {
      throw unsupported('CLUSTER BY (liquid clustering)');
    } else if (format !== undefined && c.words('OPTIONS')) {
      for (const [k, v] of Object.entries(parseProperties(c))) options[k.toLowerCase()] = v;
    } else if (c.isWords('OPTIONS')) {
      throw unsupported('CREATE TABLE ... OPTIONS');
    } else {
      c.fail('expected USING, PARTITIONED BY, LOCATION, TBLPROPERTIES, COMMENT or AS');
    }
  }
  if (query !== undefined && columns) throw sqlError('CREATE TABLE ... AS SELECT takes its columns from the query; leave out the column list');
  if ((like || clone) && (columns || query !== undefined || partitionBy.length > 0)) throw sqlError(`CREATE TABLE ... ${like ? 'LIKE' : 'CLONE'} takes its columns and partitioning from the source`);
  if (query !== undefined && query.trim() === '') throw sqlError('CREATE TABLE ... AS needs a query');
  return {
    kind: 'create',
    table,
    ifNotExists,
    ...(replace ? { replace } : {}),
    ...(columns ? { columns } : {}),
    partitionBy,
    ...(location !== undefined ? { location } : {}),
    properties,
    ...(comment !== undefined ? { comment } : {}),
    ...(query !== undefined ? { query } : {}),
    ...(like ? { like } : {}),
    ...(clone ? { clone } : {}),
    ...(format !== undefined ? { source: { format, options } } : {}),
  };
}

const SOURCE_START = ['SELECT', 'VALUES', 'WITH', 'FROM', 'TABLE'];

function parseInsert(c: Cursor): InsertStatement {
  c.expectWords('INSERT');
  const overwrite = c.words('OVERWRITE');
  if (!overwrite) c.expectWords('INTO');
  c.words('TABLE');
  const table = parseTableName(c);
  let partition: { column: string; value?: string }[] | undefined;
  if (c.words('PARTITION')) {
    c.expectPunct('(');
    partition = [];
    do {
      const column = c.ident('a partition column');
      if (c.punct('=')) {
        const from = c.peek();
        while (!c.atEnd() && !isPunct(c.peek(), ',') && !isPunct(c.peek(), ')')) c.pos++;
        if (!from || c.peek() === from) c.fail(`expected a value for partition column ${column}`);
        partition.push({ column, value: c.text.slice(from.start, c.tokens[c.pos - 1].end) });
      } else partition.push({ column });
    } while (c.punct(','));
    c.expectPunct(')');
    c.words('IF', 'NOT', 'EXISTS');
  }
  let columns: string[] | undefined;
  if (isPunct(c.peek(), '(') && !isWord(c.peek(1), ...SOURCE_START)) columns = parseNameList(c, 'a column name');
  const byName = c.words('BY', 'NAME');
  if (byName && columns) throw sqlError('INSERT ... BY NAME takes its columns from the query; leave out the column list');
  let replaceWhere: string | undefined;
  if (c.words('REPLACE', 'WHERE')) {
    if (overwrite) throw sqlError('REPLACE WHERE goes with INSERT INTO, not INSERT OVERWRITE');
    const from = c.peek();
    let depth = 0;
    while (!c.atEnd()) {
      const t = c.peek()!;
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) depth--;
      else if (depth === 0 && isWord(t, ...SOURCE_START)) break;
      c.pos++;
    }
    if (!from || c.atEnd() || c.peek() === from) c.fail('expected a predicate and then a query after REPLACE WHERE');
    replaceWhere = c.text.slice(from.start, c.tokens[c.pos - 1].end);
  }
  if (c.isWords('DEFAULT', 'VALUES')) throw unsupported('INSERT ... DEFAULT VALUES');
  const first = c.peek();
  if (!isWord(first, ...SOURCE_START) && !isPunct(first, '(')) c.fail('expected VALUES or a query');
  if (partition && (byName || replaceWhere !== undefined)) throw sqlError('INSERT ... PARTITION (...) cannot be combined with BY NAME or REPLACE WHERE');
  return {
    kind: 'insert',
    table,
    overwrite,
    ...(columns ? { columns } : {}),
    byName,
    ...(replaceWhere !== undefined ? { replaceWhere } : {}),
    ...(partition ? { partition } : {}),
    source: c.rest(),
  };
}

/** CONVERT TO DELTA parquet.`/path` | name [NO STATISTICS] [PARTITIONED BY (col type, ...)]. */
function parseConvert(c: Cursor): Statement {
  c.expectWords('CONVERT', 'TO', 'DELTA');
  let table: TableName;
  if (isWord(c.peek(), 'parquet') && isPunct(c.peek(1), '.') && c.peek(2)?.kind === 'quoted') {
    table = { kind: 'path', path: c.peek(2)!.value };
    c.pos += 3;
  } else if (isWord(c.peek(), 'iceberg') && isPunct(c.peek(1), '.')) {
    throw unsupported('CONVERT TO DELTA of an Iceberg table');
  } else table = parseTableName(c);
  let noStatistics = false;
  let partitionBy: StructField[] = [];
  while (!c.atEnd()) {
    if (c.words('NO', 'STATISTICS')) noStatistics = true;
    else if (c.words('PARTITIONED', 'BY')) {
      c.expectPunct('(');
      do {
        const name = c.ident('a partition column');
        partitionBy.push(parseFieldRest(c, name));
      } while (c.punct(','));
      c.expectPunct(')');
    } else c.fail('expected NO STATISTICS or PARTITIONED BY (column type, ...)');
  }
  return { kind: 'convert', table, partitionBy, noStatistics };
}

/** `SET`, `SET k`, `SET k = v`: keys are dotted names (maybe quoted), values the text after `=`. */
function parseSet(c: Cursor): Statement {
  c.expectWords('SET');
  if (c.atEnd() || (isPunct(c.peek(), '-') && isWord(c.peek(1), 'v'))) return { kind: 'set' };
  const eq = c.tokens.findIndex((t, i) => i >= c.pos && isPunct(t, '='));
  if (eq < 0) return { kind: 'set', key: keyText(c, c.tokens.length) };
  const key = keyText(c, eq);
  const valueTokens = c.tokens.slice(eq + 1);
  if (valueTokens.length === 0) throw sqlError(`SET ${key} = needs a value`);
  const value =
    valueTokens.length === 1 && (valueTokens[0].kind === 'string' || valueTokens[0].kind === 'quoted')
      ? valueTokens[0].value
      : c.text.slice(valueTokens[0].start, valueTokens[valueTokens.length - 1].end);
  return { kind: 'set', key, value };
}

/** The key between the cursor and token `end`: one quoted identifier's value, or the text as written. */
function keyText(c: Cursor, end: number): string {
  const ts = c.tokens.slice(c.pos, end);
  if (ts.length === 0) c.fail('expected a key');
  if (ts.length === 1 && isIdent(ts[0])) return ts[0].value;
  return c.text.slice(ts[0].start, ts[ts.length - 1].end);
}
