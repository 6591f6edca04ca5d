import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';

async function lake(): Promise<Lakehouse> {
  return Lakehouse.open(join(await mkdtemp(join(tmpdir(), 'loch-analyze-')), 'lake'));
}

async function last(lh: Lakehouse, sql: string): Promise<StatementResult> {
  const results = await lh.sql(sql);
  return results[results.length - 1];
}

const SALES = `CREATE TABLE s (region STRING, city STRING, amount INT) USING DELTA;
  INSERT INTO s VALUES ('EU', 'AMS', 1), ('EU', 'BER', 2), ('US', 'NYC', 4)`;

test('GROUP BY ... WITH ROLLUP and grouping_id() without arguments', async () => {
  const lh = await lake();
  await lh.sql(SALES);
  const r = await last(lh, 'SELECT region, city, sum(amount) AS total, grouping_id() AS g FROM s GROUP BY region, city WITH ROLLUP ORDER BY g, region, city');
  assert.deepEqual(r.rows, [
    { region: 'EU', city: 'AMS', total: 1, g: 0 },
    { region: 'EU', city: 'BER', total: 2, g: 0 },
    { region: 'US', city: 'NYC', total: 4, g: 0 },
    { region: 'EU', city: null, total: 3, g: 1 },
    { region: 'US', city: null, total: 4, g: 1 },
    { region: null, city: null, total: 7, g: 3 },
  ]);
  // An unnamed grouping_id() keeps Spark's column name.
  assert.deepEqual((await last(lh, 'SELECT region, grouping_id() FROM s GROUP BY region WITH ROLLUP ORDER BY 2, 1')).columns.map((c) => c.name), ['region', 'grouping_id()']);
});

test('WITH CUBE, Hive GROUPING SETS after the list, grouping_id() in HAVING and in a subquery', async () => {
  const lh = await lake();
  await lh.sql(SALES);
  const cube = await last(lh, 'SELECT region, city, grouping_id() AS g, count(*) AS n FROM s GROUP BY region, city WITH CUBE HAVING grouping_id() = 2 ORDER BY city');
  assert.deepEqual(cube.rows, [
    { region: null, city: 'AMS', g: 2, n: 1 },
    { region: null, city: 'BER', g: 2, n: 1 },
    { region: null, city: 'NYC', g: 2, n: 1 },
  ]);
  // Hive's form: the list orders grouping_id()'s bits, whatever the order of the sets.
  const sets = await last(lh, "SELECT region, city, grouping_id() AS g FROM s WHERE city <> 'BER' GROUP BY region, city GROUPING SETS ((city), (region), ()) ORDER BY g, region, city");
  assert.deepEqual(sets.rows, [
    { region: 'EU', city: null, g: 1 },
    { region: 'US', city: null, g: 1 },
    { region: null, city: 'AMS', g: 2 },
    { region: null, city: 'NYC', g: 2 },
    { region: null, city: null, g: 3 },
  ]);
  const nested = await last(lh, 'SELECT count(*) AS n FROM (SELECT region, grouping_id() AS g FROM s GROUP BY CUBE (region)) x WHERE g = 0');
  assert.deepEqual(nested.rows, [{ n: 2 }]);
  await assert.rejects(lh.sql('SELECT grouping_id() FROM s'), { code: 'LOCH_SQL_ERROR', message: /grouping_id\(\) needs a GROUP BY/ });
});

test('ANALYZE TABLE ... COMPUTE STATISTICS: table and column statistics that DESCRIBE shows', async () => {
  const lh = await lake();
  await lh.sql(`CREATE TABLE t (id BIGINT, name STRING, price DECIMAL(10,2), day DATE, tags ARRAY<STRING>) USING DELTA;
    INSERT INTO t VALUES (1, 'ann', 1.50, '2024-01-01', ['a']), (2, 'bob', NULL, '2024-01-03', []), (3, NULL, 9.99, '2024-01-02', NULL)`);
  const before = await last(lh, 'DESCRIBE TABLE EXTENDED t');
  assert.ok(!before.rows.some((r) => r.col_name === 'Statistics'));
  const [analyzed] = await lh.sql('ANALYZE TABLE t COMPUTE STATISTICS');
  assert.match(analyzed.summary!, /^ANALYZE TABLE main\.default\.t COMPUTE STATISTICS: \d+ bytes, 3 rows$/);
  const stats = (await last(lh, 'DESCRIBE EXTENDED t')).rows.find((r) => r.col_name === 'Statistics');
  assert.match(String(stats?.data_type), /^\d+ bytes, 3 rows$/);
  await lh.sql('ANALYZE TABLE t COMPUTE STATISTICS FOR COLUMNS price, Name');
  const col = async (c: string) => Object.fromEntries((await last(lh, `DESCRIBE EXTENDED t ${c}`)).rows.map((r) => [r.info_name, r.info_value]));
  assert.deepEqual(await col('price'), {
    col_name: 'price', data_type: 'decimal(10,2)', comment: 'NULL',
    min: '1.50', max: '9.99', num_nulls: '1', distinct_count: '2', avg_col_len: '8', max_col_len: '8', histogram: 'NULL',
  });
  const name = await col('name');
  assert.deepEqual([name.min, name.max, name.num_nulls, name.distinct_count, name.avg_col_len, name.max_col_len], ['NULL', 'NULL', '1', '2', '3', '3']);
  assert.equal((await col('day')).distinct_count, 'NULL', 'not analyzed yet');
  await lh.sql('ANALYZE TABLE t COMPUTE STATISTICS FOR ALL COLUMNS');
  assert.deepEqual([(await col('day')).min, (await col('day')).max], ['2024-01-01', '2024-01-03']);
  assert.deepEqual(Object.keys(await col('tags')), ['col_name', 'data_type', 'comment', 'min', 'max', 'num_nulls', 'distinct_count', 'avg_col_len', 'max_col_len', 'histogram']);
  assert.equal((await col('tags')).num_nulls, 'NULL', 'arrays get no statistics');
  // Without EXTENDED, a column is described without its statistics.
  assert.deepEqual((await last(lh, 'DESCRIBE t id')).rows.map((r) => r.info_name), ['col_name', 'data_type', 'comment']);
  await assert.rejects(lh.sql('ANALYZE TABLE t COMPUTE STATISTICS FOR COLUMNS tags'), { code: 'LOCH_SQL_ERROR', message: /tags' is array<string>/ });
  await assert.rejects(lh.sql('ANALYZE TABLE t COMPUTE STATISTICS FOR COLUMNS nope'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  // NOSCAN measures the size; the row count counted before stays.
  await lh.sql("INSERT INTO t VALUES (4, 'dan', 1, '2024-01-04', NULL); ANALYZE TABLE t COMPUTE STATISTICS NOSCAN");
  assert.match(String((await last(lh, 'DESCRIBE EXTENDED t')).rows.find((r) => r.col_name === 'Statistics')?.data_type), /, 3 rows$/);
  await lh.sql('ANALYZE TABLES COMPUTE STATISTICS');
  assert.match(String((await last(lh, 'DESCRIBE EXTENDED t')).rows.find((r) => r.col_name === 'Statistics')?.data_type), /, 4 rows$/);
  // A table made again under the same name has no statistics of the old one.
  await lh.sql('DROP TABLE t; CREATE TABLE t (id BIGINT) USING DELTA');
  assert.ok(!(await last(lh, 'DESCRIBE EXTENDED t')).rows.some((r) => r.col_name === 'Statistics'));
  await assert.rejects(lh.sql(`ANALYZE TABLE delta.\`/tmp/x\` COMPUTE STATISTICS`), { code: 'LOCH_UNSUPPORTED_STATEMENT' });
});

test('ANALYZE TABLE ... COMPUTE DELTA STATISTICS recomputes file statistics for the columns now indexed', async () => {
  const lh = await lake();
  await lh.sql(`CREATE TABLE w (a INT, b INT, c STRING, s STRUCT<x: INT, y: STRING>) USING DELTA TBLPROPERTIES ('delta.dataSkippingNumIndexedCols' = '1');
    INSERT INTO w VALUES (1, 10, 'p', {'x': 5, 'y': 'q'}), (2, 20, 'r', {'x': 6, 'y': 'z'});
    INSERT INTO w VALUES (3, 30, 's', NULL)`);
  const stats = async () => (await lh.table('w').snapshot()).files.map((f) => JSON.parse(f.stats!) as { numRecords: number; minValues: Record<string, unknown>; maxValues: Record<string, unknown>; nullCount: Record<string, unknown> }).sort((x, y) => x.numRecords - y.numRecords);
  assert.deepEqual((await stats()).map((s) => Object.keys(s.minValues)), [['a'], ['a']]);
  // Files that skip b cannot be pruned by it: every file is read.
  const pruned = async () => (await lh.sql('SELECT count(*) AS n FROM w WHERE b = 30'))[0].metrics!.scans[0];
  assert.equal((await pruned()).filesScanned, 2);
  const [done] = await lh.sql("ALTER TABLE w SET TBLPROPERTIES ('delta.dataSkippingNumIndexedCols' = '32'); ANALYZE TABLE w COMPUTE DELTA STATISTICS").then((r) => r.slice(1));
  assert.match(done.summary!, /^ANALYZE TABLE w COMPUTE DELTA STATISTICS: 2 files \(version 4\)$/);
  const after = await stats();
  assert.deepEqual(after[0], { numRecords: 1, minValues: { a: 3, b: 30, c: 's' }, maxValues: { a: 3, b: 30, c: 's' }, nullCount: { a: 0, b: 0, c: 0, s: { x: 1, y: 1 } } });
  assert.deepEqual(after[1].minValues, { a: 1, b: 10, c: 'p', s: { x: 5, y: 'q' } });
  assert.equal((await pruned()).filesScanned, 1);
  const h = (await lh.table('w').history(1))[0];
  assert.equal(h.operation, 'COMPUTE STATS');
  assert.equal(h.isBlindAppend, false);
  // Nothing about the data changed.
  assert.deepEqual((await last(lh, 'SELECT sum(a) AS s FROM w')).rows, [{ s: 6 }]);
  const snap = await lh.table('w').snapshot();
  assert.equal(snap.files.length, 2);
});
