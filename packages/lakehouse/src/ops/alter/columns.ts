import { deltaError, schemaToJson, type Engine, type Snapshot, type StructField } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { withColumnMapping } from '../../write/column-mapping.js';
import { minimalProtocol } from '../../write/protocol.js';
import type { AlterChange } from './change.js';
import { checkExistingRows } from './constraints.js';
import { findIndex, raised, sparkTypeName, type AlterPlan } from './plan.js';

type Of<K extends AlterChange['kind']> = Extract<AlterChange, { kind: K }>;

/** ADD COLUMNS: nullable columns, at the end unless FIRST or AFTER another. */
export function addColumns(snapshot: Snapshot, change: Of<'addColumns'>): AlterPlan {
  const table = snapshot.table;
  if (change.columns.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: ADD COLUMNS needs at least one column`);
  const fields = [...snapshot.schema.fields];
  for (const c of change.columns) {
    const name = c.field.name;
    const clash = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (clash) throw deltaError('DELTA_SCHEMA_MISMATCH', `${table} already has a column '${clash.name}'; ADD COLUMNS cannot add '${name}'`);
    const field: StructField = { ...c.field, nullable: true };
    if (c.first) fields.unshift(field);
    else if (c.after !== undefined) {
      const at = findIndex(fields, c.after);
      if (at < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${c.after}' to add '${name}' after (columns: ${fields.map((f) => f.name).join(', ')})`);
      fields.splice(at + 1, 0, field);
    } else fields.push(field);
  }
  const current = snapshot.metadata;
  // Under column mapping the new columns get ids and physical names of their own.
  const { schema, configuration } = withColumnMapping({ kind: 'struct', fields }, current.configuration);
  return {
    metadata: { ...current, schemaString: schemaToJson(schema), configuration: { ...configuration } },
    protocol: raised(snapshot, minimalProtocol(schema, configuration)),
    operation: 'ADD COLUMNS',
    parameters: {
      columns: JSON.stringify(
        change.columns.map((c) => ({
          column: { name: c.field.name, type: sparkTypeName(c.field.type), nullable: true, metadata: c.field.metadata },
          ...(c.first ? { position: 'FIRST' } : c.after !== undefined ? { position: `AFTER ${c.after}` } : {}),
        })),
      ),
    },
  };
}

/** ALTER COLUMN: comment, SET / DROP NOT NULL (SET checks the live rows first), position. */
export async function alterColumn(engine: Engine, snapshot: Snapshot, change: Of<'alterColumn'>): Promise<AlterPlan> {
  const table = snapshot.table;
  const fields = [...snapshot.schema.fields];
  const at = findIndex(fields, change.column);
  if (at < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${change.column}' (columns: ${fields.map((f) => f.name).join(', ')})`);
  let field = fields[at];
  if (change.comment !== undefined) field = { ...field, metadata: { ...field.metadata, comment: change.comment } };
  const checkedRows = change.nullable === false && field.nullable;
  // Rows already written must satisfy it before the schema says so.
  if (checkedRows) await checkExistingRows(engine, snapshot, `NOT NULL ${field.name}`, `${sqlIdent(field.name)} IS NOT NULL`);
  if (change.nullable !== undefined) field = { ...field, nullable: change.nullable };
  fields.splice(at, 1);
  if (change.position && 'first' in change.position) fields.unshift(field);
  else if (change.position) {
    const after = findIndex(fields, change.position.after);
    if (after < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${change.position.after}' to move '${field.name}' after`);
    fields.splice(after + 1, 0, field);
  } else fields.splice(at, 0, field);
  const schema = { kind: 'struct' as const, fields };
  const current = snapshot.metadata;
  return {
    metadata: { ...current, schemaString: schemaToJson(schema) },
    protocol: raised(snapshot, minimalProtocol(schema, current.configuration)),
    operation: 'CHANGE COLUMN',
    parameters: {
      column: JSON.stringify({ name: field.name, type: sparkTypeName(field.type), nullable: field.nullable, metadata: field.metadata }),
      ...(change.position ? { position: 'first' in change.position ? 'FIRST' : `AFTER ${change.position.after}` } : {}),
    },
    checkedRows,
  };
}
