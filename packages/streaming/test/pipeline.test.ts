/**
 * SQL pipelines: a file of streaming tables and materialized views, updated in dependency
 * order, exactly once across runs, with expectations counted, dropping rows or failing.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Pipeline } from '@loch/streaming';
import { rows, scratch, type Scratch } from './support/lake.js';

const jsonLines = (...objects: Record<string, unknown>[]) => `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
const code = (c: string, m?: RegExp) => (e: Error & { code?: string }) => e.code === c && (!m || m.test(e.message));

function pipelineSql(landing: string): string {
  return `
-- bronze: raw events as they land
CREATE OR REFRESH STREAMING TABLE bronze
COMMENT 'raw player events'
AS SELECT *, _metadata_file AS source_file FROM (SELECT *, 'landing' AS _metadata_file FROM STREAM read_files('${landing}', format => 'json'));

CREATE OR REFRESH MATERIALIZED VIEW gold
AS SELECT cdn, count(*) AS events, sum(bytes) AS bytes FROM LIVE.silver GROUP BY cdn;

CREATE OR REFRESH STREAMING TABLE silver (
  CONSTRAINT valid_ip EXPECT (ip IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT small EXPECT (bytes < 1000)
)
PARTITIONED BY (cdn)
AS SELECT id, lower(cdn) AS cdn, ip, bytes FROM STREAM(bronze) WHERE id IS NOT NULL;
`;
}

async function land(s: Scratch, name: string, ...objects: Record<string, unknown>[]): Promise<void> {
  await mkdir(s.path('landing'), { recursive: true });
  await writeFile(s.path('landing', name), jsonLines(...objects));
}

test('bronze from files, silver with expectations, gold aggregate: run, fed, run again gives exactly the batch result', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const p = Pipeline.fromText(pipelineSql(s.path('landing')), join(s.dir, 'qos.sql'));
  assert.deepEqual(p.graph.map((n) => n.dataset.name), ['bronze', 'silver', 'gold']);
  assert.match(p.describe(), /silver \(streaming table, line \d+\) <- STREAM\(bronze\)/);
  await land(s, 'a.json', { id: 1, cdn: 'X', ip: '1.2.3.4', bytes: 10 }, { id: 2, cdn: 'Y', ip: null, bytes: 20 }, { id: 3, cdn: 'x', ip: '5.6.7.8', bytes: 5000 });
  const lines: string[] = [];
  const first = await p.run(s.lake, { onProgress: (l) => lines.push(l) });
  assert.deepEqual(first.map((u) => [u.dataset, u.status, u.num_output_rows]), [['bronze', 'COMPLETED', 3], ['silver', 'COMPLETED', 2], ['gold', 'COMPLETED', 1]]);
  const silver = first[1];
  assert.equal(silver.dropped_records, 1);
  assert.deepEqual(silver.expectations.map((e) => [e.name, e.passed_records, e.failed_records]), [['valid_ip', 2, 1], ['small', 2, 1]]);
  assert.equal(lines.length, 3);
  assert.match(lines[1], /\[qos\] silver \(streaming table\): 2 rows written in 1 batch, 1 dropped/);

  await land(s, 'b.json', { id: 4, cdn: 'y', ip: '9.9.9.9', bytes: 1 }, { id: null, cdn: 'y', ip: '9.9.9.9', bytes: 1 });
  const second = await p.run(s.lake);
  assert.deepEqual(second.map((u) => u.num_output_rows), [2, 1, 2]);
  // A run with nothing new changes nothing.
  const third = await p.run(s.lake);
  assert.deepEqual(third.map((u) => u.num_output_rows), [0, 0, 2]);

  // Exactly the batch result over all files.
  assert.deepEqual(await rows(s.lake, 'SELECT cdn, events, CAST(bytes AS BIGINT) AS bytes FROM gold ORDER BY cdn'), [
    { cdn: 'x', events: 2, bytes: 5010 },
    { cdn: 'y', events: 1, bytes: 1 },
  ]);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM bronze'), [{ n: 5 }]);
  assert.deepEqual(await rows(s.lake, 'SELECT id FROM silver ORDER BY id'), [{ id: 1 }, { id: 3 }, { id: 4 }]);
  const detail = await s.lake.table('silver').detail();
  assert.deepEqual(detail.partitionColumns, ['cdn']);

  // The event log has one flow_progress per dataset per update, with the counts.
  const events = await rows(s.lake, "SELECT dataset, num_output_rows, dropped_records FROM event_log WHERE event_type = 'flow_progress' AND dataset = 'silver' ORDER BY timestamp");
  assert.deepEqual(events, [
    { dataset: 'silver', num_output_rows: 2, dropped_records: 1 },
    { dataset: 'silver', num_output_rows: 1, dropped_records: 0 },
    { dataset: 'silver', num_output_rows: 0, dropped_records: 0 },
  ]);
  // DESCRIBE HISTORY of the streaming table shows each batch's expectation counts.
  const history = await rows(s.lake, 'DESCRIBE HISTORY silver');
  assert.ok(history.some((h) => /"valid_ip"/.test(String(h['userMetadata']))));

  // Full refresh reads every file again, and gives the same tables.
  const refreshed = await p.run(s.lake, { fullRefresh: true });
  assert.deepEqual(refreshed.map((u) => u.num_output_rows), [5, 3, 2]);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM silver'), [{ n: 3 }]);
});

test('ON VIOLATION FAIL UPDATE stops the update, names the file, line, table and expectation, and writes nothing', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const sql = `CREATE OR REFRESH STREAMING TABLE raw AS SELECT * FROM STREAM read_files('${s.path('landing')}', format => 'json');\n\nCREATE STREAMING TABLE checked (CONSTRAINT positive EXPECT (n > 0) ON VIOLATION FAIL UPDATE)\nAS SELECT n FROM STREAM raw`;
  const p = Pipeline.fromText(sql, 'checks.sql');
  await land(s, 'a.json', { n: 1 }, { n: -1 });
  await assert.rejects(p.run(s.lake), code('EXPECTATION_VIOLATION', /checks\.sql:3 \(table checked\).*positive.*"n":-1/));
  await assert.rejects(s.lake.sql('SELECT * FROM checked'));
});

test('a pipeline file that is not one fails with coded errors naming the file and line', async () => {
  assert.throws(() => Pipeline.fromText('CREATE TABLE t AS SELECT 1', 'p.sql'), code('PIPELINE_UNSUPPORTED_STATEMENT', /^p\.sql:1: /));
  assert.throws(() => Pipeline.fromText('\n\nCREATE STREAMING TABLE t AS SELECT 1', 'p.sql'), code('PIPELINE_PARSE_ERROR', /p\.sql:3: streaming table t reads no stream/));
  assert.throws(() => Pipeline.fromText('CREATE MATERIALIZED VIEW v AS SELECT * FROM STREAM(t)', 'p.sql'), code('PIPELINE_PARSE_ERROR', /materialized view v reads STREAM/));
  assert.throws(
    () => Pipeline.fromText('CREATE MATERIALIZED VIEW a AS SELECT * FROM b;\nCREATE MATERIALIZED VIEW b AS SELECT * FROM a', 'p.sql'),
    code('PIPELINE_CYCLE', /a \(line 1\) reads b; b \(line 2\) reads a/),
  );
  assert.throws(() => Pipeline.fromText('CREATE MATERIALIZED VIEW a AS SELECT 1;\nCREATE MATERIALIZED VIEW a AS SELECT 2', 'p.sql'), code('PIPELINE_DUPLICATE_DATASET', /p\.sql:2: table a is already defined at line 1/));
  assert.throws(() => Pipeline.fromText("CREATE STREAMING TABLE t (CONSTRAINT c EXPECT (x > 0) ON VIOLATION EXPLODE) AS SELECT * FROM STREAM(s)", 'p.sql'), code('PIPELINE_PARSE_ERROR', /DROP ROW or FAIL UPDATE/));
});

test('a dataset whose input is not there yet is skipped, and so are those that read it', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await mkdir(s.path('landing'), { recursive: true });
  const p = Pipeline.fromText(`CREATE STREAMING TABLE a AS SELECT * FROM STREAM read_files('${s.path('landing')}', format => 'json');\nCREATE MATERIALIZED VIEW b AS SELECT count(*) AS n FROM a`, 'p.sql');
  const r = await p.run(s.lake);
  assert.deepEqual(r.map((u) => [u.dataset, u.status]), [['a', 'SKIPPED'], ['b', 'SKIPPED']]);
  await land(s, 'x.json', { v: 1 });
  const r2 = await p.run(s.lake);
  assert.deepEqual(r2.map((u) => [u.dataset, u.status, u.num_output_rows]), [['a', 'COMPLETED', 1], ['b', 'COMPLETED', 1]]);
});

test('continuous: tables start once their input exists, views follow new versions, stop() ends everything', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await mkdir(s.path('landing'), { recursive: true });
  const p = Pipeline.fromText(
    `CREATE STREAMING TABLE a AS SELECT * FROM STREAM read_files('${s.path('landing')}', format => 'json');\nCREATE STREAMING TABLE b AS SELECT v * 10 AS w FROM STREAM(a);\nCREATE MATERIALIZED VIEW c AS SELECT sum(w) AS total, count(*) AS n FROM b`,
    'live.sql',
  );
  const lines: string[] = [];
  const run = p.start(s.lake, { tickMs: 100, onProgress: (l) => lines.push(l) });
  const until = async (sql: string, want: unknown) => {
    for (let i = 0; i < 200; i++) {
      const got = await rows(s.lake, sql).catch(() => undefined);
      if (JSON.stringify(got) === JSON.stringify(want)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${sql} = ${JSON.stringify(want)}: ${lines.join('\n')}`);
  };
  await land(s, 'x.json', { v: 1 }, { v: 2 });
  await until('SELECT n FROM c', [{ n: 2 }]);
  await land(s, 'y.json', { v: 3 });
  await until('SELECT n FROM c', [{ n: 3 }]);
  await run.stop();
  await run.ended;
  assert.equal(s.lake.streams.active.length, 0);
  assert.ok(lines.some((l) => /\[live\] c \(materialized view\): 1 row recomputed/.test(l)));
});

test('pipeline parameters: ${name} takes its value; a missing one fails naming file and line, except in a comment', () => {
  const sql = "-- reads ${DIR}\nCREATE STREAMING TABLE t AS SELECT * FROM STREAM read_files('${DIR}', format => 'json')";
  const p = Pipeline.fromText(sql, 'p.sql', { parameters: { DIR: '/landing/x' }, name: 'named' });
  assert.equal(p.name, 'named');
  assert.match(JSON.stringify(p.def.datasets[0]), /\/landing\/x/);
  assert.throws(() => Pipeline.fromText(sql, 'p.sql'), code('PIPELINE_PARAMETER_NOT_SET', /^p\.sql:2: the pipeline parameter DIR is not set/));
  assert.doesNotThrow(() => Pipeline.fromText('-- ${ONLY_IN_A_COMMENT}\nCREATE MATERIALIZED VIEW v AS SELECT 1', 'p.sql'));
});

test('a pipeline of several files: datasets read each other across files; a table defined twice names both places', () => {
  const p = Pipeline.fromTexts([
    { file: 'gold.sql', text: 'CREATE MATERIALIZED VIEW g AS SELECT count(*) AS n FROM s' },
    { file: 'silver.sql', text: '\nCREATE STREAMING TABLE s AS SELECT * FROM STREAM(b)' },
  ]);
  assert.equal(p.name, 'gold');
  assert.deepEqual(p.graph.map((n) => `${n.dataset.name}@${n.dataset.file}:${n.dataset.line}`), ['s@silver.sql:2', 'g@gold.sql:1']);
  assert.equal(p.where(p.graph[0].dataset), 'silver.sql:2 (table s)');
  assert.throws(
    () => Pipeline.fromTexts([{ file: 'a.sql', text: 'CREATE MATERIALIZED VIEW v AS SELECT 1' }, { file: 'b.sql', text: 'CREATE MATERIALIZED VIEW v AS SELECT 2' }]),
    code('PIPELINE_DUPLICATE_DATASET', /^b\.sql:1: table v is already defined at a\.sql:1/),
  );
});
