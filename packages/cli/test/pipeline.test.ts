/**
 * `loch pipeline run | graph`: a SQL file of streaming tables and materialized views run from the
 * shell, a JSON line per dataset on stdout, progress on stderr, coded errors naming the file.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, loch, tempDir } from './support.js';

test('loch pipeline run: bronze, silver with an expectation, gold; run again takes only what is new', async () => {
  const dir = await tempDir('loch-pipeline-');
  const landing = join(dir, 'landing');
  const lake = join(dir, 'lake');
  await mkdir(landing);
  await writeFile(join(landing, 'a.json'), '{"id":1,"cdn":"a","ms":10}\n{"id":2,"cdn":"b","ms":-1}\n');
  const file = join(dir, 'qos.sql');
  await writeFile(
    file,
    `CREATE OR REFRESH STREAMING TABLE bronze AS SELECT * FROM STREAM read_files('${landing}', format => 'json');
CREATE OR REFRESH STREAMING TABLE silver (CONSTRAINT valid_ms EXPECT (ms >= 0) ON VIOLATION DROP ROW)
AS SELECT id, cdn, ms FROM STREAM(bronze);
CREATE OR REFRESH MATERIALIZED VIEW gold AS SELECT cdn, count(*) AS n FROM silver GROUP BY cdn;
`,
  );
  const graph = await loch('pipeline', 'graph', file);
  assert.equal(graph.code, 0, graph.stderr);
  assert.deepEqual(graph.stdout.trim().split('\n').map((l) => l.split(' ')[0]), ['bronze', 'silver', 'gold']);

  const first = await loch('pipeline', 'run', file, '--lake', lake);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(jsonLines(first.stdout).map((u) => [u.dataset, u.num_output_rows, u.dropped_records]), [['bronze', 2, 0], ['silver', 1, 1], ['gold', 1, 0]]);
  assert.match(first.stderr, /\[qos\] silver \(streaming table\): 1 row written in 1 batch, 1 dropped/);

  await writeFile(join(landing, 'b.json'), '{"id":3,"cdn":"b","ms":5}\n');
  const second = await loch('pipeline', file, '--lake', lake);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(jsonLines(second.stdout).map((u) => u.num_output_rows), [1, 1, 2]);
  const gold = await loch('sql', '--lake', lake, 'SELECT cdn, n FROM gold ORDER BY cdn');
  assert.deepEqual(jsonLines(gold.stdout), [{ cdn: 'a', n: 1 }, { cdn: 'b', n: 1 }]);
});

test('loch pipeline run: a statement that is not a pipeline table fails naming the file and line', async () => {
  const dir = await tempDir('loch-pipeline-');
  const file = join(dir, 'bad.sql');
  await writeFile(file, 'CREATE MATERIALIZED VIEW ok AS SELECT 1 AS x;\n\nDROP TABLE ok;\n');
  const r = await loch('pipeline', 'run', file, '--lake', join(dir, 'lake'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^PIPELINE_UNSUPPORTED_STATEMENT: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: `));
});

test('loch sql: CREATE OR REFRESH STREAMING TABLE / MATERIALIZED VIEW, then REFRESH in a later process takes only what is new', async () => {
  const dir = await tempDir('loch-sql-stream-');
  const landing = join(dir, 'landing');
  const lake = join(dir, 'lake');
  await mkdir(landing);
  await writeFile(join(landing, 'a.json'), '{"id":1,"cdn":"a"}\n{"id":2,"cdn":"b"}\n');
  const create = await loch(
    'sql', '--lake', lake,
    `CREATE OR REFRESH STREAMING TABLE bronze AS SELECT * FROM STREAM read_files('${landing}', format => 'json');
     CREATE OR REPLACE MATERIALIZED VIEW gold AS SELECT cdn, count(*) AS n FROM bronze GROUP BY cdn;
     SELECT * FROM gold ORDER BY cdn`,
  );
  assert.equal(create.code, 0, create.stderr);
  assert.match(create.stderr, /^bronze \(streaming table\): 2 rows written in 1 batch, version 0 in \d+ ms\ngold \(materialized view\): 2 rows recomputed, version 0 in \d+ ms\n$/);
  assert.deepEqual(jsonLines(create.stdout), [{ cdn: 'a', n: 1 }, { cdn: 'b', n: 1 }]);

  await writeFile(join(landing, 'b.json'), '{"id":3,"cdn":"a"}\n');
  const refresh = await loch('sql', '--lake', lake, 'REFRESH STREAMING TABLE bronze; REFRESH STREAMING TABLE bronze; REFRESH MATERIALIZED VIEW gold; SELECT * FROM gold ORDER BY cdn');
  assert.equal(refresh.code, 0, refresh.stderr);
  assert.match(refresh.stderr, /^bronze \(streaming table\): 1 row written in 1 batch, version 1 in \d+ ms\nbronze \(streaming table\): 0 rows written in 0 batches in \d+ ms\n/);
  assert.deepEqual(jsonLines(refresh.stdout), [{ cdn: 'a', n: 2 }, { cdn: 'b', n: 1 }]);

  const missing = await loch('sql', '--lake', lake, 'REFRESH MATERIALIZED VIEW nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^PIPELINE_DATASET_NOT_FOUND: statement 1: nope is not a materialized view of lake /);
});
