import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';

async function lake(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-source-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir: join(dir, 'lake') };
}

async function rows(lh: Lakehouse, sql: string): Promise<StatementResult['rows']> {
  const results = await lh.sql(sql);
  return results[results.length - 1].rows;
}

for (const format of ['parquet', 'csv', 'json']) {
  test(`CREATE TABLE ... USING ${format}: plain files, no Delta log, readable and insertable`, async () => {
    const { lh, dir } = await lake();
    await lh.sql(`CREATE TABLE t (a INT, b STRING, d DECIMAL(10,2)) USING ${format}`);
    assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM t'), [{ n: 0 }]);
    await lh.sql("INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, NULL); INSERT INTO t (b, a) VALUES ('z', 3)");
    assert.deepEqual(await rows(lh, 'SELECT a, b, CAST(d AS DOUBLE) AS d FROM t ORDER BY a'), [
      { a: 1, b: 'x', d: 1.5 },
      { a: 2, b: null, d: null },
      { a: 3, b: 'z', d: null },
    ]);
    assert.equal(existsSync(join(dir, 't', '_delta_log')), false);
    assert.equal(readdirSync(join(dir, 't')).filter((f) => f.startsWith('part-')).length, 2);
    assert.ok((await rows(lh, 'SHOW TABLES')).some((r) => r.tableName === 't'));
    await lh.sql('INSERT OVERWRITE t SELECT 9, \'w\', 2');
    assert.deepEqual(await rows(lh, 'SELECT a, b FROM t'), [{ a: 9, b: 'w' }]);
    await lh.sql('DROP TABLE t');
    assert.equal(existsSync(join(dir, 't')), false);
  });
}

test('CREATE TABLE ... USING parquet AS SELECT, IF NOT EXISTS, and no time travel', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE s USING parquet AS SELECT 1 AS id, \'a\' AS name');
  await lh.sql('CREATE TABLE IF NOT EXISTS s (x INT) USING parquet');
  assert.deepEqual(await rows(lh, 'SELECT * FROM s'), [{ id: 1, name: 'a' }]);
  await assert.rejects(lh.sql('CREATE TABLE s (x INT) USING parquet'), { code: 'DELTA_TABLE_ALREADY_EXISTS' });
  await assert.rejects(lh.sql('SELECT * FROM s VERSION AS OF 0'), /time travel needs a Delta table/);
});
