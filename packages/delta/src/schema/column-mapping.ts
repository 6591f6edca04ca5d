import { deltaError } from '../errors.js';
import type { DataType, StructField, StructType } from './types.js';

export type ColumnMappingMode = 'none' | 'name' | 'id';

export function columnMappingMode(configuration: Readonly<Record<string, string>>): ColumnMappingMode {
  const mode = (configuration['delta.columnMapping.mode'] ?? 'none').toLowerCase();
  if (mode === 'none' || mode === 'name' || mode === 'id') return mode;
  throw deltaError('DELTA_INVALID_SCHEMA', `unknown delta.columnMapping.mode '${mode}'`);
}

/** The name a field has in the Parquet files: its physical name under column mapping. */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const p = field.metadata['delta.columnMapping.physicalName'];
  if (typeof p !== 'string') {
    throw deltaError('DELTA_INVALID_SCHEMA', `column '${field.name}' has no delta.columnMapping.physicalName though column mapping is '${mode}'`);
  }
  return p;
}

export function fieldId(field: StructField): number | undefined {
  const id = field.metadata['delta.columnMapping.id'];
  return typeof id === 'number' ? id : undefined;
}

/**
 * The schema as it is stored in data files: every field (nested ones too) renamed to its physical
 * name. With mode 'none' it is the logical schema itself.
 */
export function physicalSchema(schema: StructType, mode: ColumnMappingMode): StructType {
  if (mode === 'none') return schema;
  return toPhysical(schema, mode) as StructType;
}

function toPhysical(t: DataType, mode: ColumnMappingMode): DataType {
  switch (t.kind) {
    case 'struct':
      return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, name: physicalName(f, mode), type: toPhysical(f.type, mode) })) };
    case 'array':
      return { ...t, elementType: toPhysical(t.elementType, mode) };
    case 'map':
      return { ...t, keyType: toPhysical(t.keyType, mode), valueType: toPhysical(t.valueType, mode) };
    default:
      return t;
  }
}

/** The table property that holds the largest column id given so far. */
export const MAX_COLUMN_ID = 'delta.columnMapping.maxColumnId';

/**
 * Gives every struct field (at any depth, in arrays and maps too) that has none a column id,
 * counting on from `maxId`, and a physical name from `physical` (`col-<uuid>` for new columns;
 * the field's own name when an existing table turns column mapping on, so that its files still
 * read). Fields that have both keep them. Returns the schema and the largest id now used.
 */
export function assignColumnMapping(schema: StructType, maxId: number, physical: (field: StructField) => string): { schema: StructType; maxId: number } {
  let next = maxId;
  const visit = (t: DataType): DataType => {
    switch (t.kind) {
      case 'struct':
        return {
          kind: 'struct',
          fields: t.fields.map((f) => {
            const metadata = { ...f.metadata };
            if (typeof metadata['delta.columnMapping.id'] !== 'number') metadata['delta.columnMapping.id'] = ++next;
            if (typeof metadata['delta.columnMapping.physicalName'] !== 'string') metadata['delta.columnMapping.physicalName'] = physical(f);
            return { ...f, metadata, type: visit(f.type) };
          }),
        };
      case 'array':
        return { ...t, elementType: visit(t.elementType) };
      case 'map':
        return { ...t, keyType: visit(t.keyType), valueType: visit(t.valueType) };
      default:
        return t;
    }
  };
  const out = visit(schema) as StructType;
  return { schema: out, maxId: next };
}

/** The largest column id in a schema (0 when none has one). */
export function largestColumnId(t: DataType): number {
  switch (t.kind) {
    case 'struct':
      return Math.max(0, ...t.fields.map((f) => Math.max(fieldId(f) ?? 0, largestColumnId(f.type))));
    case 'array':
      return largestColumnId(t.elementType);
    case 'map':
      return Math.max(largestColumnId(t.keyType), largestColumnId(t.valueType));
    default:
      return 0;
  }
}
