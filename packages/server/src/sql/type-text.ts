import type { DataType } from '@loch/delta';

/** Databricks' `type_name` for a column of the Statement Execution API's manifest. */
export function typeNameOf(t: DataType): string {
  switch (t.kind) {
    case 'decimal': return 'DECIMAL';
    case 'struct': return 'STRUCT';
    case 'array': return 'ARRAY';
    case 'map': return 'MAP';
    case 'primitive': return PRIMITIVE_NAMES[t.name] ?? t.name.toUpperCase();
  }
}

const PRIMITIVE_NAMES: Record<string, string> = { integer: 'INT', timestamp_ntz: 'TIMESTAMP_NTZ' };
const SQL_NAMES: Record<string, string> = { long: 'BIGINT', integer: 'INT', short: 'SMALLINT', byte: 'TINYINT' };

/** The type as Spark SQL writes it, upper case (`BIGINT`, `DECIMAL(10,2)`, `ARRAY<INT>`): `type_text`. */
export function typeTextOf(t: DataType): string {
  switch (t.kind) {
    case 'primitive': return SQL_NAMES[t.name] ?? t.name.toUpperCase();
    case 'decimal': return `DECIMAL(${t.precision},${t.scale})`;
    case 'struct': return `STRUCT<${t.fields.map((f) => `${f.name}: ${typeTextOf(f.type)}`).join(', ')}>`;
    case 'array': return `ARRAY<${typeTextOf(t.elementType)}>`;
    case 'map': return `MAP<${typeTextOf(t.keyType)}, ${typeTextOf(t.valueType)}>`;
  }
}
