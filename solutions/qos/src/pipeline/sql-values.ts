import type { Lakehouse, Row } from '@loch/lakehouse';

/** A SQL string literal. */
export const str = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A timestamp literal of an instant. */
export const tsLit = (iso: string) => `TIMESTAMP ${str(new Date(iso).toISOString())}`;

/** An instant as the engine returns it, in ISO form with milliseconds. */
export const iso = (v: unknown) => new Date(String(v)).toISOString();

/** The rows of the last statement of `sql`. */
export async function query(lake: Lakehouse, sql: string): Promise<Row[]> {
  const r = await lake.sql(sql);
  return [...r[r.length - 1].rows];
}

/** Whether the lake has table `name`. */
export async function hasTable(lake: Lakehouse, name: string): Promise<boolean> {
  return (await lake.tables()).includes(name);
}
