import { physicalName, type ColumnMappingMode, type DataType } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { duckType } from '../values/duck-types.js';

function hasNestedStruct(t: DataType): boolean {
  switch (t.kind) {
    case 'struct': return true;
    case 'array': return hasNestedStruct(t.elementType);
    case 'map': return hasNestedStruct(t.keyType) || hasNestedStruct(t.valueType);
    default: return false;
  }
}

let lambdaDepth = 0;

/**
 * A SQL expression turning `expr` (a value as stored in the data files) into the logical type:
 * nested fields renamed from physical to logical names under column mapping, and every leaf
 * cast to the exact DuckDB type of its Delta type (Parquet's physical types vary by writer:
 * INT96 vs INT64 timestamps, int32 vs int64 decimals, and so on).
 */
export function toLogical(expr: string, t: DataType, mode: ColumnMappingMode): string {
  if (mode === 'none' || !hasNestedStruct(t)) return `CAST(${expr} AS ${duckType(t)})`;
  switch (t.kind) {
    case 'struct': {
      const parts = t.fields.map(
        (f) => `${sqlIdent(f.name)} := ${toLogical(`(${expr}).${sqlIdent(physicalName(f, mode))}`, f.type, mode)}`,
      );
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
    }
    case 'array': {
      const x = `__x${lambdaDepth++}`;
      return `list_transform(${expr}, ${x} -> ${toLogical(x, t.elementType, mode)})`;
    }
    case 'map': {
      const e = `__e${lambdaDepth++}`;
      return `map_from_entries(list_transform(map_entries(${expr}), ${e} -> struct_pack(key := ${toLogical(`${e}.key`, t.keyType, mode)}, value := ${toLogical(`${e}.value`, t.valueType, mode)})))`;
    }
    default:
      return `CAST(${expr} AS ${duckType(t)})`;
  }
}
