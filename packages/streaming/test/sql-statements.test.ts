/**
 * Streaming tables and materialized views as statements of lake.sql (Databricks SQL): CREATE
 * keeps the definition beside the table, REFRESH reads what is new exactly once and returns, in
 * the same way `loch pipeline run` updates a table.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Lakehouse } from '@loch/lakehouse';
import { rows, scratch, type Scratch } from './support/lake.js';

const code = (c: string, m?: RegExp) => (e: Error & { code?: string }) => e.code === c && (!m || m.test(e.message));

async function land(s: Scratch, name: string, ...objects: Record<string, unknown>[]): Promise<void> {
  await mkdir(s.path('landing'), { recursive: true });
  await writeFile(s.path('landing', name), `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`);
}

test('lake.sql: CREATE OR REFRESH STREAMING TABLE, MATERIALIZED VIEW, then REFRESH takes only what is new', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await land(s, 'a.json', { id: 1, cdn: 'x', ip: '1.1.1.1' }, { id: 2, cdn: 'y', ip: null });
  const created = await s.lake.sql(`
    CREATE OR REFRESH STREAMING TABLE bronze AS SELECT * FROM STREAM read_files('${s.path('landing')}', format => 'json');
    CREATE OR REFRESH STREAMING TABLE silver (CONSTRAINT valid_ip EXPECT (ip IS NOT NULL) ON VIOLATION DROP ROW)
      AS SELECT id, cdn, ip FROM STREAM(bronze);
    CREATE MATERIALIZED VIEW gold AS SELECT cdn, count(*) AS n FROM silver GROUP BY cdn`);
  assert.deepEqual(created.map((r) => [r.kind, r.returnsRows, r.version]), [['extension', false, 0], ['extension', false, 0], ['extension', false, 0]]);
  assert.match(created[0].summary ?? '', /^bronze \(streaming table\): 2 rows written in 1 batch/);
  assert.match(created[1].summary ?? '', /1 dropped, version 0; expectations: valid_ip 1 passed, 1 failed \(drop\)/);
  assert.deepEqual(await rows(s.lake, 'SELECT * FROM gold'), [{ cdn: 'x', n: 1 }]);

  await land(s, 'b.json', { id: 3, cdn: 'x', ip: '3.3.3.3' }, { id: 4, cdn: 'z', ip: '4.4.4.4' });
  // A new Lakehouse (as a new process would have): the definitions come from beside the tables.
  const again = Lakehouse.open(s.lake.dir);
  const refreshed = await again.sql('REFRESH STREAMING TABLE bronze; REFRESH STREAMING TABLE silver; REFRESH STREAMING TABLE silver; REFRESH MATERIALIZED VIEW gold');
  assert.deepEqual(refreshed.map((r) => r.summary?.match(/(\d+) rows? (written|recomputed)/)?.[1]), ['2', '2', '0', '2']);
  assert.deepEqual(await rows(again, 'SELECT * FROM gold ORDER BY cdn'), [{ cdn: 'x', n: 2 }, { cdn: 'z', n: 1 }]);
  assert.deepEqual(await rows(again, 'SELECT id FROM bronze ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);

  // FULL reads all input again into the emptied table: still once each.
  await again.sql('REFRESH STREAMING TABLE bronze FULL');
  assert.deepEqual(await rows(again, 'SELECT count(*) AS n FROM bronze'), [{ n: 4 }]);

  // A dropped streaming table made again reads its input from the start (its old checkpoint is not its own any more).
  await again.sql('DROP TABLE silver');
  await again.sql(`CREATE STREAMING TABLE silver AS SELECT id, cdn, ip FROM STREAM(bronze) WHERE ip IS NOT NULL`);
  assert.deepEqual(await rows(again, 'SELECT id FROM silver ORDER BY id'), [{ id: 1 }, { id: 3 }, { id: 4 }]);
});

test('lake.sql: CREATE of a defined table, REFRESH of an undefined one, and the wrong kind fail with coded errors naming the table', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await land(s, 'a.json', { id: 1 });
  const st = `CREATE STREAMING TABLE b AS SELECT * FROM STREAM read_files('${s.path('landing')}', format => 'json')`;
  await s.lake.sql(st);
  await assert.rejects(s.lake.sql(st), code('PIPELINE_DATASET_EXISTS', /table b already exists/));
  const [quiet] = await s.lake.sql(st.replace('TABLE b', 'TABLE IF NOT EXISTS b'));
  assert.match(quiet.summary ?? '', /already exists/);
  await assert.rejects(s.lake.sql('REFRESH STREAMING TABLE nope'), code('PIPELINE_DATASET_NOT_FOUND', /nope is not a streaming table/));
  await assert.rejects(s.lake.sql('REFRESH MATERIALIZED VIEW b'), code('PIPELINE_DATASET_NOT_FOUND', /b is a streaming table, not a materialized view/));
  await assert.rejects(s.lake.sql('CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT * FROM STREAM(b)'), code('PIPELINE_PARSE_ERROR', /materialized view m reads STREAM/));
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM b'), [{ n: 1 }]);
});
