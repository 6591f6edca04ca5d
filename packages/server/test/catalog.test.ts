import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';
import { get, sql } from './api.js';

test('the catalog lists schemas, tables and a table with its columns, partitioning, size and history', async () => {
  const s = await startServer();
  try {
    await sql(s.url, "CREATE SCHEMA sales; CREATE TABLE sales.orders (id BIGINT COMMENT 'order id', day DATE, amount DOUBLE) USING DELTA PARTITIONED BY (day) TBLPROPERTIES ('delta.appendOnly' = 'true')");
    await sql(s.url, "INSERT INTO sales.orders VALUES (1, DATE '2026-01-01', 9.5), (2, DATE '2026-01-02', 3.0)");
    const schemas = await get(`${s.url}/api/2.1/unity-catalog/schemas`);
    assert.ok(schemas.json.schemas.some((x: any) => x.name === 'sales'));
    const tables = await get(`${s.url}/api/2.1/unity-catalog/tables?schema_name=sales`);
    assert.deepEqual(tables.json.tables.map((t: any) => t.full_name), ['main.sales.orders']);
    const t = await get(`${s.url}/api/2.1/unity-catalog/tables/main.sales.orders`);
    assert.equal(t.status, 200, JSON.stringify(t.json));
    assert.deepEqual(t.json.columns.map((c: any) => [c.name, c.type_text]), [['id', 'BIGINT'], ['day', 'DATE'], ['amount', 'DOUBLE']]);
    assert.equal(t.json.columns[0].comment, 'order id');
    assert.equal(t.json.columns[1].partition_index, 0);
    assert.deepEqual(t.json.partition_columns, ['day']);
    assert.equal(t.json.properties['delta.appendOnly'], 'true');
    assert.equal(t.json.delta.num_files, 2);
    assert.ok(t.json.delta.size_in_bytes > 0);
    const h = await get(`${s.url}/api/2.0/lake/tables/sales.orders/history?limit=1`);
    assert.equal(h.json.history.length, 1);
    assert.equal(h.json.history[0].operation, 'WRITE');
    assert.equal(h.json.history[0].operation_metrics.numOutputRows, '2');
    const missing = await get(`${s.url}/api/2.1/unity-catalog/tables/sales.nope`);
    assert.equal(missing.status, 404);
    const noSchema = await get(`${s.url}/api/2.1/unity-catalog/tables?schema_name=nope`);
    assert.equal(noSchema.status, 404);
    const traversal = await get(`${s.url}/api/2.1/unity-catalog/tables/..%2F..%2Fetc`);
    assert.equal(traversal.status, 400);
  } finally {
    await s.close();
  }
});
