import type { DuckDBType } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';
import { duckdbApi, sqlIdent } from '@loch/engine-node';

const { BIGINT, BLOB, BOOLEAN, DATE, DECIMAL, DOUBLE, FLOAT, INTEGER, LIST, MAP, SMALLINT, STRUCT, TIMESTAMP, TIMESTAMPTZ, TINYINT, VARCHAR } = duckdbApi;

/** The DuckDB type that holds a Delta type's values exactly. */
export function duckType(t: DataType): string {
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'string': return 'VARCHAR';
        case 'long': return 'BIGINT';
        case 'integer': return 'INTEGER';
        case 'short': return 'SMALLINT';
        case 'byte': return 'TINYINT';
        case 'float': return 'FLOAT';
        case 'double': return 'DOUBLE';
        case 'boolean': return 'BOOLEAN';
        case 'binary': return 'BLOB';
        case 'date': return 'DATE';
        case 'timestamp': return 'TIMESTAMPTZ';
        case 'timestamp_ntz': return 'TIMESTAMP';
        case 'variant': return 'VARCHAR';
      }
      break;
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${sqlIdent(f.name)} ${duckType(f.type)}`).join(', ')})`;
    case 'array':
      return `${duckType(t.elementType)}[]`;
    case 'map':
      return `MAP(${duckType(t.keyType)}, ${duckType(t.valueType)})`;
  }
  throw new Error(`unreachable: ${JSON.stringify(t)}`);
}

/** The same type as node-api's DuckDBType (what a DuckDB result would report for the column). */
export function duckDbType(t: DataType): DuckDBType {
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'long': return BIGINT;
        case 'integer': return INTEGER;
        case 'short': return SMALLINT;
        case 'byte': return TINYINT;
        case 'float': return FLOAT;
        case 'double': return DOUBLE;
        case 'boolean': return BOOLEAN;
        case 'binary': return BLOB;
        case 'date': return DATE;
        case 'timestamp': return TIMESTAMPTZ;
        case 'timestamp_ntz': return TIMESTAMP;
        default: return VARCHAR;
      }
    case 'decimal':
      return DECIMAL(t.precision, t.scale);
    case 'struct':
      return STRUCT(Object.fromEntries(t.fields.map((f) => [f.name, duckDbType(f.type)])));
    case 'array':
      return LIST(duckDbType(t.elementType));
    case 'map':
      return MAP(duckDbType(t.keyType), duckDbType(t.valueType));
  }
}
