import type { DataType } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';

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
