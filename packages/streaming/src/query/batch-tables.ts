import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType, StructType } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { duckType } from '@loch/lakehouse';
import type { SourceBatch } from '../source.js';

/** The DuckDB schema holding the tables of running batches and the live state of operators. */
export const STREAM_SCHEMA = 'loch_stream';

/**
 * Names of one query run's tables in the streaming schema. They are regular tables of the
 * process's DuckDB database, not TEMP ones, so that the lake's SQL sessions and the sinks (each
 * on their own connection) read them; a batch's tables are dropped when it ends. Names are plain
 * lower-case words, written the same in DuckDB's SQL and in the lake's Spark SQL.
 */
export class BatchTables {
  private readonly made: string[] = [];
  private n = 0;

  constructor(private readonly prefix: string) {}

  /** A new table name for `label`, remembered for `dropAll`. */
  table(label: string): string {
    const t = `${STREAM_SCHEMA}.${this.prefix}_${++this.n}_${plain(label)}`;
    this.made.push(t);
    return t;
  }

  /** A table name that outlives batches (an operator's state). */
  lasting(label: string): string {
    return `${STREAM_SCHEMA}.${this.prefix}_${plain(label)}`;
  }

  async dropAll(c: DuckDBConnection): Promise<void> {
    const tables = this.made.splice(0);
    if (tables.length > 0) await c.run(tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join('; '));
  }
}

function plain(label: string): string {
  if (!/^[a-z0-9_]+$/.test(label)) throw new Error(`table label '${label}' must be lower-case letters, digits and _`);
  return label;
}

export async function ensureStreamSchema(c: DuckDBConnection): Promise<void> {
  await c.run(`CREATE SCHEMA IF NOT EXISTS ${STREAM_SCHEMA}`);
}

/** Makes a source's batch the table `table`. */
export async function materializeBatch(c: DuckDBConnection, batch: SourceBatch, table: string): Promise<void> {
  if (batch.kind === 'query') {
    await c.run(`CREATE TABLE ${table} AS ${batch.sql}`);
    return;
  }
  if (batch.kind === 'table') {
    // Both live in the streaming schema; RENAME takes the new name without it.
    await c.run(`ALTER TABLE ${batch.table} RENAME TO ${table.slice(table.indexOf('.') + 1)}`);
    return;
  }
  // Rows travel as one JSON document, typed by the schema in one vectorized transform.
  const structure = JSON.stringify([structureOf(batch.schema)]);
  const columns = batch.schema.fields.map((f) => `__row.${sqlIdent(f.name)} AS ${sqlIdent(f.name)}`).join(', ');
  await c.run(
    `CREATE TABLE ${table} AS SELECT ${columns} FROM (SELECT unnest(json_transform($1::JSON, $2)) AS __row)`,
    [rowsJson(batch.rows), structure],
  );
}

/** json_transform's structure for a type: objects for structs, one-element arrays for arrays, type names otherwise. */
export function structureOf(t: DataType): unknown {
  if (t.kind === 'struct') return Object.fromEntries(t.fields.map((f) => [f.name, structureOf(f.type)]));
  if (t.kind === 'array') return [structureOf(t.elementType)];
  return duckType(t);
}

/** JSON text of rows: bigints keep every digit, Dates become ISO timestamps. */
export function rowsJson(rows: readonly Readonly<Record<string, unknown>>[]): string {
  return JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}

/** An empty relation with `schema`'s columns. */
export function emptyRelation(schema: StructType): string {
  if (schema.fields.length === 0) return 'SELECT 1 WHERE false';
  return `SELECT ${schema.fields.map((f) => `NULL::${duckType(f.type)} AS ${sqlIdent(f.name)}`).join(', ')} WHERE false`;
}
