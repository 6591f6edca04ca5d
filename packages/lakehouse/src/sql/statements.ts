import type { StructField } from '@loch/delta';
import { Cursor } from './cursor.js';
import { sqlError, unsupported } from './errors.js';
import { isIdent, isPunct, isWord } from './lexer.js';
import { parseNameList, parseProperties, parseTableName, type TableName } from './parse-common.js';
import { parseFieldRest } from './spark-types.js';
import {
  parseAlterTable,
  parseDelete,
  parseMerge,
  parseOptimize,
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

export { parseTableName, type TableName } from './parse-common.js';
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
  /** Column definitions; absent for CTAS and for registering an existing table at LOCATION. */
  readonly columns?: readonly StructField[];
  readonly partitionBy: readonly string[];
  readonly location?: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly comment?: string;
  /** CTAS: the query (DuckDB SQL, may name Delta tables). */
  readonly query?: string;
}

export interface InsertStatement {
  readonly kind: 'insert';
  readonly table: TableName;
  readonly overwrite: boolean;
  /** Target columns, in the order the source provides them; absent: all, by position (or by name with BY NAME). */
  readonly columns?: readonly string[];
  readonly byName: boolean;
  readonly replaceWhere?: string;
  /** VALUES ... / SELECT ... / WITH ... (DuckDB SQL). */
  readonly source: string;
}

/** One parsed statement: Delta/Spark statements Loch runs itself, `query` for DuckDB. */
export type Statement =
  | CreateStatement
  | InsertStatement
  | MergeStatement
  | UpdateStatement
  | DeleteStatement
  | OptimizeStatement
  | VacuumStatement
  | RestoreStatement
  | AlterTableStatement
  | { readonly kind: 'describeHistory'; readonly table: TableName; readonly limit?: number }
  | { readonly kind: 'describeDetail'; readonly table: TableName }
  | { readonly kind: 'showTables' }
  | { readonly kind: 'set'; readonly key?: string; readonly value?: string }
  | { readonly kind: 'reset'; readonly key?: string }
  | { readonly kind: 'dropTable'; readonly table: TableName }
  | { readonly kind: 'query' };

/** Delta statements Loch does not run yet, by their leading keywords; never handed to DuckDB. */
const NOT_YET: readonly (readonly [readonly string[], string])[] = [
  [['TRUNCATE'], 'TRUNCATE TABLE'],
  [['REPLACE', 'TABLE'], 'REPLACE TABLE'],
  [['CREATE', 'OR', 'REPLACE', 'TABLE'], 'CREATE OR REPLACE TABLE'],
  [['CONVERT', 'TO', 'DELTA'], 'CONVERT TO DELTA'],
  [['FSCK'], 'FSCK REPAIR TABLE'],
  [['REORG'], 'REORG TABLE'],
  [['GENERATE'], 'GENERATE'],
  [['SHOW', 'TBLPROPERTIES'], 'SHOW TBLPROPERTIES'],
  [['SHOW', 'PARTITIONS'], 'SHOW PARTITIONS'],
  [['SHOW', 'CREATE', 'TABLE'], 'SHOW CREATE TABLE'],
];

export function parseStatement(text: string): Statement {
  const c = new Cursor(text);
  for (const [kws, name] of NOT_YET) if (c.isWords(...kws)) throw unsupported(name);
  if (c.isWords('CREATE', 'TABLE') || c.isWords('CREATE', 'EXTERNAL', 'TABLE')) return parseCreate(c);
  if (c.isWords('MERGE')) return parseMerge(c);
  // DuckDB's UPDATE EXTENSIONS is DuckDB's.
  if (c.isWords('UPDATE') && !c.isWords('UPDATE', 'EXTENSIONS')) return parseUpdate(c);
  if (c.isWords('DELETE')) return parseDelete(c);
  if (c.isWords('OPTIMIZE')) return parseOptimize(c);
  if (c.isWords('VACUUM')) return parseVacuum(c);
  if (c.isWords('RESTORE')) return parseRestore(c);
  if (c.isWords('ALTER', 'TABLE')) return parseAlterTable(c);
  if (c.isWords('INSERT', 'INTO') || c.isWords('INSERT', 'OVERWRITE')) return parseInsert(c);
  if (c.isWords('DESCRIBE', 'HISTORY') || c.isWords('DESC', 'HISTORY')) {
    c.pos += 2;
    const table = parseTableName(c);
    const limit = c.words('LIMIT') ? c.integer('the LIMIT') : undefined;
    c.expectEnd();
    return { kind: 'describeHistory', table, ...(limit !== undefined ? { limit } : {}) };
  }
  if (c.isWords('DESCRIBE', 'DETAIL') || c.isWords('DESC', 'DETAIL')) {
    c.pos += 2;
    const table = parseTableName(c);
    c.expectEnd();
    return { kind: 'describeDetail', table };
  }
  if (c.words('SHOW', 'TABLES')) {
    c.expectEnd();
    return { kind: 'showTables' };
  }
  if (c.isWords('SET') && !isDuckDbScoped(c.peek(1))) return parseSet(c);
  if (c.isWords('RESET') && !isDuckDbScoped(c.peek(1))) {
    c.pos++;
    if (c.atEnd()) return { kind: 'reset' };
    return { kind: 'reset', key: keyText(c, c.tokens.length) };
  }
  if (c.words('DROP', 'TABLE')) {
    c.words('IF', 'EXISTS');
    const table = parseTableName(c);
    return { kind: 'dropTable', table };
  }
  return { kind: 'query' };
}

/** `SET VARIABLE x = 1`, `SET GLOBAL threads = 4`: DuckDB's own settings, not session conf. */
function isDuckDbScoped(t: ReturnType<Cursor['peek']>): boolean {
  return isWord(t, 'VARIABLE', 'GLOBAL', 'SESSION', 'LOCAL');
}

function parseCreate(c: Cursor): CreateStatement {
  c.expectWords('CREATE');
  c.words('EXTERNAL');
  c.expectWords('TABLE');
  const ifNotExists = c.words('IF', 'NOT', 'EXISTS');
  const table = parseTableName(c);
  if (c.isWords('LIKE') || c.isWords('CLONE') || c.isWords('SHALLOW', 'CLONE') || c.isWords('DEEP', 'CLONE')) throw unsupported('CREATE TABLE ... CLONE / LIKE');
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
  while (!c.atEnd()) {
    if (c.words('USING')) {
      const format = c.ident('a table format');
      if (format.toLowerCase() !== 'delta') throw unsupported(`CREATE TABLE ... USING ${format} (Loch makes Delta tables)`);
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
    } else if (c.isWords('OPTIONS')) {
      throw unsupported('CREATE TABLE ... OPTIONS');
    } else {
      c.fail('expected USING, PARTITIONED BY, LOCATION, TBLPROPERTIES, COMMENT or AS');
    }
  }
  if (query !== undefined && columns) throw sqlError('CREATE TABLE ... AS SELECT takes its columns from the query; leave out the column list');
  if (query !== undefined && query.trim() === '') throw sqlError('CREATE TABLE ... AS needs a query');
  return {
    kind: 'create',
    table,
    ifNotExists,
    ...(columns ? { columns } : {}),
    partitionBy,
    ...(location !== undefined ? { location } : {}),
    properties,
    ...(comment !== undefined ? { comment } : {}),
    ...(query !== undefined ? { query } : {}),
  };
}

const SOURCE_START = ['SELECT', 'VALUES', 'WITH', 'FROM', 'TABLE'];

function parseInsert(c: Cursor): InsertStatement {
  c.expectWords('INSERT');
  const overwrite = c.words('OVERWRITE');
  if (!overwrite) c.expectWords('INTO');
  c.words('TABLE');
  const table = parseTableName(c);
  if (c.isWords('PARTITION')) throw unsupported('INSERT ... PARTITION (...)');
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
  return { kind: 'insert', table, overwrite, ...(columns ? { columns } : {}), byName, ...(replaceWhere !== undefined ? { replaceWhere } : {}), source: c.rest() };
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
