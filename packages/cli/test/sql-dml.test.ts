import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, loch, tempDir } from './support.js';

test('loch sql: the COVID-19 merge with schema evolution turned on by SET, in one call, prints the result row', async () => {
  const lake = join(await tempDir(), 'lake');
  const setup = await loch(
    'sql',
    `CREATE TABLE covid (Province_State STRING, Country_Region STRING, Last_Update TIMESTAMP, Confirmed INT, Deaths INT, Recovered INT) USING DELTA;
     INSERT INTO covid VALUES ('Washington', 'US', '2020-03-21 10:00:00', 1376, 74, 0);
     CREATE TABLE daily USING DELTA AS
       SELECT * FROM (VALUES
         (53000, NULL, 'Washington', 'US', TIMESTAMP '2020-03-22 10:00:00', 1793, 94, 0, 1699, 'Washington, US'),
         (1001, 'Autauga', 'Alabama', 'US', TIMESTAMP '2020-03-22 10:00:00', 1, 0, 0, 1, 'Autauga, Alabama, US'),
         (6037, 'Los Angeles', 'California', 'US', TIMESTAMP '2020-03-22 10:00:00', 407, 5, 0, 402, 'Los Angeles, California, US'))
       v(FIPS, Admin2, Province_State, Country_Region, Last_Update, Confirmed, Deaths, Recovered, Active, Combined_Key)`,
    '--lake',
    lake,
  );
  assert.equal(setup.code, 0, setup.stderr);
  const r = await loch(
    'sql',
    `SET spark.databricks.delta.schema.autoMerge.enabled = true;
     MERGE INTO covid AS t
     USING daily AS s
     ON t.Province_State = s.Province_State AND t.Country_Region = s.Country_Region
     WHEN MATCHED THEN UPDATE SET *
     WHEN NOT MATCHED THEN INSERT *`,
    '--lake',
    lake,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ num_affected_rows: 3, num_updated_rows: 1, num_deleted_rows: 0, num_inserted_rows: 2 }]);
  assert.equal(r.stderr, 'SET spark.databricks.delta.schema.autoMerge.enabled = true\n');

  const q = await loch('sql', "SELECT Province_State, Confirmed, FIPS, Combined_Key FROM covid WHERE Province_State = 'Washington'; DESCRIBE HISTORY covid LIMIT 1", '--lake', lake);
  assert.equal(q.code, 0, q.stderr);
  const [wa, h] = jsonLines(q.stdout);
  assert.deepEqual(wa, { Province_State: 'Washington', Confirmed: 1793, FIPS: 53000, Combined_Key: 'Washington, US' });
  assert.equal(h.operation, 'MERGE');
  assert.equal(h.operationMetrics.numTargetRowsInserted, '2');
  assert.equal(h.operationMetrics.numTargetRowsUpdated, '1');

  // Without the SET, the new source columns are not added (and INSERT * leaves them out).
  const lake2 = join(await tempDir(), 'lake');
  await loch('sql', "CREATE TABLE t (id INT) USING DELTA; INSERT INTO t VALUES (1); CREATE TABLE s USING DELTA AS SELECT 2 AS id, 'x' AS extra", '--lake', lake2);
  const plain = await loch('sql', 'MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *; SELECT * FROM t ORDER BY id', '--lake', lake2);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(jsonLines(plain.stdout), [{ num_affected_rows: 1, num_updated_rows: 0, num_deleted_rows: 0, num_inserted_rows: 1 }, { id: 1 }, { id: 2 }]);
});

test('loch sql: UPDATE, DELETE and ALTER TABLE by path and name; the table format', async () => {
  const dir = await tempDir();
  const lake = join(dir, 'lake');
  const path = join(dir, 'orders');
  const r = await loch(
    'sql',
    `CREATE TABLE delta.\`${path}\` (id INT, status STRING) USING DELTA;
     INSERT INTO delta.\`${path}\` VALUES (1, 'new'), (2, 'new'), (3, 'shipped');
     UPDATE delta.\`${path}\` o SET o.status = 'paid' WHERE o.status = 'new';
     DELETE FROM delta.\`${path}\` WHERE id = 3;
     ALTER TABLE delta.\`${path}\` ADD COLUMNS (note STRING COMMENT 'free text');
     SELECT * FROM delta.\`${path}\` ORDER BY id`,
    '--lake',
    lake,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ num_affected_rows: 2 }, { num_affected_rows: 1 }, { id: 1, status: 'paid', note: null }, { id: 2, status: 'paid', note: null }]);
  assert.match(r.stderr, new RegExp(`ALTER TABLE ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ADD COLUMNS: version 4\\n$`));
  const h = await loch('history', path);
  assert.equal(h.code, 0, h.stderr);
  assert.deepEqual(jsonLines(h.stdout).map((x) => x.operation), ['ADD COLUMNS', 'DELETE', 'UPDATE', 'WRITE', 'CREATE TABLE']);

  const t = await loch('sql', `UPDATE delta.\`${path}\` SET note = 'x'`, '--lake', lake, '--format', 'table');
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /\| num_affected_rows \|/);
  assert.match(t.stdout, /\| 2 +\|/);
});

test('loch sql: VACUUM retention check fails with a coded line; SET turns it off and the deleted paths print', async () => {
  const lake = join(await tempDir(), 'lake');
  await loch('sql', 'CREATE TABLE v (id INT) USING DELTA; INSERT INTO v VALUES (1); INSERT OVERWRITE v VALUES (2)', '--lake', lake);
  const refused = await loch('sql', 'VACUUM v RETAIN 0 HOURS', '--lake', lake);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^DELTA_VACUUM_RETENTION_TOO_SHORT: .*retentionDurationCheck/);

  const dry = await loch('sql', 'SET spark.databricks.delta.retentionDurationCheck.enabled = false; VACUUM v RETAIN 0 HOURS DRY RUN', '--lake', lake);
  assert.equal(dry.code, 0, dry.stderr);
  const [file] = jsonLines(dry.stdout).map((x) => x.path as string);
  assert.ok(file.startsWith(join(lake, 'v')) && existsSync(file), file);
  const run = await loch('sql', 'SET spark.databricks.delta.retentionDurationCheck.enabled = false; VACUUM v RETAIN 0 HOURS; SELECT * FROM v', '--lake', lake);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(jsonLines(run.stdout), [{ path: file }, { id: 2 }]);
  assert.ok(!existsSync(file));
});

test('loch sql: OPTIMIZE ZORDER BY and RESTORE print their rows; a violated constraint is a coded error', async () => {
  const lake = join(await tempDir(), 'lake');
  await loch('sql', 'CREATE TABLE z (a INT, b INT) USING DELTA; INSERT INTO z VALUES (1, 2); INSERT INTO z VALUES (3, 4); INSERT INTO z VALUES (5, -6)', '--lake', lake);
  const o = await loch('sql', 'OPTIMIZE z ZORDER BY (a, b)', '--lake', lake);
  assert.equal(o.code, 0, o.stderr);
  const [row] = jsonLines(o.stdout);
  assert.equal(row.path, join(lake, 'z'));
  assert.equal(row.metrics.numFilesRemoved, 3);
  assert.equal(row.metrics.numFilesAdded, 1);
  assert.equal(row.metrics.zOrderStats.numOutputCubes, 1);

  const c = await loch('sql', 'ALTER TABLE z ADD CONSTRAINT b_pos CHECK (b > 0)', '--lake', lake);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /^DELTA_CONSTRAINT_VIOLATION: .*1 row violates the new CHECK constraint b_pos \(b > 0\)\n$/);

  const r = await loch('sql', 'RESTORE TABLE z TO VERSION AS OF 2; SELECT count(*) AS n FROM z', '--lake', lake);
  assert.equal(r.code, 0, r.stderr);
  const [restored, count] = jsonLines(r.stdout);
  assert.equal(restored.num_of_files_after_restore, 2);
  assert.equal(restored.num_restored_files, 2);
  assert.equal(restored.num_removed_files, 1);
  assert.deepEqual(count, { n: 2 });

  const ok = await loch('sql', 'ALTER TABLE z ADD CONSTRAINT b_pos CHECK (b > 0); INSERT INTO z VALUES (7, -8)', '--lake', lake);
  assert.equal(ok.code, 1);
  assert.match(ok.stderr, /^ALTER TABLE z ADD CONSTRAINT: version 6\nDELTA_CONSTRAINT_VIOLATION: statement 2: .*b_pos/);
});
