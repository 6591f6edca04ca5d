import { sqlIdent, sqlString } from '@loch/engine-node';
import type { ColumnType, Row, TableDef, Value } from './tables.js';

const DUCK_TYPE: Readonly<Record<ColumnType, string>> = { string: 'VARCHAR', long: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN' };

/** A value as a typed DuckDB literal. */
export function sqlLiteral(type: ColumnType, v: Value): string {
  if (v === null || v === undefined) return `CAST(NULL AS ${DUCK_TYPE[type]})`;
  switch (type) {
    case 'string': return sqlString(String(v));
    case 'long': return `CAST(${Math.trunc(Number(v))} AS BIGINT)`;
    case 'double': return Number.isFinite(v) ? `CAST(${String(v)} AS DOUBLE)` : `CAST('${String(v)}' AS DOUBLE)`;
    case 'boolean': return v ? 'TRUE' : 'FALSE';
  }
}

/** A query over literal rows with the table's columns, plus extra string columns given per row. */
export function valuesQuery(def: TableDef, rows: readonly Row[], extra: Readonly<Record<string, (row: Row, i: number) => string>> = {}): string {
  const columns = Object.entries(def.columns);
  const names = [...columns.map(([n]) => n), ...Object.keys(extra)];
  const tuples = rows.map((r, i) => {
    const values = columns.map(([n, type]) => sqlLiteral(type, r[n] ?? null));
    for (const f of Object.values(extra)) values.push(sqlString(f(r, i)));
    return `(${values.join(', ')})`;
  });
  return `SELECT * FROM (VALUES ${tuples.join(', ')}) AS v(${names.map(sqlIdent).join(', ')})`;
}
