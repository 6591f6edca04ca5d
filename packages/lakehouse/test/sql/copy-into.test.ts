/**
 * COPY INTO: files loaded into a Delta table once each (the record is txn actions in the table's
 * own log), FILES and PATTERN, FORMAT_OPTIONS, mergeSchema and force, the result's counts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';

async function setup(): Promise<{ lake: Lakehouse; landing: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-copy-'));
  const landing = join(dir, 'landing');
  await mkdir(join(landing, 'day=1'), { recursive: true });
  return { lake: Lakehouse.open(join(dir, 'lake')), landing };
}

async function last(lake: Lakehouse, sql: string): Promise<StatementResult> {
  const r = await lake.sql(sql);
  return r[r.length - 1];
}

test('COPY INTO run twice loads each file once; new files are loaded by the next run; force loads again', async () => {
  const { lake, landing } = await setup();
  await writeFile(join(landing, 'a.json'), '{"id":1,"v":"x"}\n{"id":2,"v":"y"}\n');
  await writeFile(join(landing, 'day=1', 'b.json'), '{"id":3,"v":"z"}\n');
  await writeFile(join(landing, '_SUCCESS'), '');
  const copy = `COPY INTO events FROM '${landing}' FILEFORMAT = JSON COPY_OPTIONS ('mergeSchema' = 'true')`;
  const first = await last(lake, copy);
  assert.deepEqual(first.rows[0]?.['num_inserted_rows'], 3);
  assert.deepEqual(first.rows[0]?.['num_affected_rows'], 3);
  assert.equal((first.rows[0]?.['files'] as string[]).length, 2);
  const again = await last(lake, copy);
  assert.deepEqual({ ...again.rows[0] }, { num_affected_rows: 0, num_inserted_rows: 0, num_skipped_files: 2, files: [] });
  assert.match(again.summary ?? '', /0 files loaded \(0 rows\), 2 loaded before/);
  await writeFile(join(landing, 'c.json'), '{"id":4,"v":"w","extra":true}\n');
  const third = await last(lake, copy);
  assert.equal(third.rows[0]?.['num_inserted_rows'], 1);
  assert.deepEqual((await last(lake, 'SELECT id, extra FROM events ORDER BY id')).rows, [
    { id: 1, extra: null }, { id: 2, extra: null }, { id: 3, extra: null }, { id: 4, extra: true },
  ]);
  // The record of loaded files is in the table's log: a fresh lake handle (or a copy of the table) knows it.
  const history = (await last(lake, 'DESCRIBE HISTORY events')).rows;
  assert.equal(history[0]?.['operation'], 'COPY INTO');
  const forced = await last(lake, `COPY INTO events FROM '${landing}' FILEFORMAT = JSON FILES = ('a.json') COPY_OPTIONS ('force' = 'true')`);
  assert.equal(forced.rows[0]?.['num_inserted_rows'], 2);
  assert.deepEqual((await last(lake, 'SELECT count(*) AS n FROM events')).rows, [{ n: 6 }]);
});

test('COPY INTO with PATTERN and CSV FORMAT_OPTIONS into an existing table', async () => {
  const { lake, landing } = await setup();
  await lake.sql('CREATE TABLE sales (region STRING, amount INT) USING DELTA');
  await writeFile(join(landing, 'eu.csv'), 'region,amount\nEU,1\nEU,2\n');
  await writeFile(join(landing, 'us.csv'), 'region,amount\nUS,4\n');
  await writeFile(join(landing, 'notes.txt'), 'not data');
  const r = await last(lake, `COPY INTO sales FROM '${landing}' FILEFORMAT = CSV PATTERN = '*.csv' FORMAT_OPTIONS ('header' = 'true')`);
  assert.equal(r.rows[0]?.['num_inserted_rows'], 3);
  assert.deepEqual((await last(lake, 'SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region')).rows, [
    { region: 'EU', total: 3 },
    { region: 'US', total: 4 },
  ]);
  const again = await last(lake, `COPY INTO sales FROM '${landing}' FILEFORMAT = CSV PATTERN = '*.csv' FORMAT_OPTIONS ('header' = 'true')`);
  assert.equal(again.rows[0]?.['num_inserted_rows'], 0);
});

test('COPY INTO errors name the table, the file or the clause', async () => {
  const { lake, landing } = await setup();
  await assert.rejects(lake.sql(`COPY INTO t FROM '${landing}'`), /COPY INTO needs FILEFORMAT/);
  await assert.rejects(lake.sql(`COPY INTO t FROM '${landing}' FILEFORMAT = JSON FILES = ('nope.json')`), (e: Error & { code?: string }) => e.code === 'LOCH_PATH_NOT_FOUND' && /FILES names nope\.json/.test(e.message));
  await assert.rejects(lake.sql(`COPY INTO t FROM '${landing}' FILEFORMAT = AVRO`), /FILEFORMAT AVRO is not one Loch reads/);
});

test('two COPY INTO of the same files at once load them once: the second conflicts on the files it records', async () => {
  const { lake, landing } = await setup();
  await lake.sql("CREATE TABLE ev (id BIGINT) USING DELTA");
  for (let i = 0; i < 5; i++) await writeFile(join(landing, `f${i}.json`), `{"id":${i}}\n`);
  const copy = `COPY INTO ev FROM '${landing}' FILEFORMAT = JSON`;
  const outcomes = await Promise.allSettled([lake.sql(copy), lake.sql(copy)]);
  for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as { code?: string }).code, 'DELTA_CONCURRENT_TRANSACTION', String(o.reason));
  await lake.sql(copy);
  assert.deepEqual((await last(lake, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM ev')).rows, [{ n: 5, d: 5 }]);
});
