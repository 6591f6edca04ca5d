import type { DuckDBType } from '@duckdb/node-api';
import { deltaError, type DataType, type StructField, type StructType } from '@loch/delta';
import { duckdbApi } from '@loch/engine-node';

const { DuckDBTypeId } = duckdbApi;

/**
 * The Delta type for a DuckDB column type, for schemas inferred from data (CREATE TABLE AS,
 * writes that create a table, mergeSchema). Types Delta has no equal for are refused by name.
 */
export function deltaTypeOf(t: DuckDBType, column: string): DataType {
  const p = (name: Extract<DataType, { kind: 'primitive' }>['name']): DataType => ({ kind: 'primitive', name });
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: return p('boolean');
    case DuckDBTypeId.TINYINT: return p('byte');
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT: return p('short');
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT: return p('integer');
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.INTEGER_LITERAL:
    // DuckDB's sum of integers is a HUGEINT where Spark's is a bigint; results print it as a long,
    // and a table made from them stores it as one (a value past a long fails the write).
    case DuckDBTypeId.HUGEINT: return p('long');
    case DuckDBTypeId.UBIGINT: return { kind: 'decimal', precision: 38, scale: 0 };
    case DuckDBTypeId.FLOAT: return p('float');
    case DuckDBTypeId.DOUBLE: return p('double');
    case DuckDBTypeId.DECIMAL: {
      const d = t as unknown as { width: number; scale: number };
      return { kind: 'decimal', precision: d.width, scale: d.scale };
    }
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.STRING_LITERAL:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM: return p('string');
    case DuckDBTypeId.BLOB: return p('binary');
    case DuckDBTypeId.DATE: return p('date');
    case DuckDBTypeId.TIMESTAMP_TZ: return p('timestamp');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS: return p('timestamp_ntz');
    case DuckDBTypeId.SQLNULL: return p('string');
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const l = t as unknown as { valueType: DuckDBType };
      return { kind: 'array', elementType: deltaTypeOf(l.valueType, `${column}.element`), containsNull: true };
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      return { kind: 'map', keyType: deltaTypeOf(m.keyType, `${column}.key`), valueType: deltaTypeOf(m.valueType, `${column}.value`), valueContainsNull: true };
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] };
      return {
        kind: 'struct',
        fields: s.entryNames.map((name, i) => ({ name, type: deltaTypeOf(s.entryTypes[i], `${column}.${name}`), nullable: true, metadata: {} })),
      };
    }
    default:
      throw deltaError('DELTA_SCHEMA_MISMATCH', `column '${column}' has type ${t.toString()}, which a Delta table cannot store`);
  }
}

export function deltaSchemaOf(names: readonly string[], types: readonly DuckDBType[]): StructType {
  const fields: StructField[] = names.map((name, i) => ({ name, type: deltaTypeOf(types[i], name), nullable: true, metadata: {} }));
  return { kind: 'struct', fields };
}
