import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, loch, tempDir } from './support.js';

test('loch sql --metrics: static and dynamic file pruning counts, same rows with DFP off', async () => {
  const lake = join(await tempDir(), 'lake');
  const inserts: string[] = [];
  for (let k = 0; k < 12; k++) inserts.push(`INSERT INTO sales SELECT CAST(${k * 10} + i % 10 AS INT) AS item, CAST(i AS INT) AS qty FROM range(0, 20) t(i)`);
  const setup = await loch(
    'sql',
    `CREATE TABLE sales (item INT, qty INT) USING DELTA;
     CREATE TABLE products USING DELTA AS SELECT CAST(i AS INT) AS item, 'c' || (i // 10) AS category FROM range(0, 120) t(i);
     ${inserts.join(';\n')}`,
    '--lake',
    lake,
  );
  assert.equal(setup.code, 0, setup.stderr);
  const query = "SELECT p.category, sum(s.qty) AS q FROM sales s JOIN products p ON s.item = p.item WHERE p.category = 'c4' GROUP BY 1";
  const run = (dfp: string) =>
    loch(
      'sql',
      `SET spark.databricks.optimizer.deltaTableSizeThreshold = 0;
       SET spark.databricks.optimizer.dynamicFilePruning = ${dfp};
       ${query};
       SELECT count(*) AS n FROM sales WHERE item >= 100`,
      '--lake',
      lake,
      '--metrics',
    );
  const on = await run('true');
  const off = await run('false');
  assert.equal(on.code, 0, on.stderr);
  assert.equal(off.code, 0, off.stderr);
  const [rowsOn, metricsOn, countOn, countMetricsOn] = jsonLines(on.stdout);
  const [rowsOff, metricsOff, countOff, countMetricsOff] = jsonLines(off.stdout);
  assert.deepEqual(rowsOn, { category: 'c4', q: 190 });
  assert.deepEqual(rowsOff, rowsOn);
  const sales = (m: { metrics: { scans: { table: string }[] } }) => m.metrics.scans.find((s) => s.table === 'sales') as unknown as Record<string, number>;
  const pick = (s: Record<string, number>) => [s.filesTotal, s.filesScanned, s.filesPrunedByPartition, s.filesPrunedByStats, s.filesPrunedByDynamicFilter, s.rowsScanned];
  assert.deepEqual(pick(sales(metricsOn)), [12, 1, 0, 0, 11, 20]);
  assert.deepEqual(pick(sales(metricsOff)), [12, 12, 0, 0, 0, 240]);
  assert.deepEqual(countOn, { n: 40 });
  assert.deepEqual(countOff, countOn);
  assert.deepEqual(pick(sales(countMetricsOn)), [12, 2, 0, 10, 0, 40]);
  assert.deepEqual(pick(sales(countMetricsOff)), [12, 2, 0, 10, 0, 40]);
});

test('loch sql EXPLAIN FORMATTED: the Delta scans, then DuckDB plan', async () => {
  const lake = join(await tempDir(), 'lake');
  const r = await loch(
    'sql',
    `CREATE TABLE t (id INT, part STRING) USING DELTA PARTITIONED BY (part);
     INSERT INTO t VALUES (1, 'a'), (2, 'b');
     EXPLAIN FORMATTED SELECT * FROM t WHERE part = 'a'`,
    '--lake',
    lake,
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = jsonLines(r.stdout);
  assert.equal(rows[0].explain_key, 'delta_scan');
  assert.match(rows[0].explain_value, /^DeltaScan t \(version 1\)\n {2}files: 1 of 2 read \(pruned: 1 by partition values, 0 by stats, 0 by dynamic filter\)\n {2}static filter: \(?part = 'a'\)?/);
  assert.ok(rows.length >= 2);
});
