/**
 * Which DFP build sides give the same keys on every run over the same snapshots (their keys are
 * then read once): DuckDB's own parse trees of build-side queries, judged by isFixedQuery.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withConnection } from '@loch/engine-node';
import { serializeSql } from '../../src/planner/duck-json.js';
import { isFixedQuery } from '../../src/sql/plan/fixed-build.js';

async function fixed(sql: string): Promise<boolean> {
  const tree = await withConnection((c) => serializeSql(c, sql));
  assert.ok(tree, sql);
  // The Delta references: tables named d and items.
  return isFixedQuery(tree.statements, (t) => t.table_name === 'd' || t.table_name === 'items');
}

test('build sides over Delta snapshots with deterministic filters are fixed', async () => {
  for (const sql of [
    "SELECT item FROM d WHERE tag = 'hot'",
    "SELECT item FROM d WHERE lower(tag) IN ('a', 'b') AND item BETWEEN 1 AND 5",
    'SELECT item FROM d WHERE item IN (SELECT item FROM items WHERE item % 2 = 0)',
    "SELECT DISTINCT d.item FROM d JOIN items i ON d.item = i.item WHERE CAST(d.day AS DATE) >= DATE '2024-01-01' ORDER BY 1",
    'SELECT max(item) FROM d',
  ]) {
    assert.equal(await fixed(sql), true, sql);
  }
});

test('build sides that may give other keys another time are not fixed', async () => {
  for (const sql of [
    // Other tables (a TEMP table, a DuckDB table, a CTE), volatile functions, user functions.
    'SELECT item FROM d WHERE item IN (SELECT item FROM pick)',
    'WITH c AS (SELECT item FROM d) SELECT item FROM c',
    'SELECT item FROM d WHERE day > now()',
    'SELECT item FROM d WHERE random() < 0.5',
    'SELECT item FROM d WHERE my_udf(item)',
    "SELECT item FROM d WHERE item = getvariable('x')",
    // Rows a run chooses: LIMIT, samples; table functions.
    'SELECT item FROM d ORDER BY item LIMIT 5',
    'SELECT item FROM d TABLESAMPLE 10%',
    'SELECT item FROM d, range(3)',
    "SELECT item FROM read_parquet('x.parquet')",
  ]) {
    assert.equal(await fixed(sql), false, sql);
  }
});
