import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Running } from './helpers.js';
import { sql } from './api.js';

let s: Running;

/** 8 files: two regions (partitions) × four id ranges (one per INSERT, so stats can skip them). */
before(async () => {
  s = await startServer();
  await sql(s.url, 'CREATE TABLE sales (id BIGINT, region STRING, amount DOUBLE) USING DELTA PARTITIONED BY (region)');
  for (let i = 0; i < 4; i++) {
    await sql(s.url, `INSERT INTO sales SELECT id, CASE WHEN id % 2 = 0 THEN 'eu' ELSE 'us' END, id * 1.5 FROM range(${i * 100}, ${(i + 1) * 100}) t(id)`);
  }
  await sql(s.url, 'CREATE TABLE picks (id BIGINT) USING DELTA');
  await sql(s.url, 'INSERT INTO picks VALUES (4), (6)');
});

after(async () => s?.close());

test('a query reports what each Delta scan read and what partition values and statistics pruned', async () => {
  const r = await sql(s.url, "SELECT count(*) AS n FROM sales WHERE region = 'eu' AND id >= 300");
  assert.deepEqual(r.result.data_array, [['50']]);
  assert.equal(r.result.scans.length, 1);
  const scan = r.result.scans[0];
  assert.match(scan.table, /sales/);
  assert.equal(scan.version, 4);
  assert.deepEqual([scan.files_total, scan.files_read, scan.files_pruned_by_partition, scan.files_pruned_by_stats, scan.files_pruned_by_dynamic_filter], [8, 1, 4, 3, 0]);
  assert.ok(scan.bytes_scanned > 0);
});

test('EXPLAIN reports the same pruning without running the query; Dynamic File Pruning shows in its own count', async () => {
  const explained = await sql(s.url, "EXPLAIN SELECT * FROM sales WHERE region = 'us'");
  assert.deepEqual([explained.result.scans[0].files_read, explained.result.scans[0].files_pruned_by_partition], [4, 4]);
  // The probe table is tiny: lower DFP's size thresholds so that it qualifies; the build side (picks) has a filter of its own, as DFP wants.
  const conf = 'SET spark.databricks.optimizer.deltaTableFilesThreshold = 1; SET spark.databricks.optimizer.deltaTableSizeThreshold = 0;';
  const r = await sql(s.url, `${conf} SELECT s.id FROM sales s JOIN picks p ON s.id = p.id WHERE p.id < 100 ORDER BY s.id`);
  assert.deepEqual(r.result.data_array, [['4'], ['6']]);
  const probe = r.result.scans.find((x: any) => /sales/.test(x.table));
  assert.ok(probe, JSON.stringify(r.result.scans));
  // Keys 4 and 6 fall in the first INSERT's id range: its two files (eu and us) are read, the other six skipped.
  assert.deepEqual([probe.files_total, probe.files_read, probe.files_pruned_by_dynamic_filter], [8, 2, 6], JSON.stringify(probe));
});
