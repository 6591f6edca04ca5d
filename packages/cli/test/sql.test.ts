import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, loch, lochIn, tempDir, type Run } from './support.js';

const lastStderrLine = (r: Run) => r.stderr.trim().split('\n').pop() ?? '';

test('loch sql: tables by name under ./lake by default; statements without rows print nothing on stdout', async () => {
  const cwd = await tempDir('loch-sql-cwd-');
  const create = await lochIn(cwd, 'sql', "CREATE TABLE events (id BIGINT, kind STRING) USING DELTA; INSERT INTO events VALUES (1, 'a'), (2, 'b')");
  assert.equal(create.code, 0, create.stderr);
  assert.equal(create.stdout, '');
  assert.match(create.stderr, /^CREATE TABLE events: version 0\nINSERT INTO events: 2 rows \(version 1\)\n$/);
  assert.ok(existsSync(join(cwd, 'lake', 'events', '_delta_log')));
  const r = await lochIn(cwd, 'sql', 'SELECT * FROM events ORDER BY id');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [
    { id: 1, kind: 'a' },
    { id: 2, kind: 'b' },
  ]);
  // The table is a plain Delta table: the rest of the CLI reads it by path.
  const scan = await loch('scan', join(cwd, 'lake', 'events'));
  assert.equal(jsonLines(scan.stdout).length, 2);
});

test('loch sql --lake, several statements, every statement with rows prints its rows', async () => {
  const dir = await tempDir();
  const lake = join(dir, 'my-lake');
  const r = await loch(
    'sql',
    `CREATE TABLE t (id INT, amount DECIMAL(6,2), ts TIMESTAMP, tags ARRAY<STRING>) USING DELTA PARTITIONED BY (id);
     INSERT INTO t VALUES (1, 1.5, '2024-05-01 12:00:00', ['x']);
     SELECT amount, ts, tags FROM t;
     SET my.key = 'v';
     SELECT getvariable('my.key') AS k;
     SELECT count(*) AS n FROM t VERSION AS OF 0`,
    '--lake',
    lake,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ amount: '1.50', ts: '2024-05-01T12:00:00.000000Z', tags: ['x'] }, { k: 'v' }, { n: 0 }]);
});

test('loch sql --metrics: one metrics line after each statement that returns rows', async () => {
  const dir = await tempDir();
  const path = join(dir, 'orders');
  const lake = join(dir, 'lake');
  const setup = await loch(
    'sql',
    `CREATE TABLE delta.\`${path}\` (user_id INT, amount DOUBLE) USING DELTA;
     INSERT INTO delta.\`${path}\` VALUES (1, 2.5), (2, 4);
     INSERT INTO delta.\`${path}\` VALUES (1, 1);
     CREATE TABLE users USING DELTA AS SELECT id::INT AS id, 'u' || id AS name FROM range(1, 4)`,
    '--lake',
    lake,
  );
  assert.equal(setup.code, 0, setup.stderr);
  const r = await loch(
    'sql',
    `SELECT u.name, sum(o.amount) AS total FROM users u JOIN delta.\`${path}\` o ON o.user_id = u.id GROUP BY u.name ORDER BY u.name;
     SET x = 1;
     SELECT 42 AS answer`,
    '--lake',
    lake,
    '--metrics',
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.deepEqual(lines.slice(0, 2), [
    { name: 'u1', total: 3.5 },
    { name: 'u2', total: 4 },
  ]);
  const { metrics } = lines[2];
  assert.equal(typeof metrics.elapsedMs, 'number');
  assert.deepEqual(Object.keys(metrics), ['elapsedMs', 'scans']);
  const byTable = Object.fromEntries(metrics.scans.map((s: { table: string }) => [s.table, s]));
  assert.deepEqual(Object.keys(byTable).sort(), [path, 'users'].sort());
  const orders = byTable[path];
  assert.deepEqual(Object.keys(orders), ['table', 'version', 'filesTotal', 'filesScanned', 'filesPrunedByPartition', 'filesPrunedByStats', 'filesPrunedByDynamicFilter', 'rowsScanned', 'bytesScanned']);
  assert.deepEqual([orders.version, orders.filesTotal, orders.filesScanned, orders.rowsScanned], [2, 2, 2, 3]);
  assert.deepEqual([orders.filesPrunedByPartition, orders.filesPrunedByStats, orders.filesPrunedByDynamicFilter], [0, 0, 0]);
  assert.ok(orders.bytesScanned > 0);
  assert.deepEqual(lines[3], { answer: 42 });
  assert.deepEqual(lines[4].metrics.scans, []);
  assert.equal(lines.length, 5);
});

test('loch sql --format table and DESCRIBE HISTORY', async () => {
  const dir = await tempDir();
  const lake = join(dir, 'lake');
  await loch('sql', 'CREATE TABLE h (a INT); INSERT INTO h VALUES (1); INSERT OVERWRITE h SELECT 2', '--lake', lake);
  const hist = await loch('sql', 'DESCRIBE HISTORY h', '--lake', lake);
  assert.equal(hist.code, 0, hist.stderr);
  assert.deepEqual(
    jsonLines(hist.stdout).map((h) => [h.version, h.operation, h.operationParameters.mode ?? null]),
    [
      [2, 'WRITE', 'Overwrite'],
      [1, 'WRITE', 'Append'],
      [0, 'CREATE TABLE', null],
    ],
  );
  const t = await loch('sql', 'SELECT * FROM h', '--lake', lake, '--format', 'table');
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /\| a \|\n/);
  assert.match(t.stdout, /\(1 row\)\n$/);
});

test('loch sql errors: one coded line, non-zero exit', async () => {
  const dir = await tempDir();
  const lake = join(dir, 'lake');
  const unsupported = await loch('sql', 'GENERATE symlink_format_manifest FOR TABLE t', '--lake', lake);
  assert.equal(unsupported.code, 1);
  assert.equal(unsupported.stdout, '');
  assert.equal(unsupported.stderr, 'LOCH_UNSUPPORTED_STATEMENT: GENERATE is not supported yet\n');

  const syntax = await loch('sql', 'SELECT 1 AS one; SELEC 2', '--lake', lake);
  assert.equal(syntax.code, 1);
  assert.deepEqual(jsonLines(syntax.stdout), [{ one: 1 }]);
  assert.match(syntax.stderr, /^LOCH_SQL_ERROR: statement 2: Parser Error: syntax error at or near "SELEC"\n$/);

  const missing = await loch('sql', 'SELECT * FROM delta.`/no/such/table`', '--lake', lake);
  assert.equal(missing.code, 1);
  assert.match(lastStderrLine(missing), /^DELTA_TABLE_NOT_FOUND: .*\/no\/such\/table/);

  const unknown = await loch('sql', 'SELECT * FROM not_a_table', '--lake', lake);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^LOCH_SQL_ERROR: Catalog Error: Table with name not_a_table does not exist/);
});
