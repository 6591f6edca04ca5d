/** Runs Spark SQL through the function rewrite on a bare DuckDB connection, for the rewrite's tests. */
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withConnection } from '@loch/engine-node';
import { translateSparkFunctions } from '../../../src/sql/rewrite/translate.js';

export type Row = Record<string, unknown>;

/** Plain JS values: BIGINTs as numbers; dates and timestamps as DuckDB prints them. */
export async function read(c: DuckDBConnection, sql: string): Promise<Row[]> {
  const r = await c.runAndReadAll(sql);
  const js = r.getRowObjectsJS();
  const json = r.getRowObjectsJson();
  const names = r.columnNames();
  const types = r.columnTypes().map((t) => t.toString());
  const plain = (v: unknown): unknown =>
    typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(plain) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  return js.map((row, i) => Object.fromEntries(names.map((n, j) => [n, /^(DATE|TIMESTAMP)/.test(types[j]) ? json[i][n] : plain(row[n])])));
}

/** Runs the Spark query, translated, after `setup` (DuckDB SQL) on the same connection. */
export async function spark(sql: string, setup = ''): Promise<Row[]> {
  return withConnection(async (c) => {
    if (setup) await c.run(setup);
    return read(c, translateSparkFunctions(sql));
  });
}

/** The single row of a Spark query. */
export async function one(sql: string, setup = ''): Promise<Row> {
  const rows = await spark(sql, setup);
  assert.equal(rows.length, 1, `one row from ${sql}`);
  return rows[0];
}

/** A DuckDB map as the JS client reads it: its entries in order. */
export const map = (...entries: [unknown, unknown][]) => entries.map(([key, value]) => ({ key, value }));

export const TABLE = `CREATE TEMP TABLE t AS SELECT * FROM (VALUES
  (1, [1, 2], MAP {'a': 1, 'b': 2}, TIMESTAMPTZ '2016-04-08 10:00:00+00', '2016-04-08', ['p', 'q'], 'x'),
  (2, [], MAP {'c': 3}, NULL, NULL, NULL, NULL),
  (3, NULL, NULL, NULL, '08/04/2016', []::VARCHAR[], 'z')
) v(id, arr, m, ts, s, sa, str)`;

export const fails = (sql: string, message: RegExp) => assert.throws(() => translateSparkFunctions(sql), { code: 'LOCH_SQL_ERROR', message });
