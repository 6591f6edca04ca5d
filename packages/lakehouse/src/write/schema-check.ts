import { deltaError, typeName, type DataType, type StructField, type StructType } from '@loch/delta';

type Family = 'integral' | 'fractional' | 'decimal' | 'string' | 'binary' | 'boolean' | 'date' | 'timestamp' | 'nested';

function family(t: DataType): Family {
  if (t.kind === 'decimal') return 'decimal';
  if (t.kind !== 'primitive') return 'nested';
  switch (t.name) {
    case 'byte': case 'short': case 'integer': case 'long': return 'integral';
    case 'float': case 'double': return 'fractional';
    case 'binary': return 'binary';
    case 'boolean': return 'boolean';
    case 'date': return 'date';
    case 'timestamp': case 'timestamp_ntz': return 'timestamp';
    default: return 'string';
  }
}

const NUMERIC: ReadonlySet<Family> = new Set(['integral', 'fractional', 'decimal']);

/**
 * Whether values of type `from` may be stored in a column of type `to`. Like Spark's store
 * assignment: any numeric into any numeric (a value that does not fit fails the write), dates
 * and timestamps among themselves, the same family otherwise. Nested types are checked field by
 * field by the caller.
 */
function assignable(from: DataType, to: DataType): boolean {
  const a = family(from);
  const b = family(to);
  if (a === b) return true;
  if (NUMERIC.has(a) && NUMERIC.has(b)) return true;
  if ((a === 'date' && b === 'timestamp') || (a === 'timestamp' && b === 'date')) return true;
  return false;
}

export interface SchemaPlan {
  /** The table schema after the write (evolved when mergeSchema added columns). */
  readonly schema: StructType;
  readonly changed: boolean;
}

/**
 * Checks the data's schema against the table's. Without mergeSchema a column the table lacks,
 * or a value type the column cannot hold, fails naming the column; with it, new columns (nested
 * ones too) are added to the end of their struct.
 */
export function reconcileSchema(table: StructType, data: StructType, mergeSchema: boolean, tableName: string, looseStrings = false): SchemaPlan {
  // Row objects from JavaScript carry decimals, dates and timestamps as strings; their text is
  // parsed by the column's type (and a value that does not parse fails the write).
  const fits = (from: DataType, to: DataType) =>
    assignable(from, to) || (looseStrings && family(from) === 'string' && family(to) !== 'nested');
  let changed = false;
  const merge = (target: readonly StructField[], incoming: readonly StructField[], path: string): StructField[] => {
    const out = [...target];
    for (const f of incoming) {
      const full = path ? `${path}.${f.name}` : f.name;
      const i = out.findIndex((x) => x.name.toLowerCase() === f.name.toLowerCase());
      if (i < 0) {
        if (!mergeSchema) {
          throw deltaError(
            'DELTA_SCHEMA_MISMATCH',
            `${tableName}: the data has column '${full}' (${typeName(f.type)}), which the table does not; write with mergeSchema to add it`,
          );
        }
        out.push({ ...f, nullable: true });
        changed = true;
        continue;
      }
      const existing = out[i];
      if (existing.type.kind === 'struct' && f.type.kind === 'struct') {
        const fields = merge(existing.type.fields, f.type.fields, full);
        out[i] = { ...existing, type: { kind: 'struct', fields } };
        continue;
      }
      if (existing.type.kind === 'array' && f.type.kind === 'array' && existing.type.elementType.kind === 'struct' && f.type.elementType.kind === 'struct') {
        const fields = merge(existing.type.elementType.fields, f.type.elementType.fields, `${full}.element`);
        out[i] = { ...existing, type: { ...existing.type, elementType: { kind: 'struct', fields } } };
        continue;
      }
      if (!fits(f.type, existing.type) || (family(existing.type) === 'nested' && typeName(existing.type) !== typeName(f.type) && !nestedCompatible(f.type, existing.type))) {
        throw deltaError(
          'DELTA_SCHEMA_MISMATCH',
          `${tableName}: column '${full}' is ${typeName(existing.type)} in the table but ${typeName(f.type)} in the data`,
        );
      }
    }
    return out;
  };
  const fields = merge(table.fields, data.fields, '');
  return { schema: { kind: 'struct', fields }, changed };
}

function nestedCompatible(from: DataType, to: DataType): boolean {
  if (from.kind === 'array' && to.kind === 'array') return nestedCompatible(from.elementType, to.elementType);
  if (from.kind === 'map' && to.kind === 'map') return nestedCompatible(from.keyType, to.keyType) && nestedCompatible(from.valueType, to.valueType);
  if (from.kind === 'struct' && to.kind === 'struct') {
    return from.fields.every((f) => {
      const t = to.fields.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
      return t !== undefined && nestedCompatible(f.type, t.type);
    });
  }
  return assignable(from, to);
}
