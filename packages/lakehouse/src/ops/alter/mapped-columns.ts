import { columnMappingMode, deltaError, schemaToJson, type Snapshot, type StructField } from '@loch/delta';
import type { AlterChange } from './change.js';
import { CONSTRAINT_PREFIX } from './constraints.js';
import { findIndex, type AlterPlan } from './plan.js';

type Of<K extends AlterChange['kind']> = Extract<AlterChange, { kind: K }>;

/**
 * RENAME COLUMN and DROP COLUMNS change only the metadata: under column mapping the files name
 * columns by physical name, which a rename keeps and a drop leaves unread. Without column mapping
 * they would need every file rewritten, so Delta refuses them, and so does Loch.
 */
function requireColumnMapping(snapshot: Snapshot, what: string, code: 'DELTA_UNSUPPORTED_RENAME_COLUMN' | 'DELTA_UNSUPPORTED_DROP_COLUMN'): void {
  if (columnMappingMode(snapshot.metadata.configuration) !== 'none') return;
  throw deltaError(
    code,
    `${snapshot.table}: ${what} needs column mapping; enable it first with ALTER TABLE ... SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')`,
  );
}

/** CHECK constraints whose expression mentions `column` (as a whole word, in any case). */
function constraintsOn(snapshot: Snapshot, column: string): string[] {
  const word = new RegExp(`(^|[^A-Za-z0-9_])\`?${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`?($|[^A-Za-z0-9_])`, 'i');
  return Object.entries(snapshot.metadata.configuration)
    .filter(([k, v]) => k.startsWith(CONSTRAINT_PREFIX) && word.test(v))
    .map(([k]) => k.slice(CONSTRAINT_PREFIX.length));
}

function columnAt(snapshot: Snapshot, fields: readonly StructField[], name: string): number {
  const at = findIndex(fields, name);
  if (at < 0) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${snapshot.table} has no column '${name}' (columns: ${fields.map((f) => f.name).join(', ')})`);
  return at;
}

/** RENAME COLUMN a TO b: the logical name changes; id, physical name and data stay. */
export function renameColumn(snapshot: Snapshot, change: Of<'renameColumn'>): AlterPlan {
  const table = snapshot.table;
  requireColumnMapping(snapshot, `RENAME COLUMN ${change.from}`, 'DELTA_UNSUPPORTED_RENAME_COLUMN');
  const fields = [...snapshot.schema.fields];
  const at = columnAt(snapshot, fields, change.from);
  const old = fields[at];
  const clash = fields.find((f, i) => i !== at && f.name.toLowerCase() === change.to.toLowerCase());
  if (clash) throw deltaError('DELTA_SCHEMA_MISMATCH', `${table} already has a column '${clash.name}'; cannot rename '${old.name}' to '${change.to}'`);
  const dependent = constraintsOn(snapshot, old.name);
  if (dependent.length > 0) {
    throw deltaError('DELTA_CONSTRAINT_DEPENDENT_COLUMN_CHANGE', `${table}: cannot rename column '${old.name}': CHECK constraint ${dependent.join(', ')} uses it; drop the constraint first`);
  }
  fields[at] = { ...old, name: change.to };
  const current = snapshot.metadata;
  const partitionColumns = current.partitionColumns.map((p) => (p === old.name ? change.to : p));
  return {
    metadata: { ...current, schemaString: schemaToJson({ kind: 'struct', fields }), partitionColumns },
    operation: 'RENAME COLUMN',
    parameters: { oldColumnPath: old.name, newColumnPath: change.to },
  };
}

/** DROP COLUMN(S) [IF EXISTS]: the columns leave the schema; their values stay in old files, unread. */
export function dropColumns(snapshot: Snapshot, change: Of<'dropColumns'>): AlterPlan {
  const table = snapshot.table;
  requireColumnMapping(snapshot, `DROP COLUMN ${change.columns.join(', ')}`, 'DELTA_UNSUPPORTED_DROP_COLUMN');
  let fields = [...snapshot.schema.fields];
  const dropped: string[] = [];
  for (const name of change.columns) {
    const at = findIndex(fields, name);
    if (at < 0) {
      if (change.ifExists) continue;
      columnAt(snapshot, fields, name);
    }
    const field = fields[at];
    if (snapshot.metadata.partitionColumns.includes(field.name)) {
      throw deltaError('DELTA_UNSUPPORTED_DROP_PARTITION_COLUMN', `${table}: cannot drop partition column '${field.name}'`);
    }
    const dependent = constraintsOn(snapshot, field.name);
    if (dependent.length > 0) {
      throw deltaError('DELTA_CONSTRAINT_DEPENDENT_COLUMN_CHANGE', `${table}: cannot drop column '${field.name}': CHECK constraint ${dependent.join(', ')} uses it; drop the constraint first`);
    }
    dropped.push(field.name);
    fields = fields.filter((_, i) => i !== at);
  }
  if (fields.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: DROP COLUMNS cannot drop every column of the table`);
  const current = snapshot.metadata;
  return {
    metadata: dropped.length === 0 ? current : { ...current, schemaString: schemaToJson({ kind: 'struct', fields }) },
    operation: 'DROP COLUMNS',
    parameters: { columns: JSON.stringify(dropped) },
  };
}
