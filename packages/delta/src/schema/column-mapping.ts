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
