import { deltaError, ENABLE_TYPE_WIDENING, isTypeWidening, schemaToJson, TYPE_CHANGES, typeName, type Snapshot } from '@loch/delta';
import { minimalProtocol } from '../../write/protocol.js';
import type { AlterChange } from './change.js';
import { findIndex, raised, sparkTypeName, type AlterPlan } from './plan.js';

type Of<K extends AlterChange['kind']> = Extract<AlterChange, { kind: K }>;

/**
 * ALTER COLUMN c TYPE t: the widenings Delta's typeWidening feature allows, metadata only. Files
 * written before keep the narrower type, which readers widen; the field records each change in
 * `delta.typeChanges` (PROTOCOL.md, "Type Change Metadata"), as Spark does.
 */
export function changeColumnType(snapshot: Snapshot, change: Of<'changeColumnType'>): AlterPlan {
  const table = snapshot.table;
  const current = snapshot.metadata;
  const fields = [...snapshot.schema.fields];
  const at = findIndex(fields, change.column);
  if (at < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${change.column}' (columns: ${fields.map((f) => f.name).join(', ')})`);
  const field = fields[at];
  const from = typeName(field.type);
  const to = typeName(change.type);
  if (from === to) return { metadata: current, operation: 'CHANGE COLUMN', parameters: columnParameters(field.name, change) };
  if (!isTypeWidening(field.type, change.type)) {
    throw deltaError('DELTA_UNSUPPORTED_ALTER_TABLE_CHANGE_COL_OP', `${table}: cannot change column '${field.name}' from ${from} to ${to}; only widening is allowed (byte -> short -> int -> long, float or int -> double, decimal precision and scale up, date -> timestamp_ntz)`);
  }
  if (current.configuration[ENABLE_TYPE_WIDENING]?.toLowerCase() !== 'true') {
    throw deltaError(
      'DELTA_UNSUPPORTED_ALTER_TABLE_CHANGE_COL_OP',
      `${table}: changing column '${field.name}' from ${from} to ${to} needs type widening; enable it with ALTER TABLE ... SET TBLPROPERTIES ('${ENABLE_TYPE_WIDENING}' = 'true')`,
    );
  }
  const history = Array.isArray(field.metadata[TYPE_CHANGES]) ? (field.metadata[TYPE_CHANGES] as unknown[]) : [];
  fields[at] = { ...field, type: change.type, metadata: { ...field.metadata, [TYPE_CHANGES]: [...history, { fromType: from, toType: to }] } };
  const schema = { kind: 'struct' as const, fields };
  return {
    metadata: { ...current, schemaString: schemaToJson(schema) },
    protocol: raised(snapshot, minimalProtocol(schema, current.configuration)),
    operation: 'CHANGE COLUMN',
    parameters: columnParameters(field.name, change),
  };
}

function columnParameters(name: string, change: Of<'changeColumnType'>): Record<string, unknown> {
  return { column: JSON.stringify({ name, type: sparkTypeName(change.type), nullable: true, metadata: {} }) };
}
