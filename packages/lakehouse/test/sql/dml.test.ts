import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSnapshot } from '@loch/delta';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';
import { parseStatement, type MergeStatement, type UpdateStatement } from '../../src/sql/parse/statements.js';

async function lake(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-sql-dml-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir };
}

/** The rows of the last statement. */
async function rows(lh: Lakehouse, sql: string, conf?: Record<string, string>): Promise<StatementResult['rows']> {
  const results = await lh.sql(sql, conf ? { conf } : {});
  return results[results.length - 1].rows;
}

async function last(lh: Lakehouse, sql: string): Promise<StatementResult> {
  const results = await lh.sql(sql);
  return results[results.length - 1];
}

/** DESCRIBE HISTORY's newest entry. */
async function newest(lh: Lakehouse, table: string): Promise<{ operation: string; operationParameters: Record<string, string>; operationMetrics: Record<string, string> }> {
  const [h] = await rows(lh, `DESCRIBE HISTORY ${table} LIMIT 1`);
  return h as never;
}

test('parsing: MERGE aliases, sources and clauses; UPDATE assignments', () => {
  const m = parseStatement(
    `MERGE WITH SCHEMA EVOLUTION INTO delta.\`/data/t\` AS t USING (SELECT * FROM s WHERE x = 'WHEN') src ON t.id = src.id AND t.k = 'ON'
     WHEN MATCHED AND src.op = 'd' THEN DELETE
     WHEN MATCHED AND CASE WHEN src.a THEN true ELSE false END THEN UPDATE SET t.v = CASE WHEN src.v > 0 THEN src.v ELSE 0 END, w = coalesce(src.w, 1)
     WHEN MATCHED THEN UPDATE SET *
     WHEN NOT MATCHED BY TARGET AND src.id > 0 THEN INSERT (id, \`v\`) VALUES (src.id, [1, 2])
     WHEN NOT MATCHED THEN INSERT *
     WHEN NOT MATCHED BY SOURCE AND t.old THEN DELETE
     WHEN NOT MATCHED BY SOURCE THEN UPDATE SET v = NULL`,
  ) as MergeStatement;
  assert.equal(m.kind, 'merge');
  assert.deepEqual(m.target, { kind: 'path', path: '/data/t' });
  assert.equal(m.targetAlias, 't');
  assert.deepEqual(m.source, { kind: 'query', text: "SELECT * FROM s WHERE x = 'WHEN'" });
  assert.equal(m.sourceAlias, 'src');
  assert.equal(m.condition, "t.id = src.id AND t.k = 'ON'");
  assert.equal(m.schemaEvolution, true);
  assert.deepEqual(
    m.clauses.map((c) => [c.when, c.action, c.condition ?? null]),
    [
      ['matched', 'delete', "src.op = 'd'"],
      ['matched', 'update', 'CASE WHEN src.a THEN true ELSE false END'],
      ['matched', 'updateAll', null],
      ['notMatched', 'insert', 'src.id > 0'],
      ['notMatched', 'insertAll', null],
      ['notMatchedBySource', 'delete', 't.old'],
      ['notMatchedBySource', 'update', null],
    ],
  );
  assert.deepEqual(m.clauses[1].assignments, [
    { column: ['t', 'v'], value: 'CASE WHEN src.v > 0 THEN src.v ELSE 0 END' },
    { column: ['w'], value: 'coalesce(src.w, 1)' },
  ]);
  assert.deepEqual(m.clauses[3].assignments, [
    { column: ['id'], value: 'src.id' },
    { column: ['v'], value: '[1, 2]' },
  ]);

  const byTable = parseStatement('MERGE INTO t USING s VERSION AS OF 3 ON t.id = s.id WHEN MATCHED THEN DELETE') as MergeStatement;
  assert.deepEqual(byTable.source, { kind: 'table', table: { kind: 'name', name: 's' }, text: 's VERSION AS OF 3' });
  assert.equal(byTable.sourceAlias, undefined);
  assert.equal(byTable.targetAlias, undefined);
  const aliased = parseStatement("MERGE INTO t x USING delta.`/p` TIMESTAMP AS OF '2024-01-01' AS y ON x.id = y.id WHEN MATCHED THEN DELETE") as MergeStatement;
  assert.deepEqual([aliased.targetAlias, aliased.sourceAlias, aliased.source.kind], ['x', 'y', 'table']);
  const fn = parseStatement("MERGE INTO t USING read_parquet('/x.parquet') s ON t.id = s.id WHEN MATCHED THEN DELETE") as MergeStatement;
  assert.deepEqual(fn.source, { kind: 'query', text: "SELECT * FROM read_parquet('/x.parquet')" });

  const u = parseStatement("UPDATE events AS e SET e.kind = upper(e.kind), n = n + 1 WHERE e.id IN (1, 2) AND kind <> 'x'") as UpdateStatement;
  assert.deepEqual(u, {
    kind: 'update',
    table: { kind: 'name', name: 'events' },
    alias: 'e',
    set: [
      { column: ['e', 'kind'], value: 'upper(e.kind)' },
      { column: ['n'], value: 'n + 1' },
    ],
    where: "e.id IN (1, 2) AND kind <> 'x'",
  });
  assert.deepEqual(parseStatement('DELETE FROM t'), { kind: 'delete', table: { kind: 'name', name: 't' } });
  assert.deepEqual(parseStatement('OPTIMIZE t WHERE d = 1 ZORDER BY a, b'), { kind: 'optimize', table: { kind: 'name', name: 't' }, where: 'd = 1', zOrderBy: ['a', 'b'] });
  assert.deepEqual(parseStatement('VACUUM delta.`/p` RETAIN 0.5 HOURS DRY RUN'), { kind: 'vacuum', table: { kind: 'path', path: '/p' }, retainHours: 0.5, dryRun: true });
  assert.deepEqual(parseStatement('RESTORE t VERSION AS OF 2'), { kind: 'restore', table: { kind: 'name', name: 't' }, version: 2 });
  assert.deepEqual(parseStatement("RESTORE TABLE t TO TIMESTAMP AS OF '2024-01-01'"), { kind: 'restore', table: { kind: 'name', name: 't' }, timestamp: '2024-01-01' });

  // Malformed statements fail as SQL errors, not as DuckDB's.
  for (const bad of [
    'MERGE INTO t USING s ON t.id = s.id',
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN MATCHED AND s.x THEN DELETE',
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN INSERT *',
    'MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (a, b) VALUES (1)',
    'MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET *',
    'UPDATE t VERSION AS OF 1 SET a = 1',
    'UPDATE t SET',
    'VACUUM t RETAIN x HOURS',
    'RESTORE t',
  ]) {
    assert.throws(() => parseStatement(bad), { code: 'LOCH_SQL_ERROR' }, bad);
  }
});

test('MERGE with every clause kind: result row, table contents, DESCRIBE HISTORY', async () => {
  const { lh } = await lake();
  await lh.sql(`
    CREATE TABLE t (id BIGINT, grp STRING, v BIGINT) USING DELTA;
    INSERT INTO t SELECT i, 'g', i * 10 FROM range(1, 7) r(i);
    CREATE TABLE s (id BIGINT, grp STRING, v BIGINT) USING DELTA;
    INSERT INTO s VALUES (4, 'src', -4), (5, 'src', 5), (6, 'src', 6), (7, 'src', 7), (8, 'src', 8)`);
  const r = await last(
    lh,
    `MERGE INTO t USING s ON t.id = s.id
     WHEN MATCHED AND s.v < 0 THEN DELETE
     WHEN MATCHED AND t.id = 5 THEN UPDATE SET *
     WHEN MATCHED THEN UPDATE SET v = s.v * 100, grp = 'matched'
     WHEN NOT MATCHED BY TARGET AND s.id = 7 THEN INSERT (id, v) VALUES (s.id, s.v + 1000)
     WHEN NOT MATCHED THEN INSERT *
     WHEN NOT MATCHED BY SOURCE AND t.id = 1 THEN DELETE
     WHEN NOT MATCHED BY SOURCE THEN UPDATE SET grp = 'orphan'`,
  );
  assert.equal(r.kind, 'merge');
  assert.equal(r.returnsRows, true);
  assert.deepEqual(r.columns.map((c) => [c.name, c.deltaType]), [
    ['num_affected_rows', { kind: 'primitive', name: 'long' }],
    ['num_updated_rows', { kind: 'primitive', name: 'long' }],
    ['num_deleted_rows', { kind: 'primitive', name: 'long' }],
    ['num_inserted_rows', { kind: 'primitive', name: 'long' }],
  ]);
  // Updated: 5 (SET *), 6 (SET v), 2 and 3 (by source); deleted: 4 (matched), 1 (by source); inserted: 7, 8.
  assert.deepEqual(r.rows, [{ num_affected_rows: 8, num_updated_rows: 4, num_deleted_rows: 2, num_inserted_rows: 2 }]);
  assert.equal(r.version, 2);
  assert.equal(r.summary, 'MERGE INTO t: 4 updated, 2 deleted, 2 inserted (version 2)');
  assert.equal(r.metrics!.scans[0].table, 's');
  assert.equal(r.toArrow().numRows, 1);
  assert.deepEqual(await rows(lh, 'SELECT * FROM t ORDER BY id'), [
    { id: 2, grp: 'orphan', v: 20 },
    { id: 3, grp: 'orphan', v: 30 },
    { id: 5, grp: 'src', v: 5 },
    { id: 6, grp: 'matched', v: 600 },
    { id: 7, grp: null, v: 1007 },
    { id: 8, grp: 'src', v: 8 },
  ]);
  const h = await newest(lh, 't');
  assert.equal(h.operation, 'MERGE');
  assert.equal(h.operationParameters.predicate, '["t.id = s.id"]');
  assert.equal(JSON.parse(h.operationParameters.matchedPredicates).length, 3);
  assert.equal(JSON.parse(h.operationParameters.notMatchedBySourcePredicates).length, 2);
  assert.equal(h.operationMetrics.numSourceRows, '5');
  assert.equal(h.operationMetrics.numTargetRowsInserted, '2');
  assert.equal(h.operationMetrics.numTargetRowsUpdated, '4');
  assert.equal(h.operationMetrics.numTargetRowsDeleted, '2');
  assert.equal(h.operationMetrics.numTargetRowsNotMatchedBySourceUpdated, '2');

  // Nothing to do: no commit, zero counts.
  const none = await last(lh, 'MERGE INTO t USING s ON t.id = s.id AND false WHEN MATCHED THEN DELETE');
  assert.deepEqual(none.rows, [{ num_affected_rows: 0, num_updated_rows: 0, num_deleted_rows: 0, num_inserted_rows: 0 }]);
  assert.equal(none.version, undefined);
});

test('MERGE schema evolution: by the session conf (SET), by WITH SCHEMA EVOLUTION, and not without either', async () => {
  const { lh } = await lake();
  await lh.sql(`
    CREATE TABLE people (id INT, name STRING) USING DELTA;
    INSERT INTO people VALUES (1, 'ann'), (2, 'bob');
    CREATE TABLE updates USING DELTA AS SELECT * FROM (VALUES (2, 'bobby', 'NL'), (3, 'cy', 'DE')) v(id, name, country)`);
  // Without evolution, the source's extra column is left out (UPDATE SET * and INSERT * set the target's columns).
  await lh.sql('MERGE INTO people p USING updates u ON p.id = u.id WHEN MATCHED THEN UPDATE SET *');
  assert.deepEqual(await rows(lh, 'SELECT * FROM people ORDER BY id'), [
    { id: 1, name: 'ann' },
    { id: 2, name: 'bobby' },
  ]);
  const [set, merged, selected] = await lh.sql(`
    SET spark.databricks.delta.schema.autoMerge.enabled = true;
    MERGE INTO people p USING updates u ON p.id = u.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;
    SELECT * FROM people ORDER BY id`);
  assert.equal(set.summary, 'SET spark.databricks.delta.schema.autoMerge.enabled = true');
  assert.deepEqual(merged.rows, [{ num_affected_rows: 2, num_updated_rows: 1, num_deleted_rows: 0, num_inserted_rows: 1 }]);
  assert.deepEqual(selected.rows, [
    { id: 1, name: 'ann', country: null },
    { id: 2, name: 'bobby', country: 'NL' },
    { id: 3, name: 'cy', country: 'DE' },
  ]);
  const s = await loadSnapshot(lh.table('people').engine, (await lh.table('people').location()));
  assert.deepEqual(s.schema.fields.map((f) => [f.name, f.nullable]), [['id', true], ['name', true], ['country', true]]);

  await lh.sql("MERGE WITH SCHEMA EVOLUTION INTO people p USING (SELECT 4 AS id, 'dee' AS name, 'FR' AS country, 1.5 AS score) u ON p.id = u.id WHEN NOT MATCHED THEN INSERT *");
  assert.deepEqual(await rows(lh, 'SELECT * FROM people WHERE id = 4'), [{ id: 4, name: 'dee', country: 'FR', score: '1.5' }]);
  assert.equal((await newest(lh, 'people')).operation, 'MERGE');
});

test('MERGE sources: a Delta table by name at a version, by path, a subquery over Delta tables, a TEMP table', async () => {
  const { lh, dir } = await lake();
  const path = join(dir, 'by-path');
  await lh.sql(`
    CREATE TABLE target (id INT, v STRING) USING DELTA;
    INSERT INTO target VALUES (1, 'a'), (2, 'b');
    CREATE TABLE changes (id INT, v STRING) USING DELTA;
    INSERT INTO changes VALUES (1, 'v1');
    INSERT INTO changes VALUES (3, 'v2');
    CREATE TABLE delta.\`${path}\` (id INT, w STRING) USING DELTA;
    INSERT INTO delta.\`${path}\` VALUES (2, 'p2'), (4, 'p4')`);
  // The source at version 1 has only id 1.
  const r1 = await last(lh, 'MERGE INTO target AS t USING changes VERSION AS OF 1 AS c ON t.id = c.id WHEN MATCHED THEN UPDATE SET v = c.v WHEN NOT MATCHED THEN INSERT *');
  assert.deepEqual(r1.rows, [{ num_affected_rows: 1, num_updated_rows: 1, num_deleted_rows: 0, num_inserted_rows: 0 }]);
  assert.deepEqual(r1.metrics!.scans.map((s) => [s.table, s.version]), [['changes', 1]]);
  // By path, no alias: the source is called `source`.
  await lh.sql(`MERGE INTO target t USING delta.\`${path}\` ON t.id = source.id WHEN MATCHED THEN UPDATE SET v = source.w WHEN NOT MATCHED THEN INSERT (id, v) VALUES (source.id, source.w)`);
  assert.deepEqual(await rows(lh, 'SELECT * FROM target ORDER BY id'), [
    { id: 1, v: 'v1' },
    { id: 2, v: 'p2' },
    { id: 4, v: 'p4' },
  ]);
  // A subquery joining two Delta tables.
  const r3 = await last(
    lh,
    `MERGE INTO target t USING (SELECT c.id, c.v || '+' || coalesce(p.w, '-') AS v FROM changes c LEFT JOIN delta.\`${path}\` p ON p.id = c.id) AS s
     ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.v = s.v WHEN NOT MATCHED THEN INSERT *`,
  );
  assert.deepEqual(r3.rows, [{ num_affected_rows: 2, num_updated_rows: 1, num_deleted_rows: 0, num_inserted_rows: 1 }]);
  assert.equal(r3.metrics!.scans.length, 2);
  assert.deepEqual(await rows(lh, 'SELECT * FROM target ORDER BY id'), [
    { id: 1, v: 'v1+-' },
    { id: 2, v: 'p2' },
    { id: 3, v: 'v2+-' },
    { id: 4, v: 'p4' },
  ]);
  // A session TEMP table (on the session's connection only) still works as the source.
  const [, , merged] = await lh.sql(`
    CREATE TEMP TABLE staged AS SELECT 4 AS id, 'temp' AS v;
    SET loch.test = 1;
    MERGE INTO target t USING staged s ON t.id = s.id WHEN MATCHED THEN DELETE`);
  assert.deepEqual(merged.rows, [{ num_affected_rows: 1, num_updated_rows: 0, num_deleted_rows: 1, num_inserted_rows: 0 }]);
  assert.deepEqual(await rows(lh, 'SELECT id FROM target ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 3 }]);
});

test('MERGE errors: several source rows matching a target row, unknown columns and tables, ambiguous aliases', async () => {
  const { lh } = await lake();
  await lh.sql("CREATE TABLE t (id INT, v STRING) USING DELTA; INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  await assert.rejects(lh.sql("MERGE INTO t USING (SELECT 1 AS id, 'x' AS v UNION ALL SELECT 1, 'y') s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v"), {
    code: 'DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW',
  });
  // An unconditional delete is defined whatever matches (as in Delta).
  const [del] = await lh.sql('MERGE INTO t USING (SELECT 1 AS id UNION ALL SELECT 1) s ON t.id = s.id WHEN MATCHED THEN DELETE');
  assert.equal(del.rows[0].num_deleted_rows, 1);
  await assert.rejects(lh.sql('MERGE INTO t USING (SELECT 5 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, nope) VALUES (s.id, 1)'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('MERGE INTO t USING (SELECT 2 AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET nope = 1'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('MERGE INTO t USING (SELECT 2 AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET s.id = 1'), { code: 'LOCH_SQL_ERROR' });
  await assert.rejects(lh.sql('MERGE INTO t USING missing s ON t.id = s.id WHEN MATCHED THEN DELETE'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await assert.rejects(lh.sql('MERGE INTO missing USING t ON missing.id = t.id WHEN MATCHED THEN DELETE'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await assert.rejects(lh.sql('MERGE INTO t USING t VERSION AS OF 1 ON t.id = t.id WHEN MATCHED THEN DELETE'), { code: 'LOCH_SQL_ERROR', message: /give one of them an alias/ });
  await assert.rejects(lh.sql('MERGE INTO t USING (SELECT nope FROM range(1)) s ON t.id = s.id WHEN MATCHED THEN DELETE'), { code: 'LOCH_SQL_ERROR', message: /Binder Error/ });
  assert.deepEqual(await rows(lh, 'SELECT * FROM t ORDER BY id'), [{ id: 2, v: 'b' }]);
});

test('UPDATE and DELETE: with and without WHERE, aliases and table-name qualifiers, subqueries over Delta tables', async () => {
  const { lh, dir } = await lake();
  const path = join(dir, 'flags');
  await lh.sql(`
    CREATE TABLE events (id INT, kind STRING, n INT) USING DELTA PARTITIONED BY (kind);
    INSERT INTO events VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3), (4, 'c', 4);
    CREATE TABLE delta.\`${path}\` (id INT) USING DELTA;
    INSERT INTO delta.\`${path}\` VALUES (3), (4)`);
  const u1 = await last(lh, "UPDATE events AS e SET e.n = e.n * 10 WHERE e.kind = 'a'");
  assert.equal(u1.kind, 'update');
  assert.deepEqual(u1.columns.map((c) => c.name), ['num_affected_rows']);
  assert.deepEqual(u1.rows, [{ num_affected_rows: 2 }]);
  assert.equal(u1.version, 2);
  assert.equal(u1.summary, 'UPDATE events: 2 rows (version 2)');
  const h1 = await newest(lh, 'events');
  assert.equal(h1.operation, 'UPDATE');
  // The alias is gone from what the commit records: the predicate is over the table's columns.
  assert.equal(h1.operationParameters.predicate, `["kind = 'a'"]`);
  assert.equal(h1.operationMetrics.numUpdatedRows, '2');
  // The table's own name qualifies columns when there is no alias; `quoted` names are Spark's.
  assert.deepEqual((await last(lh, 'UPDATE events SET events.`n` = events.n + 1 WHERE events.id IN (SELECT id FROM delta.`' + path + '`)')).rows, [{ num_affected_rows: 2 }]);
  assert.deepEqual((await last(lh, 'UPDATE events SET kind = upper(kind)')).rows, [{ num_affected_rows: 4 }]);
  assert.deepEqual(await rows(lh, 'SELECT * FROM events ORDER BY id'), [
    { id: 1, kind: 'A', n: 10 },
    { id: 2, kind: 'A', n: 20 },
    { id: 3, kind: 'B', n: 4 },
    { id: 4, kind: 'C', n: 5 },
  ]);
  // A WHERE nothing matches: no commit.
  const none = await last(lh, 'UPDATE events SET n = 0 WHERE id > 100');
  assert.deepEqual([none.rows, none.version], [[{ num_affected_rows: 0 }], undefined]);

  const d1 = await last(lh, 'DELETE FROM events ev WHERE ev.n >= 10');
  assert.equal(d1.kind, 'delete');
  assert.deepEqual(d1.rows, [{ num_affected_rows: 2 }]);
  const h2 = await newest(lh, 'events');
  assert.equal(h2.operation, 'DELETE');
  assert.equal(h2.operationMetrics.numDeletedRows, '2');
  assert.deepEqual(await rows(lh, 'SELECT id FROM events ORDER BY id'), [{ id: 3 }, { id: 4 }]);
  assert.deepEqual((await last(lh, `DELETE FROM delta.\`${path}\``)).rows, [{ num_affected_rows: 2 }]);
  assert.deepEqual((await last(lh, 'DELETE FROM events')).rows, [{ num_affected_rows: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM events'), [{ n: 0 }]);
  assert.deepEqual(
    (await lh.table('events').history()).map((h) => h.operation),
    ['DELETE', 'DELETE', 'UPDATE', 'UPDATE', 'UPDATE', 'WRITE', 'CREATE TABLE'],
  );

  // Checked even when the table is empty (no file to rewrite).
  await assert.rejects(lh.sql('UPDATE events SET nope = 1'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('UPDATE events SET n = nope'), { code: 'DELTA_INVALID_ARGUMENT', message: /nope/ });
  await assert.rejects(lh.sql('DELETE FROM events WHERE nope = 1'), { code: 'DELTA_INVALID_ARGUMENT', message: /nope/ });
  await assert.rejects(lh.sql('UPDATE events SET n = 1, N = 2'), { code: 'LOCH_SQL_ERROR' });
  await assert.rejects(lh.sql('DELETE FROM missing WHERE true'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await assert.rejects(lh.sql("CREATE TABLE ao (a INT) TBLPROPERTIES ('delta.appendOnly' = 'true'); INSERT INTO ao VALUES (1); DELETE FROM ao"), { code: 'DELTA_APPEND_ONLY' });
});

test('UPDATE, DELETE, MERGE and ALTER TABLE of a DuckDB TEMP table stay DuckDB statements', async () => {
  const { lh } = await lake();
  const r = await lh.sql(`
    CREATE TEMP TABLE tmp AS SELECT id AS a FROM range(3);
    UPDATE tmp SET a = a * 10 WHERE a > 0;
    DELETE FROM tmp WHERE a = 0;
    ALTER TABLE tmp ADD COLUMN b INT;
    MERGE INTO tmp USING (SELECT 20 AS a) s ON tmp.a = s.a WHEN MATCHED THEN UPDATE SET b = 1;
    SELECT * FROM tmp ORDER BY a`);
  assert.deepEqual(r.map((x) => x.kind), ['query', 'query', 'query', 'query', 'query', 'query']);
  assert.deepEqual(r[5].rows, [
    { a: 10, b: null },
    { a: 20, b: 1 },
  ]);
});

test('OPTIMIZE: compaction, ZORDER BY with and without parentheses, WHERE on partitions; metrics row and history', async () => {
  const { lh } = await lake();
  await lh.sql(`
    CREATE TABLE pts (x INT, y INT, p STRING) USING DELTA PARTITIONED BY (p);
    INSERT INTO pts SELECT i, 100 - i, 'a' FROM range(0, 50) r(i);
    INSERT INTO pts SELECT i, 100 - i, 'a' FROM range(50, 100) r(i);
    INSERT INTO pts SELECT i, i, 'b' FROM range(0, 10) r(i);
    INSERT INTO pts SELECT i, i, 'b' FROM range(10, 20) r(i)`);
  const w = await last(lh, "OPTIMIZE pts WHERE p = 'b'");
  assert.equal(w.kind, 'optimize');
  assert.deepEqual(w.columns.map((c) => c.name), ['path', 'metrics']);
  assert.equal(w.rows[0].path, join(lh.dir, 'pts'));
  const wm = w.rows[0].metrics as Record<string, unknown>;
  assert.equal(wm.numFilesRemoved, 2);
  assert.equal(wm.numFilesAdded, 1);
  assert.equal(wm.partitionsOptimized, 1);
  assert.equal(wm.zOrderStats, null);
  assert.deepEqual(Object.keys(wm.filesRemoved as object), ['min', 'max', 'avg', 'totalFiles', 'totalSize']);
  assert.equal((wm.filesRemoved as { totalFiles: number }).totalFiles, 2);

  const z = await last(lh, 'OPTIMIZE pts ZORDER BY (x, y)');
  const zm = z.rows[0].metrics as Record<string, unknown>;
  assert.equal(zm.numFilesRemoved, 3);
  assert.equal(zm.numFilesAdded, 2);
  assert.equal((zm.zOrderStats as { numOutputCubes: number }).numOutputCubes, 2);
  assert.equal(z.toArrow().numRows, 1);
  const h = await newest(lh, 'pts');
  assert.equal(h.operation, 'OPTIMIZE');
  assert.equal(h.operationParameters.zOrderBy, '["x","y"]');
  assert.equal(h.operationMetrics.numFilesRemoved, '3');
  // Z-ordered by the same columns already: nothing to do, and no commit.
  const again = await last(lh, 'OPTIMIZE pts ZORDER BY x, y');
  assert.equal((again.rows[0].metrics as { numFilesRemoved: number }).numFilesRemoved, 0);
  assert.equal(again.version, undefined);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n, sum(x) AS sx FROM pts'), [{ n: 120, sx: 5140 }]);
  await assert.rejects(lh.sql('OPTIMIZE pts ZORDER BY (nope)'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('OPTIMIZE pts ZORDER BY (p)'), { code: 'DELTA_INVALID_ARGUMENT' });
});

test('VACUUM: DRY RUN lists absolute paths, the retention check fails, SET turns it off', async () => {
  const { lh } = await lake();
  await lh.sql(`
    CREATE TABLE v (id INT) USING DELTA;
    INSERT INTO v VALUES (1);
    INSERT INTO v VALUES (2);
    DELETE FROM v WHERE id = 1`);
  // Within the default retention (7 days) nothing may go.
  const dry = await last(lh, 'VACUUM v DRY RUN');
  assert.equal(dry.kind, 'vacuum');
  assert.deepEqual(dry.columns.map((c) => c.name), ['path']);
  assert.deepEqual(dry.rows, []);
  await assert.rejects(lh.sql('VACUUM v RETAIN 0 HOURS DRY RUN'), { code: 'DELTA_VACUUM_RETENTION_TOO_SHORT', message: /spark\.databricks\.delta\.retentionDurationCheck\.enabled/ });
  const [, listed] = await lh.sql('SET spark.databricks.delta.retentionDurationCheck.enabled = false; VACUUM v RETAIN 0 HOURS DRY RUN');
  assert.equal(listed.rows.length, 1);
  const file = listed.rows[0].path as string;
  assert.ok(file.startsWith(join(lh.dir, 'v') + '/') && file.endsWith('.parquet'), file);
  assert.ok(existsSync(file));
  assert.match(listed.summary!, /DRY RUN: 1 file \(\d+ bytes\) would be deleted/);
  // SET lasts for its session only; conf given to sql() works as SET does.
  await assert.rejects(lh.sql('VACUUM v RETAIN 0 HOURS'), { code: 'DELTA_VACUUM_RETENTION_TOO_SHORT' });
  assert.ok(existsSync(file));
  const [vacuumed] = await lh.sql('VACUUM v RETAIN 0 HOURS', { conf: { 'spark.databricks.delta.retentionDurationCheck.enabled': 'false' } });
  assert.deepEqual(vacuumed.rows, [{ path: file }]);
  assert.ok(!existsSync(file));
  assert.deepEqual(await rows(lh, 'SELECT * FROM v'), [{ id: 2 }]);
  assert.deepEqual((await lh.table('v').history(2)).map((h) => h.operation), ['VACUUM END', 'VACUUM START']);
});

test('RESTORE by version and by timestamp: metrics row, table contents, history', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE r (id INT) USING DELTA');
  await sleep(15);
  await lh.sql('INSERT INTO r VALUES (1)');
  await sleep(15);
  await lh.sql('INSERT INTO r VALUES (2)');
  await sleep(15);
  await lh.sql('DELETE FROM r WHERE id = 1');
  const res = await last(lh, 'RESTORE TABLE r TO VERSION AS OF 1');
  assert.equal(res.kind, 'restore');
  assert.deepEqual(res.columns.map((c) => c.name), [
    'table_size_after_restore',
    'num_of_files_after_restore',
    'num_removed_files',
    'num_restored_files',
    'removed_files_size',
    'restored_files_size',
  ]);
  const m = res.rows[0] as Record<string, number>;
  assert.equal(m.num_of_files_after_restore, 1);
  assert.equal(m.num_removed_files, 1);
  assert.equal(m.num_restored_files, 1);
  assert.equal(m.table_size_after_restore, m.restored_files_size);
  assert.equal(res.version, 4);
  assert.deepEqual(await rows(lh, 'SELECT * FROM r'), [{ id: 1 }]);
  const h = await newest(lh, 'r');
  assert.equal(h.operation, 'RESTORE');
  assert.equal(h.operationParameters.version, '1');
  assert.equal(h.operationMetrics.numRestoredFiles, '1');

  // By timestamp: the commit time of version 2 restores version 2.
  const v2 = (await lh.table('r').history()).find((x) => x.version === 2)!;
  const iso = new Date(v2.timestamp).toISOString();
  await lh.sql(`RESTORE r TIMESTAMP AS OF '${iso}'`);
  assert.deepEqual(await rows(lh, 'SELECT * FROM r ORDER BY id'), [{ id: 1 }, { id: 2 }]);
  assert.equal((await newest(lh, 'r')).operationParameters.timestamp, iso);
  // Any timestamp expression DuckDB evaluates.
  const v3 = (await lh.table('r').history()).find((x) => x.version === 3)!;
  await lh.sql(`RESTORE TABLE r TO TIMESTAMP AS OF to_timestamp(${v3.timestamp / 1000})`);
  assert.deepEqual(await rows(lh, 'SELECT * FROM r ORDER BY id'), [{ id: 2 }]);
  await assert.rejects(lh.sql('RESTORE r VERSION AS OF 99'), { code: 'DELTA_VERSION_NOT_FOUND' });
  await assert.rejects(lh.sql("RESTORE r TIMESTAMP AS OF '2000-01-01'"), { code: 'DELTA_TIMESTAMP_OUT_OF_RANGE' });
});

test('ALTER TABLE ADD COLUMN(S): nullable columns with comments and positions; an existing column fails', async () => {
  const { lh } = await lake();
  await lh.sql("CREATE TABLE a (id INT NOT NULL, name STRING) USING DELTA; INSERT INTO a VALUES (1, 'x')");
  const [added] = await lh.sql("ALTER TABLE a ADD COLUMNS (score DOUBLE COMMENT 'the score', tags ARRAY<STRING>, first_col DATE FIRST, after_id BIGINT AFTER id)");
  assert.equal(added.kind, 'alterTable');
  assert.equal(added.returnsRows, false);
  assert.equal(added.summary, 'ALTER TABLE a ADD COLUMNS: version 2');
  await lh.sql('ALTER TABLE a ADD COLUMN flag BOOLEAN');
  const s = await loadSnapshot(lh.table('a').engine, (await lh.table('a').location()));
  assert.deepEqual(s.schema.fields.map((f) => [f.name, f.nullable]), [
    ['first_col', true],
    ['id', false],
    ['after_id', true],
    ['name', true],
    ['score', true],
    ['tags', true],
    ['flag', true],
  ]);
  assert.deepEqual(s.schema.fields.find((f) => f.name === 'score')!.metadata, { comment: 'the score' });
  assert.deepEqual(await rows(lh, 'SELECT * FROM a'), [{ first_col: null, id: 1, after_id: null, name: 'x', score: null, tags: null, flag: null }]);
  await lh.sql("INSERT INTO a (id, name, score, flag) VALUES (2, 'y', 0.5, true)");
  assert.deepEqual(await rows(lh, 'SELECT id, score, flag FROM a ORDER BY id'), [
    { id: 1, score: null, flag: null },
    { id: 2, score: 0.5, flag: true },
  ]);
  const h = (await lh.table('a').history()).find((x) => x.version === 2)!;
  assert.equal(h.operation, 'ADD COLUMNS');
  assert.deepEqual(JSON.parse(h.operationParameters.columns as string)[0], { column: { name: 'score', type: 'double', nullable: true, metadata: { comment: 'the score' } } });
  assert.equal(JSON.parse(h.operationParameters.columns as string)[2].position, 'FIRST');
  assert.equal(JSON.parse(h.operationParameters.columns as string)[3].position, 'AFTER id');

  await assert.rejects(lh.sql('ALTER TABLE a ADD COLUMN NAME STRING'), { code: 'DELTA_SCHEMA_MISMATCH', message: /'name'/ });
  await assert.rejects(lh.sql('ALTER TABLE a ADD COLUMNS (z INT, z INT)'), { code: 'DELTA_SCHEMA_MISMATCH', message: /'z'/ });
  await assert.rejects(lh.sql('ALTER TABLE a ADD COLUMN z INT AFTER nope'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('ALTER TABLE a ADD COLUMN z INT NOT NULL'), { code: 'LOCH_SQL_ERROR' });
  await assert.rejects(lh.sql('ALTER TABLE missing ADD COLUMN z INT'), { code: 'DELTA_TABLE_NOT_FOUND' });
});

test('ALTER TABLE SET / UNSET TBLPROPERTIES', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE p (id INT) USING DELTA');
  await lh.sql("ALTER TABLE p SET TBLPROPERTIES ('owner' = 'ann', delta.appendOnly = true, 'comment' = 'a table')");
  const [d] = await rows(lh, 'DESCRIBE DETAIL p');
  assert.deepEqual(d.properties, { owner: 'ann', 'delta.appendOnly': 'true' });
  assert.equal(d.description, 'a table');
  let h = await newest(lh, 'p');
  assert.equal(h.operation, 'SET TBLPROPERTIES');
  assert.deepEqual(JSON.parse(h.operationParameters.properties), { owner: 'ann', 'delta.appendOnly': 'true', comment: 'a table' });
  // The property is in force: the table is append-only now.
  await lh.sql('INSERT INTO p VALUES (1)');
  await assert.rejects(lh.sql('DELETE FROM p'), { code: 'DELTA_APPEND_ONLY' });

  await assert.rejects(lh.sql("ALTER TABLE p UNSET TBLPROPERTIES ('nope')"), { code: 'DELTA_INVALID_ARGUMENT', message: /nope/ });
  await lh.sql("ALTER TABLE p UNSET TBLPROPERTIES IF EXISTS ('nope', 'delta.appendOnly')");
  h = await newest(lh, 'p');
  assert.equal(h.operation, 'UNSET TBLPROPERTIES');
  assert.deepEqual(h.operationParameters, { properties: '["nope","delta.appendOnly"]', ifExists: 'true' });
  assert.deepEqual((await rows(lh, 'DESCRIBE DETAIL p'))[0].properties, { owner: 'ann' });
  assert.deepEqual((await last(lh, 'DELETE FROM p')).rows, [{ num_affected_rows: 1 }]);

  // Raising the protocol through properties; deletion vectors need table features.
  await lh.sql("ALTER TABLE p SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
  const [dv] = await rows(lh, 'DESCRIBE DETAIL p');
  assert.equal(dv.minReaderVersion, 3);
  assert.equal(dv.minWriterVersion, 7);
  assert.ok((dv.tableFeatures as string[]).includes('deletionVectors'));
  await assert.rejects(lh.sql("ALTER TABLE p SET TBLPROPERTIES ('delta.constraints.c' = 'id > 0')"), { code: 'DELTA_INVALID_ARGUMENT' });
});

test('ALTER TABLE ADD / DROP CONSTRAINT: existing rows are checked, later writes are held to it', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE c (id INT, qty INT) USING DELTA; INSERT INTO c VALUES (1, 5), (2, NULL), (3, 0)');
  // Existing rows violate it (0 and NULL): nothing is committed.
  await assert.rejects(lh.sql('ALTER TABLE c ADD CONSTRAINT positive_qty CHECK (qty > 0)'), {
    code: 'DELTA_CONSTRAINT_VIOLATION',
    message: /2 rows violate the new CHECK constraint positive_qty \(qty > 0\)/,
  });
  assert.equal((await newest(lh, 'c')).operation, 'WRITE');
  await assert.rejects(lh.sql('ALTER TABLE c ADD CONSTRAINT bad CHECK (qty + 1)'), { code: 'DELTA_INVALID_ARGUMENT', message: /boolean/ });
  await assert.rejects(lh.sql('ALTER TABLE c ADD CONSTRAINT bad CHECK (nope > 1)'), { code: 'DELTA_INVALID_ARGUMENT' });

  const [added] = await lh.sql('ALTER TABLE c ADD CONSTRAINT qty_ok CHECK (`qty` IS NULL OR qty >= 0)');
  assert.equal(added.summary, 'ALTER TABLE c ADD CONSTRAINT: version 2');
  const [d] = await rows(lh, 'DESCRIBE DETAIL c');
  assert.deepEqual(d.properties, { 'delta.constraints.qty_ok': 'qty IS NULL OR qty >= 0' });
  assert.ok((d.minWriterVersion as number) >= 3);
  const h = await newest(lh, 'c');
  assert.equal(h.operation, 'ADD CONSTRAINT');
  assert.deepEqual(h.operationParameters, { name: 'qty_ok', expr: 'qty IS NULL OR qty >= 0' });

  await assert.rejects(lh.sql('INSERT INTO c VALUES (4, -1)'), { code: 'DELTA_CONSTRAINT_VIOLATION', message: /qty_ok/ });
  await assert.rejects(lh.sql('UPDATE c SET qty = -5 WHERE id = 1'), { code: 'DELTA_CONSTRAINT_VIOLATION', message: /qty_ok/ });
  await assert.rejects(lh.sql('MERGE INTO c USING (SELECT 9 AS id, -9 AS qty) s ON c.id = s.id WHEN NOT MATCHED THEN INSERT *'), { code: 'DELTA_CONSTRAINT_VIOLATION' });
  await assert.rejects(lh.sql('ALTER TABLE c ADD CONSTRAINT QTY_OK CHECK (true)'), { code: 'DELTA_INVALID_ARGUMENT', message: /already has a constraint qty_ok/ });
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM c'), [{ n: 3 }]);

  await assert.rejects(lh.sql('ALTER TABLE c DROP CONSTRAINT nope'), { code: 'DELTA_INVALID_ARGUMENT' });
  await lh.sql('ALTER TABLE c DROP CONSTRAINT IF EXISTS nope');
  await lh.sql('ALTER TABLE c DROP CONSTRAINT qty_ok');
  const dropped = await newest(lh, 'c');
  assert.equal(dropped.operation, 'DROP CONSTRAINT');
  assert.deepEqual(dropped.operationParameters, { name: 'qty_ok', expr: 'qty IS NULL OR qty >= 0' });
  assert.deepEqual((await rows(lh, 'DESCRIBE DETAIL c'))[0].properties, {});
  await lh.sql('INSERT INTO c VALUES (4, -1)');
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM c'), [{ n: 4 }]);
});

test('ALTER TABLE ADD CONSTRAINT on a table-features protocol lists checkConstraints', async () => {
  const { lh } = await lake();
  await lh.sql("CREATE TABLE f (id INT) USING DELTA TBLPROPERTIES ('delta.enableDeletionVectors' = 'true'); INSERT INTO f VALUES (1)");
  await lh.sql('ALTER TABLE f ADD CONSTRAINT id_pos CHECK (id > 0)');
  const [d] = await rows(lh, 'DESCRIBE DETAIL f');
  assert.equal(d.minWriterVersion, 7);
  assert.ok((d.tableFeatures as string[]).includes('checkConstraints'), String(d.tableFeatures));
  await assert.rejects(lh.sql('INSERT INTO f VALUES (0)'), { code: 'DELTA_CONSTRAINT_VIOLATION' });
});

test('statements Loch does not run yet still fail as LOCH_UNSUPPORTED_STATEMENT', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE t (a INT) USING DELTA');
  for (const [sql, message] of [
    ['GENERATE symlink_format_manifest FOR TABLE t', 'GENERATE is not supported yet'],
    ['ALTER TABLE t ALTER COLUMN a SET DEFAULT 1', 'column defaults is not supported yet'],
    ['ALTER TABLE t CHANGE COLUMN a b TYPE INT', 'ALTER TABLE ... CHANGE COLUMN to another name (use RENAME COLUMN) is not supported yet'],
    ['VACUUM t LITE', 'VACUUM ... LITE is not supported yet'],
    ['UPDATE t SET a = 1 FROM range(3)', 'UPDATE ... FROM is not supported yet'],
  ]) {
    await assert.rejects(lh.sql(sql), { code: 'LOCH_UNSUPPORTED_STATEMENT', message }, sql);
  }
});

test('ALTER TABLE ... ALTER COLUMN (comment, NOT NULL, position) and RENAME TO', async () => {
  const { lh, dir } = await lake();
  await lh.sql("CREATE TABLE c (a INT, b STRING, n INT); INSERT INTO c VALUES (1, 'x', NULL), (2, 'y', 5)");
  await lh.sql("ALTER TABLE c ALTER COLUMN b COMMENT 'the b'; ALTER TABLE c ALTER a SET NOT NULL; ALTER TABLE c ALTER COLUMN b FIRST");
  assert.deepEqual(await rows(lh, 'DESCRIBE c'), [
    { col_name: 'b', data_type: 'string', comment: 'the b' },
    { col_name: 'a', data_type: 'int', comment: null },
    { col_name: 'n', data_type: 'int', comment: null },
  ]);
  await assert.rejects(lh.sql('INSERT INTO c (a, b) VALUES (NULL, 1)'), { code: 'DELTA_NOT_NULL_VIOLATION' });
  // Existing NULLs: SET NOT NULL is refused and nothing is committed.
  const before = (await lh.table('c').history(1))[0].version;
  await assert.rejects(lh.sql('ALTER TABLE c ALTER COLUMN n SET NOT NULL'), { code: 'DELTA_CONSTRAINT_VIOLATION', message: /1 row violates/ });
  assert.equal((await lh.table('c').history(1))[0].version, before);
  await lh.sql('ALTER TABLE c ALTER COLUMN a DROP NOT NULL; ALTER TABLE c ALTER COLUMN n AFTER b; INSERT INTO c (a, b) VALUES (NULL, 3)');
  assert.deepEqual(await rows(lh, 'SELECT * FROM c ORDER BY b'), [
    { b: '3', n: null, a: null },
    { b: 'x', n: null, a: 1 },
    { b: 'y', n: 5, a: 2 },
  ]);
  const h = (await lh.table('c').history(1))[0];
  assert.equal((await lh.table('c').history(3))[2].operation, 'CHANGE COLUMN');
  assert.equal(h.operation, 'WRITE');
  await assert.rejects(lh.sql('ALTER TABLE c ALTER COLUMN nope COMMENT \'x\''), { code: 'DELTA_COLUMN_NOT_FOUND' });

  // RENAME TO: a managed table moves with its history; an external one keeps its files where they are.
  await lh.sql('ALTER TABLE c RENAME TO c2');
  assert.deepEqual(await lh.tables(), ['c2']);
  assert.equal((await rows(lh, 'SELECT count(*) AS n FROM c2 VERSION AS OF 1'))[0].n, 2);
  const outside = join(dir, 'outside');
  await lh.sql(`CREATE TABLE e (a INT) LOCATION '${outside}'; ALTER TABLE e RENAME TO e2; INSERT INTO e2 VALUES (1)`);
  assert.deepEqual(await lh.tables(), ['c2', 'e2']);
  assert.deepEqual(await rows(lh, `SELECT a FROM delta.\`${outside}\``), [{ a: 1 }]);
  await assert.rejects(lh.sql('ALTER TABLE c2 RENAME TO e2'), { code: 'DELTA_TABLE_ALREADY_EXISTS' });
});

test("delta.targetFileSize ('256kb') shapes writes and OPTIMIZE; Databricks' optimize.maxFileSize overrides it", async () => {
  const { lh } = await lake();
  await lh.sql("CREATE TABLE f (k BIGINT, v DOUBLE) USING DELTA TBLPROPERTIES ('delta.targetFileSize' = '256kb'); INSERT INTO f SELECT i, i / 7 FROM range(500000) t(i)");
  const files = async () => Number((await rows(lh, 'DESCRIBE DETAIL f'))[0].numFiles);
  const written = await files();
  assert.ok(written > 1, `a 256kb target splits the insert (${written} files)`);
  await lh.sql('OPTIMIZE f ZORDER BY (k)');
  const zordered = await files();
  assert.ok(zordered > written, `ZORDER aims at 256kb files (${zordered} files)`);
  await lh.sql("SET spark.databricks.delta.optimize.maxFileSize = 2mb; OPTIMIZE f ZORDER BY (k)");
  assert.ok((await files()) < zordered);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n, sum(k) AS s FROM f'), [{ n: 500000, s: 124999750000 }]);
  await assert.rejects(lh.sql("ALTER TABLE f SET TBLPROPERTIES ('delta.targetFileSize' = 'big')"), { code: 'DELTA_INVALID_ARGUMENT', message: /delta.targetFileSize 'big' is not a size/ });
});

test('SHALLOW CLONE (files shared, changes independent, deletion vectors kept) and CREATE TABLE LIKE', async () => {
  const { lh } = await lake();
  await lh.sql(`
    CREATE TABLE src (id INT, p STRING) USING DELTA PARTITIONED BY (p) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true');
    INSERT INTO src VALUES (1, 'a'), (2, 'b'), (3, 'a');
    INSERT INTO src VALUES (4, 'b');
    DELETE FROM src WHERE id = 3`);
  await lh.sql("CREATE TABLE c SHALLOW CLONE src TBLPROPERTIES ('owner' = 'me'); CREATE TABLE c1 SHALLOW CLONE src VERSION AS OF 1");
  assert.deepEqual(await rows(lh, 'SELECT id FROM c ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 4 }]);
  assert.deepEqual(await rows(lh, 'SELECT id FROM c1 ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  const [h] = await rows(lh, 'DESCRIBE HISTORY c');
  assert.equal(h.operation, 'CLONE');
  assert.deepEqual((h.operationParameters as Record<string, unknown>).isShallow, 'true');
  const [detail] = await rows(lh, 'DESCRIBE DETAIL c');
  const [srcDetail] = await rows(lh, 'DESCRIBE DETAIL src');
  assert.notEqual(detail.id, srcDetail.id);
  assert.equal((detail.properties as Record<string, string>).owner, 'me');
  assert.equal((detail.properties as Record<string, string>)['delta.enableDeletionVectors'], 'true');
  // Changes to the clone leave the source alone, VACUUM of the clone too (the files are not its own).
  await lh.sql("INSERT INTO c VALUES (9, 'z'); DELETE FROM c WHERE id <= 2; SET spark.databricks.delta.retentionDurationCheck.enabled = false; VACUUM c RETAIN 0 HOURS");
  assert.deepEqual(await rows(lh, 'SELECT id FROM c ORDER BY id'), [{ id: 4 }, { id: 9 }]);
  assert.deepEqual(await rows(lh, 'SELECT id FROM src ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 4 }]);
  await assert.rejects(lh.sql('CREATE TABLE c SHALLOW CLONE src'), { code: 'DELTA_TABLE_ALREADY_EXISTS' });
  await lh.sql('CREATE TABLE IF NOT EXISTS c SHALLOW CLONE src; CREATE OR REPLACE TABLE c SHALLOW CLONE src VERSION AS OF 1');
  assert.deepEqual(await rows(lh, 'SELECT id FROM c ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 3 }]);

  await lh.sql("CREATE TABLE l LIKE src TBLPROPERTIES ('x' = 'y')");
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM l'), [{ n: 0 }]);
  const [like] = await rows(lh, 'DESCRIBE DETAIL l');
  assert.deepEqual(like.partitionColumns, ['p']);
  assert.equal((like.properties as Record<string, string>).x, 'y');
  assert.deepEqual((await rows(lh, 'SHOW COLUMNS IN l')).map((r) => r.col_name), ['id', 'p']);
});

test('MERGE ... UPDATE SET * EXCEPT (...) and INSERT * EXCEPT (...)', async () => {
  const { lh } = await lake();
  await lh.sql(`CREATE TABLE t (id INT, v STRING, created DATE); INSERT INTO t VALUES (1, 'old', DATE '2024-01-01')`);
  await lh.sql(`MERGE INTO t USING (SELECT * FROM (VALUES (1, 'new', DATE '2025-01-01'), (2, 'two', DATE '2025-01-02')) s(id, v, created)) s ON t.id = s.id
    WHEN MATCHED THEN UPDATE SET * EXCEPT (created)
    WHEN NOT MATCHED THEN INSERT * EXCEPT (created)`);
  assert.deepEqual(await rows(lh, 'SELECT * FROM t ORDER BY id'), [
    { id: 1, v: 'new', created: '2024-01-01' },
    { id: 2, v: 'two', created: null },
  ]);
  await assert.rejects(lh.sql('MERGE INTO t USING t AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * EXCEPT (nope)'), { code: 'DELTA_COLUMN_NOT_FOUND', message: /EXCEPT: .* has no column 'nope'/ });
});

test('DEEP CLONE copies the files (deletion vectors too): the clone stands alone once the source is gone', async () => {
  const { lh, dir } = await lake();
  await lh.sql(`
    CREATE TABLE src (id INT, p STRING) USING DELTA PARTITIONED BY (p) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true');
    INSERT INTO src SELECT i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END FROM range(100) t(i);
    DELETE FROM src WHERE id % 10 = 3`);
  const dv = (await lh.table('src').snapshot()).files.filter((f) => f.deletionVector).length;
  assert.ok(dv > 0, 'the source has a deletion vector to copy');
  await lh.sql('CREATE TABLE d DEEP CLONE src; CREATE TABLE d1 CLONE src VERSION AS OF 1');
  const [h] = await rows(lh, 'DESCRIBE HISTORY d');
  assert.equal((h.operationParameters as Record<string, unknown>).isShallow, 'false');
  assert.equal((h.operationMetrics as Record<string, string>).numCopiedFiles, String((await lh.table('src').snapshot()).files.length));
  await lh.sql('DROP TABLE src');
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n, sum(id) AS s FROM d'), [{ n: 90, s: 4950 - 3 - 13 - 23 - 33 - 43 - 53 - 63 - 73 - 83 - 93 }]);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM d1'), [{ n: 100 }]);
  // Relative paths only: the clone's directory can move.
  const s = await lh.table('d').snapshot();
  assert.ok(s.files.every((f) => !f.path.includes(':') && (!f.deletionVector || f.deletionVector.storageType !== 'p')));
  assert.ok(!JSON.stringify(s.files).includes(join(dir, 'lake', 'src')));
});

test('FSCK REPAIR TABLE: files gone from storage are removed from the table (DRY RUN lists them)', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE f (a INT); INSERT INTO f VALUES (1); INSERT INTO f VALUES (2); INSERT INTO f VALUES (3)');
  const s = await lh.table('f').snapshot();
  const lost = s.files.find((x) => x.stats?.includes('"minValues":{"a":2}'))!;
  await rm(fileURLToPath(new URL(lost.path, s.tableRoot)));
  await assert.rejects(lh.sql('SELECT * FROM f'), { code: 'DELTA_FILE_NOT_FOUND' });
  assert.deepEqual(await rows(lh, 'FSCK REPAIR TABLE f DRY RUN'), [{ dataFilePath: lost.path, dataFileMissing: true }]);
  await assert.rejects(lh.sql('SELECT * FROM f'), { code: 'DELTA_FILE_NOT_FOUND' });
  assert.deepEqual(await rows(lh, 'FSCK REPAIR TABLE f'), [{ dataFilePath: lost.path, dataFileMissing: true }]);
  assert.deepEqual(await rows(lh, 'SELECT a FROM f ORDER BY a'), [{ a: 1 }, { a: 3 }]);
  assert.equal((await rows(lh, 'DESCRIBE HISTORY f LIMIT 1'))[0].operation, 'FSCK');
  assert.deepEqual(await rows(lh, 'FSCK REPAIR TABLE f'), []);
});

test('REORG TABLE ... APPLY (PURGE): files with deletion vectors rewritten without the deleted rows', async () => {
  const { lh } = await lake();
  await lh.sql(`CREATE TABLE r (id INT, p STRING) USING DELTA PARTITIONED BY (p) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true');
    INSERT INTO r SELECT i, CASE WHEN i < 50 THEN 'a' ELSE 'b' END FROM range(100) t(i);
    INSERT INTO r VALUES (1000, 'a');
    DELETE FROM r WHERE id % 10 = 0 AND id < 100`);
  const before = await lh.table('r').snapshot();
  const withDv = before.files.filter((f) => f.deletionVector).length;
  assert.ok(withDv >= 2);
  await lh.sql("REORG TABLE r WHERE p = 'a' APPLY (PURGE)");
  const mid = await lh.table('r').snapshot();
  assert.equal(mid.files.filter((f) => f.deletionVector).length, withDv - 1, 'only partition a was purged');
  await lh.sql('REORG TABLE r APPLY (PURGE)');
  const after = await lh.table('r').snapshot();
  assert.equal(after.files.filter((f) => f.deletionVector).length, 0);
  // The file without a DV is left as it was.
  assert.ok(after.files.some((f) => before.files.some((g) => g.path === f.path)));
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n, sum(id) AS s FROM r'), [{ n: 91, s: 4950 - 450 + 1000 }]);
  const [h] = await rows(lh, 'DESCRIBE HISTORY r LIMIT 1');
  assert.equal(h.operation, 'REORG');
  // Nothing to purge: no commit.
  const version = after.version;
  await lh.sql('REORG TABLE r APPLY (PURGE)');
  assert.equal((await lh.table('r').snapshot()).version, version);
});

test('SHOW PARTITIONS in value order; CREATE OR REPLACE TABLE ... LIKE replaces an existing table', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE sp (v INT, n INT) USING DELTA PARTITIONED BY (n); INSERT INTO sp VALUES (1, 10), (2, 9), (3, NULL), (4, 100)');
  assert.deepEqual(await rows(lh, 'SHOW PARTITIONS sp'), [{ n: null }, { n: 9 }, { n: 10 }, { n: 100 }]);
  await lh.sql("CREATE TABLE other (a STRING) USING DELTA; INSERT INTO other VALUES ('x'); CREATE OR REPLACE TABLE other LIKE sp");
  assert.deepEqual((await rows(lh, 'SHOW COLUMNS IN other')).map((r) => r.col_name), ['v', 'n']);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS c FROM other'), [{ c: 0 }]);
  assert.deepEqual((await rows(lh, 'DESCRIBE DETAIL other'))[0].partitionColumns, ['n']);
});
