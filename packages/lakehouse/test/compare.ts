import { parseSchema, type StructType } from '@loch/delta';
import { sqlIdent, sqlString, withConnection } from '@loch/engine-node';
import { duckType, toJsonValue, type Row } from '@loch/lakehouse';

/** Rows of the parquet files in `dir`, read as the columns of `schema` (by name), JSON-encoded. */
export async function expectedRows(dir: string, schema: StructType): Promise<Row[]> {
  return withConnection(async (c) => {
    const src = `read_parquet(${sqlString(`${dir}/*.parquet`)}, union_by_name = true)`;
    const d = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`);
    const present = new Map(d.getRowObjectsJson().map((r) => [String(r.column_name).toLowerCase(), String(r.column_name)]));
    const exprs = schema.fields.map((f) => {
      const col = present.get(f.name.toLowerCase());
      return col === undefined ? `NULL AS ${sqlIdent(f.name)}` : `CAST(${sqlIdent(col)} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`;
    });
    const r = await c.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${src}`);
    return r.getRows().map((vals) => {
      const row: Row = {};
      schema.fields.forEach((f, i) => (row[f.name] = toJsonValue(vals[i], f.type)));
      return row;
    });
  });
}

/** A row as canonical text (keys sorted at every level), for comparing multisets of rows. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sortedCanonical(rows: Row[], omit: readonly string[] = []): string[] {
  return rows
    .map((r) => {
      const copy: Row = { ...r };
      for (const k of omit) delete copy[k];
      return canonical(copy);
    })
    .sort();
}

export { parseSchema };
