/**
 * What the lakehouse offers the layers above it: members added to every Lakehouse through
 * extendLakehouse (never an upward import), and DuckDB tables named with a schema in SQL, which
 * stay DuckDB's (CREATE TABLE s.t / INSERT INTO s.t), beside the lake's Delta tables.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withConnection } from '@loch/engine-node';
import { extendLakehouse, extendSqlStatements, Lakehouse } from '@loch/lakehouse';

declare module '@loch/lakehouse' {
  interface LakehouseExtensions {
    readonly testGreeting: string;
  }
}

test('extendLakehouse adds a member to every lake; members of the class itself cannot be replaced', () => {
  extendLakehouse('testGreeting', (lake) => `hello from ${lake.dir}`);
  const lake = Lakehouse.open('/tmp/some-lake');
  assert.equal(lake.testGreeting, 'hello from /tmp/some-lake');
  extendLakehouse('testGreeting', () => 'replaced by the same extension');
  assert.equal(lake.testGreeting, 'replaced by the same extension');
  assert.throws(() => extendLakehouse('sql' as 'testGreeting', () => 'x'), /already has a member 'sql'/);
});

test('CREATE TABLE and INSERT INTO a schema-qualified name make DuckDB tables; unqualified names stay Delta tables', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-ext-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lake = Lakehouse.open(dir);
  await withConnection((c) => c.run('CREATE SCHEMA IF NOT EXISTS ext_test'));
  await lake.sql("CREATE TABLE dim (k INT, name STRING) USING DELTA; INSERT INTO dim VALUES (1, 'one'), (2, 'two')");
  await lake.sql('CREATE OR REPLACE TABLE ext_test.picked AS SELECT * FROM dim WHERE k = 1; INSERT INTO ext_test.picked SELECT * FROM dim WHERE k = 2');
  const [r] = await lake.sql('SELECT k, name FROM ext_test.picked ORDER BY k');
  assert.deepEqual(r.rows, [{ k: 1, name: 'one' }, { k: 2, name: 'two' }]);
  assert.deepEqual(await lake.tables(), ['dim']);
  await withConnection((c) => c.run('DROP SCHEMA ext_test CASCADE'));
});

test('extendSqlStatements: a package above runs statements by their leading keywords, as written, over the lake of the session', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-ext-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lake = Lakehouse.open(dir);
  // Without the extension the statement is one Loch does not run.
  await assert.rejects(lake.sql('REFRESH MATERIALIZED VIEW v'), (e: Error & { code?: string }) => e.code === 'LOCH_UNSUPPORTED_STATEMENT');
  const seen: string[] = [];
  extendSqlStatements({
    name: 'test views',
    leading: [['REFRESH', 'MATERIALIZED', 'VIEW']],
    run: async (text, ctx) => {
      seen.push(`${ctx.number} ${ctx.lake.dir} ${text}`);
      await ctx.lake.sql('CREATE OR REPLACE TABLE v AS SELECT 42 AS answer');
      return { summary: 'refreshed v', version: 7 };
    },
  });
  const out = await lake.sql("SELECT 1; REFRESH MATERIALIZED VIEW v -- kept as written\n; SELECT answer FROM v");
  assert.deepEqual(seen, [`2 ${dir} REFRESH MATERIALIZED VIEW v -- kept as written`]);
  assert.deepEqual([out[1].kind, out[1].returnsRows, out[1].summary, out[1].version], ['extension', false, 'refreshed v', 7]);
  assert.deepEqual(out[2].rows, [{ answer: 42 }]);
});
