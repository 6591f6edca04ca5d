import type { AlterChange, NewColumn } from '../../ops/alter/alter-table.js';
import type { Cursor } from './cursor.js';
import { sqlError, unsupported } from '../errors.js';
import { isIdent, isPunct, isWord, type Token } from './lexer.js';
import { expressionText, parseColumnPath, parseNameList, parseProperties, parsePropertyKey, parseTableName, type TableName } from './parse-common.js';
import { parseFieldRest, parseSparkType } from './spark-types.js';

/** `column = expression` of UPDATE SET, MERGE's UPDATE SET, or a column of MERGE's INSERT with its value. */
export interface Assignment {
  /** The column as written: `a`, or qualified, `t.a`. */
  readonly column: readonly string[];
  /** A SQL expression, as written. */
  readonly value: string;
}

export interface MergeClause {
  readonly when: 'matched' | 'notMatched' | 'notMatchedBySource';
  readonly condition?: string;
  readonly action: 'update' | 'updateAll' | 'delete' | 'insert' | 'insertAll';
  /** UPDATE SET's assignments; INSERT's columns with their values. */
  readonly assignments?: readonly Assignment[];
  /** `UPDATE SET * EXCEPT (a, b)` / `INSERT * EXCEPT (a, b)`: the columns left out. */
  readonly except?: readonly string[];
}

/** MERGE's source: a Delta table (maybe at a version), or a query (a subquery, or any relation DuckDB reads). */
export type MergeSource =
  | { readonly kind: 'table'; readonly table: TableName; readonly text: string }
  | { readonly kind: 'query'; readonly text: string };

export interface MergeStatement {
  readonly kind: 'merge';
  readonly target: TableName;
  readonly targetAlias?: string;
  readonly source: MergeSource;
  readonly sourceAlias?: string;
  readonly condition: string;
  readonly clauses: readonly MergeClause[];
  /** `MERGE WITH SCHEMA EVOLUTION INTO`. */
  readonly schemaEvolution: boolean;
}

export interface UpdateStatement {
  readonly kind: 'update';
  readonly table: TableName;
  readonly alias?: string;
  readonly set: readonly Assignment[];
  readonly where?: string;
}

export interface DeleteStatement {
  readonly kind: 'delete';
  readonly table: TableName;
  readonly alias?: string;
  readonly where?: string;
}

export interface OptimizeStatement {
  readonly kind: 'optimize';
  readonly table: TableName;
  readonly where?: string;
  readonly zOrderBy: readonly string[];
  /** REORG TABLE ... APPLY (PURGE): rewrite the files with deletion vectors. */
  readonly purge?: boolean;
}

export interface VacuumStatement {
  readonly kind: 'vacuum';
  readonly table: TableName;
  readonly retainHours?: number;
  readonly dryRun: boolean;
}

export interface RestoreStatement {
  readonly kind: 'restore';
  readonly table: TableName;
  readonly version?: number;
  /** A quoted timestamp. */
  readonly timestamp?: string;
  /** Any other timestamp expression (`current_timestamp() - INTERVAL 1 DAY`), evaluated by DuckDB. */
  readonly timestampExpression?: string;
}

export interface AlterTableStatement {
  readonly kind: 'alterTable';
  readonly table: TableName;
  readonly change: AlterChange;
}

const stopAt =
  (...words: string[]) =>
  (t: Token) =>
    (t.kind === 'word' && words.includes(t.text.toUpperCase())) || (words.includes(',') && isPunct(t, ','));

/** An alias after a table name: `[AS] name`, unless the next word is one of `notAlias`. */
function parseAlias(c: Cursor, ...notAlias: string[]): string | undefined {
  if (c.words('AS')) return c.ident('an alias');
  const t = c.peek();
  if (isIdent(t) && !(t!.kind === 'word' && notAlias.includes(t!.text.toUpperCase()))) return c.ident('an alias');
  return undefined;
}

/** Time travel after a table that cannot take it (the target of a write). */
function refuseTimeTravel(c: Cursor, statement: string): void {
  const k = isWord(c.peek(), 'FOR') ? 1 : 0;
  if (isWord(c.peek(k), 'VERSION', 'SYSTEM_VERSION', 'TIMESTAMP', 'SYSTEM_TIME') && isWord(c.peek(k + 1), 'AS') && isWord(c.peek(k + 2), 'OF')) {
    throw sqlError(`${statement} cannot write to a table VERSION/TIMESTAMP AS OF; time travel reads only`);
  }
}

/**
 * MERGE [WITH SCHEMA EVOLUTION] INTO target [[AS] t] USING source [[AS] s] ON condition
 * WHEN MATCHED [AND c] THEN UPDATE SET ... | UPDATE SET * | DELETE
 * WHEN NOT MATCHED [BY TARGET] [AND c] THEN INSERT (cols) VALUES (...) | INSERT *
 * WHEN NOT MATCHED BY SOURCE [AND c] THEN UPDATE SET ... | DELETE
 */
export function parseMerge(c: Cursor): MergeStatement {
  c.expectWords('MERGE');
  const schemaEvolution = c.words('WITH', 'SCHEMA', 'EVOLUTION');
  c.expectWords('INTO');
  const target = parseTableName(c);
  refuseTimeTravel(c, 'MERGE INTO');
  const targetAlias = parseAlias(c, 'USING');
  c.expectWords('USING');
  const { source, alias: sourceAlias } = parseMergeSource(c);
  c.expectWords('ON');
  const condition = expressionText(c, 'a merge condition after ON', stopAt('WHEN'));
  const clauses: MergeClause[] = [];
  while (c.words('WHEN')) clauses.push(parseMergeClause(c));
  c.expectEnd();
  if (clauses.length === 0) throw sqlError('MERGE needs at least one WHEN MATCHED or WHEN NOT MATCHED clause');
  for (const when of ['matched', 'notMatched', 'notMatchedBySource'] as const) {
    const of = clauses.filter((x) => x.when === when);
    if (of.slice(0, -1).some((x) => x.condition === undefined)) {
      const name = when === 'matched' ? 'MATCHED' : when === 'notMatched' ? 'NOT MATCHED' : 'NOT MATCHED BY SOURCE';
      throw sqlError(`when a MERGE has several WHEN ${name} clauses, only the last one may omit its condition`);
    }
  }
  return {
    kind: 'merge',
    target,
    ...(targetAlias !== undefined ? { targetAlias } : {}),
    source,
    ...(sourceAlias !== undefined ? { sourceAlias } : {}),
    condition,
    clauses,
    schemaEvolution,
  };
}

/** The tokens between USING and the ON at the same depth: a relation, maybe followed by an alias. */
function parseMergeSource(c: Cursor): { source: MergeSource; alias?: string } {
  const from = c.pos;
  let depth = 0;
  let end = from;
  for (; end < c.tokens.length; end++) {
    const t = c.tokens[end];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && isWord(t, 'ON')) break;
  }
  if (end >= c.tokens.length) c.fail('expected ON after the MERGE source');
  let rel = c.tokens.slice(from, end);
  if (rel.length === 0) c.fail('expected a source table or query after USING');
  let alias: string | undefined;
  const last = rel[rel.length - 1];
  const before = rel[rel.length - 2];
  if (rel.length >= 2 && isIdent(last) && isWord(before, 'AS')) {
    alias = last.value;
    rel = rel.slice(0, -2);
  } else if (rel.length >= 2 && isIdent(last) && !isPunct(before, '.') && !isWord(before, 'OF')) {
    alias = last.value;
    rel = rel.slice(0, -1);
  }
  c.pos = end;
  if (rel.length === 0) throw sqlError('expected a source table or query after USING');
  const text = c.text.slice(rel[0].start, rel[rel.length - 1].end);
  // (subquery): the query itself.
  if (isPunct(rel[0], '(') && closingParen(rel, 0) === rel.length - 1) {
    if (rel.length < 3) throw sqlError('MERGE ... USING () needs a query');
    return { source: { kind: 'query', text: c.text.slice(rel[1].start, rel[rel.length - 2].end) }, ...(alias !== undefined ? { alias } : {}) };
  }
  // A table: delta.`/path` or a name, then maybe VERSION/TIMESTAMP AS OF (which the query's table references read).
  let table: TableName | undefined;
  let rest = 0;
  if (isWord(rel[0], 'delta') && isPunct(rel[1], '.') && rel[2]?.kind === 'quoted') {
    table = { kind: 'path', path: rel[2].value };
    rest = 3;
  } else if (isIdent(rel[0]) && !isPunct(rel[1], '.') && !isPunct(rel[1], '(')) {
    table = { kind: 'name', name: rel[0].value };
    rest = 1;
  } else if (isIdent(rel[0]) && isPunct(rel[1], '.') && isIdent(rel[2]) && rel.length === 3) {
    throw sqlError(`qualified table name ${rel[0].text}.${rel[2].text}: name a lake table without a qualifier, or a path as delta.\`/path\``);
  }
  const k = isWord(rel[rest], 'FOR') ? rest + 1 : rest;
  const travels = rel.length > rest && isWord(rel[k], 'VERSION', 'SYSTEM_VERSION', 'TIMESTAMP', 'SYSTEM_TIME') && isWord(rel[k + 1], 'AS') && isWord(rel[k + 2], 'OF') && rel.length === k + 4;
  if (table && (rel.length === rest || travels)) return { source: { kind: 'table', table, text }, ...(alias !== undefined ? { alias } : {}) };
  // Anything else DuckDB can read in FROM (a table function, a DuckDB table, ...).
  return { source: { kind: 'query', text: `SELECT * FROM ${text}` }, ...(alias !== undefined ? { alias } : {}) };
}

function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  return -1;
}

function parseMergeClause(c: Cursor): MergeClause {
  let when: MergeClause['when'];
  if (c.words('MATCHED')) when = 'matched';
  else if (c.words('NOT', 'MATCHED')) {
    if (c.words('BY', 'SOURCE')) when = 'notMatchedBySource';
    else {
      c.words('BY', 'TARGET');
      when = 'notMatched';
    }
  } else c.fail('expected MATCHED or NOT MATCHED after WHEN');
  const condition = c.words('AND') ? expressionText(c, 'a clause condition', stopAt('THEN')) : undefined;
  c.expectWords('THEN');
  const cond = condition !== undefined ? { condition } : {};
  if (when === 'notMatched') {
    c.expectWords('INSERT');
    if (c.punct('*')) {
      const except = c.words('EXCEPT') ? parseNameList(c, 'a column name') : undefined;
      return { when, ...cond, action: 'insertAll', ...(except ? { except } : {}) };
    }
    const columns: string[][] = [];
    c.expectPunct('(');
    do columns.push(parseColumnPath(c, 'a column name'));
    while (c.punct(','));
    c.expectPunct(')');
    c.expectWords('VALUES');
    c.expectPunct('(');
    const values: string[] = [];
    do values.push(expressionText(c, 'a value', stopAt(',')));
    while (c.punct(','));
    c.expectPunct(')');
    if (values.length !== columns.length) throw sqlError(`MERGE ... INSERT names ${columns.length} column${columns.length === 1 ? '' : 's'} but gives ${values.length} value${values.length === 1 ? '' : 's'}`);
    return { when, ...cond, action: 'insert', assignments: columns.map((column, i) => ({ column, value: values[i] })) };
  }
  if (c.words('DELETE')) return { when, ...cond, action: 'delete' };
  if (c.isWords('INSERT')) c.fail(when === 'matched' ? 'WHEN MATCHED can UPDATE or DELETE, not INSERT' : 'WHEN NOT MATCHED BY SOURCE can UPDATE or DELETE, not INSERT');
  c.expectWords('UPDATE');
  c.expectWords('SET');
  if (c.punct('*')) {
    if (when === 'notMatchedBySource') throw sqlError('WHEN NOT MATCHED BY SOURCE cannot UPDATE SET * (there is no source row)');
    const except = c.words('EXCEPT') ? parseNameList(c, 'a column name') : undefined;
    return { when, ...cond, action: 'updateAll', ...(except ? { except } : {}) };
  }
  return { when, ...cond, action: 'update', assignments: parseAssignments(c, 'WHEN') };
}

/** `a = expr, t.b = expr, ...`, each value ending at a top-level comma or one of `stops`. */
function parseAssignments(c: Cursor, ...stops: string[]): Assignment[] {
  const out: Assignment[] = [];
  do {
    const column = parseColumnPath(c, 'a column to set');
    c.expectPunct('=');
    out.push({ column, value: expressionText(c, `a value for ${column.join('.')}`, stopAt(',', ...stops)) });
  } while (c.punct(','));
  return out;
}

/** UPDATE table [[AS] alias] SET a = e, ... [WHERE predicate] */
export function parseUpdate(c: Cursor): UpdateStatement {
  c.expectWords('UPDATE');
  const table = parseTableName(c);
  refuseTimeTravel(c, 'UPDATE');
  const alias = parseAlias(c, 'SET');
  c.expectWords('SET');
  const set = parseAssignments(c, 'WHERE', 'FROM');
  if (c.isWords('FROM')) throw unsupported('UPDATE ... FROM');
  const where = c.words('WHERE') ? expressionText(c, 'a predicate after WHERE') : undefined;
  c.expectEnd();
  return { kind: 'update', table, ...(alias !== undefined ? { alias } : {}), set, ...(where !== undefined ? { where } : {}) };
}

/** DELETE FROM table [[AS] alias] [WHERE predicate] */
export function parseDelete(c: Cursor): DeleteStatement {
  c.expectWords('DELETE', 'FROM');
  const table = parseTableName(c);
  refuseTimeTravel(c, 'DELETE');
  const alias = parseAlias(c, 'WHERE', 'USING', 'RETURNING');
  if (c.isWords('USING')) throw unsupported('DELETE ... USING');
  const where = c.words('WHERE') ? expressionText(c, 'a predicate after WHERE') : undefined;
  c.expectEnd();
  return { kind: 'delete', table, ...(alias !== undefined ? { alias } : {}), ...(where !== undefined ? { where } : {}) };
}

/** OPTIMIZE table [WHERE partition predicate] [ZORDER BY (a, b) | ZORDER BY a, b] */
export function parseOptimize(c: Cursor): OptimizeStatement {
  c.expectWords('OPTIMIZE');
  const table = parseTableName(c);
  const where = c.words('WHERE') ? expressionText(c, 'a partition predicate after WHERE', stopAt('ZORDER')) : undefined;
  const zOrderBy: string[] = [];
  if (c.words('ZORDER', 'BY')) {
    const parens = c.punct('(');
    do zOrderBy.push(parseColumnPath(c, 'a column to ZORDER BY').join('.'));
    while (c.punct(','));
    if (parens) c.expectPunct(')');
  }
  if (c.isWords('FULL')) throw unsupported('OPTIMIZE ... FULL (liquid clustering)');
  c.expectEnd();
  return { kind: 'optimize', table, ...(where !== undefined ? { where } : {}), zOrderBy };
}

/** REORG TABLE t [WHERE partition predicate] APPLY (PURGE) */
export function parseReorg(c: Cursor): OptimizeStatement {
  c.expectWords('REORG', 'TABLE');
  const table = parseTableName(c);
  const where = c.words('WHERE') ? expressionText(c, 'a partition predicate after WHERE', stopAt('APPLY')) : undefined;
  c.expectWords('APPLY');
  c.expectPunct('(');
  if (!c.words('PURGE')) throw unsupported(`REORG TABLE ... APPLY (${c.peek()?.text.toUpperCase() ?? ''} ...)`);
  c.expectPunct(')');
  c.expectEnd();
  return { kind: 'optimize', table, ...(where !== undefined ? { where } : {}), zOrderBy: [], purge: true };
}

/** VACUUM table [RETAIN n HOURS] [DRY RUN] */
export function parseVacuum(c: Cursor): VacuumStatement {
  c.expectWords('VACUUM');
  const table = parseTableName(c);
  if (c.isWords('LITE') || c.isWords('FULL') || c.isWords('USING', 'INVENTORY')) throw unsupported(`VACUUM ... ${c.peek()!.text.toUpperCase()}`);
  let retainHours: number | undefined;
  if (c.words('RETAIN')) {
    const t = c.peek();
    if (t?.kind !== 'number' || !Number.isFinite(Number(t.text.replaceAll('_', '')))) c.fail('expected a number of hours after RETAIN');
    c.pos++;
    retainHours = Number(t!.text.replaceAll('_', ''));
    c.expectWords('HOURS');
  }
  const dryRun = c.words('DRY', 'RUN');
  c.expectEnd();
  return { kind: 'vacuum', table, ...(retainHours !== undefined ? { retainHours } : {}), dryRun };
}

/** RESTORE [TABLE] table [TO] VERSION AS OF n | TIMESTAMP AS OF 'ts' */
export function parseRestore(c: Cursor): RestoreStatement {
  c.expectWords('RESTORE');
  c.words('TABLE');
  const table = parseTableName(c);
  c.words('TO');
  c.words('FOR');
  if (c.words('VERSION', 'AS', 'OF') || c.words('SYSTEM_VERSION', 'AS', 'OF')) {
    const t = c.peek();
    let version: number;
    if (t?.kind === 'string' && /^\d+$/.test(t.value)) {
      c.pos++;
      version = Number(t.value);
    } else version = c.integer('a version');
    c.expectEnd();
    return { kind: 'restore', table, version };
  }
  if (c.words('TIMESTAMP', 'AS', 'OF') || c.words('SYSTEM_TIME', 'AS', 'OF')) {
    if (c.peek()?.kind === 'string' && c.tokens.length === c.pos + 1) return { kind: 'restore', table, timestamp: c.next().value };
    const timestampExpression = expressionText(c, 'a timestamp');
    c.expectEnd();
    return { kind: 'restore', table, timestampExpression };
  }
  c.fail('expected VERSION AS OF or TIMESTAMP AS OF');
}

/**
 * ALTER TABLE table ADD COLUMN[S] [(] c TYPE [COMMENT '...'] [FIRST | AFTER x], ... [)]
 * | SET TBLPROPERTIES (...) | UNSET TBLPROPERTIES [IF EXISTS] (...)
 * | ADD CONSTRAINT name CHECK (expr) | DROP CONSTRAINT [IF EXISTS] name
 * | RENAME COLUMN a TO b | DROP COLUMN[S] [IF EXISTS] [(] a, ... [)]
 * | ALTER [COLUMN] c TYPE t | CHANGE [COLUMN] c [c] TYPE t
 */
export function parseAlterTable(c: Cursor): AlterTableStatement {
  c.expectWords('ALTER', 'TABLE');
  const table = parseTableName(c);
  const done = (change: AlterChange): AlterTableStatement => {
    c.expectEnd();
    return { kind: 'alterTable', table, change };
  };
  if (c.words('ADD', 'COLUMNS') || c.words('ADD', 'COLUMN')) {
    const parens = c.punct('(');
    const columns: NewColumn[] = [];
    do columns.push(parseNewColumn(c));
    while (c.punct(','));
    if (parens) c.expectPunct(')');
    return done({ kind: 'addColumns', columns });
  }
  if (c.words('SET', 'TBLPROPERTIES')) return done({ kind: 'setProperties', properties: parseProperties(c) });
  if (c.words('UNSET', 'TBLPROPERTIES')) {
    const ifExists = c.words('IF', 'EXISTS');
    c.expectPunct('(');
    const keys: string[] = [];
    do keys.push(parsePropertyKey(c));
    while (c.punct(','));
    c.expectPunct(')');
    return done({ kind: 'unsetProperties', keys, ifExists });
  }
  if (c.words('ADD', 'CONSTRAINT')) {
    const name = c.ident('a constraint name');
    c.expectWords('CHECK');
    c.expectPunct('(');
    const expression = expressionText(c, 'a CHECK expression');
    c.expectPunct(')');
    return done({ kind: 'addConstraint', name, expression });
  }
  if (c.words('DROP', 'CONSTRAINT')) {
    const ifExists = c.words('IF', 'EXISTS');
    const name = c.ident('a constraint name');
    return done({ kind: 'dropConstraint', name, ifExists });
  }
  if (c.words('RENAME', 'COLUMN')) {
    const from = topLevelColumn(c, 'RENAME COLUMN');
    c.expectWords('TO');
    return done({ kind: 'renameColumn', from, to: topLevelColumn(c, 'RENAME COLUMN') });
  }
  if (c.words('DROP', 'COLUMNS') || c.words('DROP', 'COLUMN')) {
    const ifExists = c.words('IF', 'EXISTS');
    const parens = c.punct('(');
    const columns: string[] = [];
    do columns.push(topLevelColumn(c, 'DROP COLUMNS'));
    while (c.punct(','));
    if (parens) c.expectPunct(')');
    return done({ kind: 'dropColumns', columns, ifExists });
  }
  // Spark's CHANGE [COLUMN] c [c] TYPE t, the older spelling of ALTER COLUMN c TYPE t.
  if (c.words('CHANGE', 'COLUMN') || c.words('CHANGE')) {
    const column = topLevelColumn(c, 'CHANGE COLUMN');
    if (!c.isWords('TYPE')) {
      const again = topLevelColumn(c, 'CHANGE COLUMN');
      if (again.toLowerCase() !== column.toLowerCase()) throw unsupported('ALTER TABLE ... CHANGE COLUMN to another name (use RENAME COLUMN)');
    }
    c.expectWords('TYPE');
    return done({ kind: 'changeColumnType', column, type: parseSparkType(c) });
  }
  if (c.words('ALTER', 'COLUMN') || c.words('ALTER')) {
    const path = parseColumnPath(c, 'a column name');
    if (path.length > 1) throw unsupported('ALTER TABLE ... ALTER COLUMN of nested fields');
    const column = path[0];
    if (c.words('COMMENT')) return done({ kind: 'alterColumn', column, comment: c.string('a comment') });
    if (c.words('SET', 'NOT', 'NULL')) return done({ kind: 'alterColumn', column, nullable: false });
    if (c.words('DROP', 'NOT', 'NULL')) return done({ kind: 'alterColumn', column, nullable: true });
    if (c.words('FIRST')) return done({ kind: 'alterColumn', column, position: { first: true } });
    if (c.words('AFTER')) return done({ kind: 'alterColumn', column, position: { after: parseColumnPath(c, 'a column name').join('.') } });
    if (c.words('TYPE')) return done({ kind: 'changeColumnType', column, type: parseSparkType(c) });
    if (c.isWords('SET', 'DEFAULT') || c.isWords('DROP', 'DEFAULT')) throw unsupported('column defaults');
    c.fail('expected COMMENT, SET NOT NULL, DROP NOT NULL, FIRST, AFTER or TYPE');
  }
  const words: string[] = [];
  for (let i = 0; i < 2 && c.peek(i)?.kind === 'word'; i++) words.push(c.peek(i)!.text.toUpperCase());
  throw unsupported(`ALTER TABLE${words.length ? ` ... ${words.join(' ')}` : ''}`);
}

/** A column name where only top-level columns can be changed. */
function topLevelColumn(c: Cursor, what: string): string {
  const path = parseColumnPath(c, 'a column name');
  if (path.length > 1) throw unsupported(`ALTER TABLE ... ${what} of nested fields`);
  return path[0];
}

function parseNewColumn(c: Cursor): NewColumn {
  const path = parseColumnPath(c, 'a column name');
  if (path.length > 1) throw unsupported('ALTER TABLE ... ADD COLUMNS of nested fields');
  const field = parseFieldRest(c, path[0]);
  if (!field.nullable) throw sqlError(`ALTER TABLE ... ADD COLUMNS cannot add NOT NULL column '${field.name}' (existing rows have no value for it)`);
  if (c.words('FIRST')) return { field, first: true };
  if (c.words('AFTER')) return { field, after: parseColumnPath(c, 'a column name').join('.') };
  return { field };
}
