import {
  deltaError,
  planScan,
  schemaToJson,
  typeName,
  type DataType,
  type Engine,
  type Metadata,
  type Protocol,
  type Snapshot,
  type StructField,
} from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import { duckType } from '../scan/duck-types.js';
import { scanSql } from '../scan/query.js';
import { tokenize } from '../sql/parse/lexer.js';
import { higherProtocol, minimalProtocol } from '../write/protocol.js';
import { afterCommit } from './after-commit.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from './commit-options.js';
import { targetFileSizeOf } from '../write/file-size.js';

/** A column ALTER TABLE ADD COLUMNS adds: always nullable; at the end unless `first` or `after`. */
export interface NewColumn {
  readonly field: StructField;
  readonly first?: boolean;
  /** Add it right after this column. */
  readonly after?: string;
}

/** A metadata-only change to a table, as Spark's ALTER TABLE makes them. */
export type AlterChange =
  | { readonly kind: 'addColumns'; readonly columns: readonly NewColumn[] }
  | { readonly kind: 'setProperties'; readonly properties: Readonly<Record<string, string>> }
  | { readonly kind: 'unsetProperties'; readonly keys: readonly string[]; readonly ifExists?: boolean }
  /** A CHECK constraint: a SQL expression every row must make true (null fails, as in Delta). */
  | { readonly kind: 'addConstraint'; readonly name: string; readonly expression: string }
  | { readonly kind: 'dropConstraint'; readonly name: string; readonly ifExists?: boolean }
  /**
   * ALTER COLUMN: a new comment, SET / DROP NOT NULL (SET checks the existing rows first), or a
   * new position (FIRST, AFTER another column). Top-level columns only.
   */
  | {
      readonly kind: 'alterColumn';
      readonly column: string;
      readonly comment?: string;
      readonly nullable?: boolean;
      readonly position?: { readonly first: true } | { readonly after: string };
    };

/** ALTER's options: the commit's, and the snapshot it plans against. */
export type AlterOptions = OperationOptions;

export interface AlterResult {
  /** The new commit; the version the table is at when an application version (txn) skipped the change. */
  readonly version: number;
  /** Spark's operation name for the commit ('ADD COLUMNS', 'SET TBLPROPERTIES', ...). */
  readonly operation: string;
}

const CONSTRAINT_PREFIX = 'delta.constraints.';

/**
 * ALTER TABLE as one metadata-only commit (no data file changes), with Spark's operation names
 * and parameters: ADD COLUMNS, SET TBLPROPERTIES, UNSET TBLPROPERTIES, ADD CONSTRAINT (after
 * checking that every existing row satisfies it), DROP CONSTRAINT. The protocol is raised when
 * the new metadata needs it (CHECK constraints need writer version 3, or the checkConstraints
 * table feature on a table-features protocol).
 */
export async function alterTable(engine: Engine, url: string, change: AlterChange, options: AlterOptions = {}): Promise<AlterResult> {
  const snapshot = await operationSnapshot(engine, url, options);
  const table = snapshot.table;
  const tx = openTransaction(engine, url, snapshot, options);
  const current = snapshot.metadata;
  let metadata: Metadata = current;
  let protocol: Protocol | undefined;
  let operation: string;
  let parameters: Record<string, unknown>;

  switch (change.kind) {
    case 'addColumns': {
      if (change.columns.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: ADD COLUMNS needs at least one column`);
      const fields = [...snapshot.schema.fields];
      for (const c of change.columns) {
        const name = c.field.name;
        const clash = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
        if (clash) throw deltaError('DELTA_SCHEMA_MISMATCH', `${table} already has a column '${clash.name}'; ADD COLUMNS cannot add '${name}'`);
        const field: StructField = { ...c.field, nullable: true };
        if (c.first) fields.unshift(field);
        else if (c.after !== undefined) {
          const exact = fields.findIndex((f) => f.name === c.after);
          const at = exact >= 0 ? exact : fields.findIndex((f) => f.name.toLowerCase() === c.after!.toLowerCase());
          if (at < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${c.after}' to add '${name}' after (columns: ${fields.map((f) => f.name).join(', ')})`);
          fields.splice(at + 1, 0, field);
        } else fields.push(field);
      }
      const schema = { kind: 'struct' as const, fields };
      metadata = { ...current, schemaString: schemaToJson(schema) };
      protocol = raised(snapshot, minimalProtocol(schema, current.configuration));
      operation = 'ADD COLUMNS';
      parameters = {
        columns: JSON.stringify(
          change.columns.map((c) => ({
            column: { name: c.field.name, type: sparkTypeName(c.field.type), nullable: true, metadata: c.field.metadata },
            ...(c.first ? { position: 'FIRST' } : c.after !== undefined ? { position: `AFTER ${c.after}` } : {}),
          })),
        ),
      };
      break;
    }
    case 'setProperties': {
      const configuration = { ...current.configuration };
      let description = current.description;
      let wanted: Protocol = { minReaderVersion: 1, minWriterVersion: 1 };
      for (const [k, v] of Object.entries(change.properties)) {
        const key = k.toLowerCase();
        if (key.startsWith(CONSTRAINT_PREFIX)) {
          throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: CHECK constraints are added with ALTER TABLE ... ADD CONSTRAINT, not as the property '${k}'`);
        }
        if (key === 'delta.minreaderversion' || key === 'delta.minwriterversion') {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: ${k} must be a protocol version (a positive integer), not '${v}'`);
          wanted = key === 'delta.minreaderversion' ? { ...wanted, minReaderVersion: n } : { ...wanted, minWriterVersion: n };
          continue;
        }
        if (key.startsWith('delta.feature.')) {
          throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: enabling table features with '${k}' is not supported`);
        }
        if (key === 'comment') {
          description = v;
          continue;
        }
        if (key === 'delta.targetfilesize') targetFileSizeOf({ 'delta.targetFileSize': v }, table);
        configuration[k] = v;
      }
      metadata = { ...current, configuration, ...(description !== undefined ? { description } : {}) };
      protocol = raised(snapshot, higherProtocol(minimalProtocol(snapshot.schema, configuration), wanted));
      operation = 'SET TBLPROPERTIES';
      parameters = { properties: JSON.stringify(change.properties) };
      break;
    }
    case 'unsetProperties': {
      const configuration = { ...current.configuration };
      let description = current.description;
      for (const k of change.keys) {
        if (k.toLowerCase().startsWith(CONSTRAINT_PREFIX)) {
          throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: CHECK constraints are dropped with ALTER TABLE ... DROP CONSTRAINT, not by unsetting '${k}'`);
        }
        if (k.toLowerCase() === 'comment') {
          description = undefined;
          continue;
        }
        if (!(k in configuration)) {
          if (change.ifExists) continue;
          throw deltaError('DELTA_INVALID_ARGUMENT', `${table} has no property '${k}' to unset; use UNSET TBLPROPERTIES IF EXISTS to ignore missing ones`);
        }
        delete configuration[k];
      }
      const { description: _, ...rest } = current;
      metadata = { ...rest, configuration, ...(description !== undefined ? { description } : {}) };
      operation = 'UNSET TBLPROPERTIES';
      parameters = { properties: JSON.stringify(change.keys), ifExists: change.ifExists === true };
      break;
    }
    case 'addConstraint': {
      const name = change.name.toLowerCase();
      const key = `${CONSTRAINT_PREFIX}${name}`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(change.name)) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: '${change.name}' cannot name a constraint (letters, digits and _ only)`);
      const existing = Object.keys(current.configuration).find((k) => k.toLowerCase() === key);
      if (existing) {
        throw deltaError('DELTA_INVALID_ARGUMENT', `${table} already has a constraint ${name} (${current.configuration[existing]}); drop it first`);
      }
      if (!change.expression.trim()) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: constraint ${name} needs an expression`);
      const expression = portableExpression(change.expression.trim());
      await checkExistingRows(engine, snapshot, name, expression);
      const configuration = { ...current.configuration, [key]: expression };
      metadata = { ...current, configuration };
      let wanted = minimalProtocol(snapshot.schema, configuration);
      if (snapshot.protocol.minWriterVersion >= 7) wanted = { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['checkConstraints'] };
      protocol = raised(snapshot, wanted);
      // Rows another writer appends meanwhile were not checked: such a commit conflicts.
      tx.readWholeTable();
      tx.readFiles(snapshot.files);
      operation = 'ADD CONSTRAINT';
      parameters = { name: change.name, expr: expression };
      break;
    }
    case 'dropConstraint': {
      const key = `${CONSTRAINT_PREFIX}${change.name.toLowerCase()}`;
      const existing = Object.keys(current.configuration).find((k) => k.toLowerCase() === key);
      if (!existing && !change.ifExists) {
        throw deltaError('DELTA_INVALID_ARGUMENT', `${table} has no constraint ${change.name}; use DROP CONSTRAINT IF EXISTS to ignore a missing one`);
      }
      const configuration = { ...current.configuration };
      const expr = existing ? configuration[existing] : undefined;
      if (existing) delete configuration[existing];
      metadata = { ...current, configuration };
      operation = 'DROP CONSTRAINT';
      parameters = { name: change.name, ...(expr !== undefined ? { expr } : {}) };
      break;
    }
    case 'alterColumn': {
      const fields = [...snapshot.schema.fields];
      const at = findIndex(fields, change.column);
      if (at < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${change.column}' (columns: ${fields.map((f) => f.name).join(', ')})`);
      let field = fields[at];
      if (change.comment !== undefined) field = { ...field, metadata: { ...field.metadata, comment: change.comment } };
      if (change.nullable === false && field.nullable) {
        // Rows already written must satisfy it before the schema says so.
        await checkExistingRows(engine, snapshot, `NOT NULL ${field.name}`, `${sqlIdent(field.name)} IS NOT NULL`);
        tx.readWholeTable();
        tx.readFiles(snapshot.files);
      }
      if (change.nullable !== undefined) field = { ...field, nullable: change.nullable };
      fields.splice(at, 1);
      if (change.position && 'first' in change.position) fields.unshift(field);
      else if (change.position) {
        const after = findIndex(fields, change.position.after);
        if (after < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${change.position.after}' to move '${field.name}' after`);
        fields.splice(after + 1, 0, field);
      } else fields.splice(at, 0, field);
      const schema = { kind: 'struct' as const, fields };
      metadata = { ...current, schemaString: schemaToJson(schema) };
      protocol = raised(snapshot, minimalProtocol(schema, current.configuration));
      operation = 'CHANGE COLUMN';
      parameters = {
        column: JSON.stringify({ name: field.name, type: sparkTypeName(field.type), nullable: field.nullable, metadata: field.metadata }),
        ...(change.position ? { position: 'first' in change.position ? 'FIRST' : `AFTER ${change.position.after}` } : {}),
      };
      break;
    }
  }

  if (protocol) tx.updateProtocol(protocol);
  tx.updateMetadata(metadata);
  const result = await tx.commit({ name: operation, parameters, isBlindAppend: false });
  if (result.kind === 'skipped') return { version: snapshot.version, operation };
  if (result.kind !== 'committed') throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: ${operation} was not committed`);
  await afterCommit(engine, url, result.version, metadata.configuration);
  return { version: result.version, operation };
}

/** A top-level column by name: exactly, else case-insensitively (as Spark resolves names). */
function findIndex(fields: readonly StructField[], name: string): number {
  const exact = fields.findIndex((f) => f.name === name);
  return exact >= 0 ? exact : fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
}

/** Spark's `DataType.typeName` as Delta's ADD COLUMNS parameters record it. */
function sparkTypeName(t: DataType): string {
  if (t.kind === 'primitive' || t.kind === 'decimal') return typeName(t);
  return t.kind;
}

/** The protocol the table needs for `wanted`, or undefined when the current one already does. */
function raised(snapshot: Snapshot, wanted: Protocol): Protocol | undefined {
  const p = higherProtocol(snapshot.protocol, wanted);
  return p === snapshot.protocol ? undefined : p;
}

/**
 * Spark's quoting (`` `a b` ``) as DuckDB's ("a b"), so an expression written for Spark can be
 * evaluated here; everything else is kept as written.
 */
function backticksAsDuckDb(expression: string): string {
  return tokenize(expression)
    .map((t) => (t.kind === 'quoted' && t.quote === '`' ? sqlIdent(t.value) : t.text))
    .join('');
}

/** Words that cannot stand bare as a column name in Spark or DuckDB expressions. */
const RESERVED = new Set(
  'all and any array as asc between both by case cast check collate column constraint create cross current_date current_time current_timestamp current_user default desc distinct else end except exists false fetch for foreign from full grant group having in inner intersect interval into is join lateral leading left like limit not null of offset on only or order outer primary references right select session_user some table then to trailing true union unique user using when where window with'.split(' '),
);

/**
 * The expression with Spark's quoting dropped where a name needs none (`` `id` > 0 `` is stored
 * as `id > 0`), so that Spark and DuckDB read the stored constraint alike.
 */
function portableExpression(expression: string): string {
  return tokenize(expression)
    .map((t) => (t.kind === 'quoted' && t.quote === '`' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.value) && !RESERVED.has(t.value.toLowerCase()) ? t.value : t.text))
    .join('');
}

/** Fails naming the constraint when a live row does not make `expression` true (null fails too). */
async function checkExistingRows(engine: Engine, snapshot: Snapshot, name: string, expression: string): Promise<void> {
  const table = snapshot.table;
  const expr = backticksAsDuckDb(expression);
  await withConnection(async (c) => {
    const inner =
      (await scanSql(c, engine, planScan(snapshot))) ??
      `SELECT ${snapshot.schema.fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')} WHERE false`;
    let type: string;
    let violations: number;
    try {
      const described = await c.runAndReadAll(`SELECT (${expr}) AS __loch_check FROM (${inner}) AS __loch_t LIMIT 0`);
      type = String(described.columnTypes()[0]);
      if (type !== 'BOOLEAN' && type !== '"NULL"' && type !== 'NULL') {
        throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: CHECK constraint ${name} (${expression}) must be a boolean expression, not ${type}`);
      }
      violations = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM (${inner}) AS __loch_t WHERE (${expr}) IS NOT TRUE`)).getRows()[0][0]);
    } catch (e) {
      if ((e as { code?: string }).code === 'DELTA_INVALID_ARGUMENT') throw e;
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: cannot evaluate CHECK constraint ${name} (${expression}): ${(e as Error).message.split('\n')[0]}`, e);
    }
    if (violations > 0) {
      throw deltaError(
        'DELTA_CONSTRAINT_VIOLATION',
        `${table}: ${violations} row${violations === 1 ? '' : 's'} violate${violations === 1 ? 's' : ''} the new CHECK constraint ${name} (${expression})`,
      );
    }
  });
}
