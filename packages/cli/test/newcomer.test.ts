/**
 * What a newcomer from Databricks typed and saw fail (issue 10), each through the real `loch`
 * binary: the form they typed must now just work, or fail with Loch's code naming what is wrong.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, lochIn, tempDir } from './support.js';

async function withOrders(): Promise<string> {
  const cwd = await tempDir('loch-newcomer-');
  const r = await lochIn(cwd, 'sql', "CREATE TABLE orders (id INT, region STRING, amount DECIMAL(10,2)) USING DELTA; INSERT INTO orders VALUES (1, 'EU', 10.50), (2, 'US', 4.25), (3, 'EU', 1.00)");
  assert.equal(r.code, 0, r.stderr);
  return cwd;
}

test('SELECT ... FROM default.orders and main.default.orders; USE default', async () => {
  const cwd = await withOrders();
  for (const name of ['default.orders', 'main.default.orders']) {
    const r = await lochIn(cwd, 'sql', `SELECT count(*) AS n FROM ${name}`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonLines(r.stdout), [{ n: 3 }]);
  }
  const use = await lochIn(cwd, 'sql', 'USE default; SELECT count(*) AS n FROM orders');
  assert.equal(use.code, 0, use.stderr);
  assert.deepEqual(jsonLines(use.stdout), [{ n: 3 }]);
});

test('json.`path`, csv.`path` and parquet.`dir` read the files', async () => {
  const cwd = await tempDir('loch-newcomer-');
  const data = join(cwd, 'data');
  await mkdir(data);
  await writeFile(join(data, 'orders.json'), '{"id": 1, "region": "EU"}\n{"id": 2, "region": "US"}\n');
  await writeFile(join(data, 'orders.csv'), '1,EU\n2,US\n');
  const json = await lochIn(cwd, 'sql', `SELECT * FROM json.\`${join(data, 'orders.json')}\` ORDER BY id`);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(jsonLines(json.stdout), [{ id: 1, region: 'EU' }, { id: 2, region: 'US' }]);
  const csv = await lochIn(cwd, 'sql', `SELECT * FROM csv.\`${join(data, 'orders.csv')}\``);
  assert.equal(csv.code, 0, csv.stderr);
  assert.deepEqual(jsonLines(csv.stdout), [{ _c0: '1', _c1: 'EU' }, { _c0: '2', _c1: 'US' }]);
  const copy = await lochIn(cwd, 'sql', `CREATE TABLE t USING DELTA AS SELECT * FROM read_files('${join(data, 'orders.json')}')`);
  assert.equal(copy.code, 0, copy.stderr);
  const parquet = await lochIn(cwd, 'sql', `SELECT count(*) AS n FROM parquet.\`${join(cwd, 'lake', 't')}\``);
  assert.equal(parquet.code, 0, parquet.stderr);
  assert.deepEqual(jsonLines(parquet.stdout), [{ n: 2 }]);
  const missing = await lochIn(cwd, 'sql', `SELECT * FROM json.\`${join(data, 'nope.json')}\``);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `LOCH_PATH_NOT_FOUND: json.\`${join(data, 'nope.json')}\`: path does not exist: ${join(data, 'nope.json')}\n`);
});

test('Statements Loch does not run fail as LOCH_UNSUPPORTED_STATEMENT, not as DuckDB parser errors', async () => {
  const cwd = await withOrders();
  for (const [sql, name] of [
    ['UNCACHE TABLE orders', 'UNCACHE TABLE'],
    ['REFRESH TABLE orders', 'REFRESH TABLE'],
    ['CACHE TABLE orders', 'CACHE TABLE'],
  ]) {
    const r = await lochIn(cwd, 'sql', sql);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `LOCH_UNSUPPORTED_STATEMENT: ${name} is not supported yet\n`);
  }
});

test('ANALYZE TABLE ... COMPUTE STATISTICS, GROUP BY ... WITH ROLLUP and grouping_id() run', async () => {
  const cwd = await withOrders();
  const analyze = await lochIn(cwd, 'sql', 'ANALYZE TABLE orders COMPUTE STATISTICS; ANALYZE TABLE orders COMPUTE DELTA STATISTICS');
  assert.equal(analyze.code, 0, analyze.stderr);
  assert.match(analyze.stderr, /^ANALYZE TABLE main\.default\.orders COMPUTE STATISTICS: \d+ bytes, 3 rows\nANALYZE TABLE orders COMPUTE DELTA STATISTICS: 1 file \(version 2\)\n$/);
  const rollup = await lochIn(cwd, 'sql', 'SELECT region, count(*) AS n, grouping_id() AS g FROM orders GROUP BY region WITH ROLLUP ORDER BY g, region');
  assert.equal(rollup.code, 0, rollup.stderr);
  assert.deepEqual(jsonLines(rollup.stdout), [
    { region: 'EU', n: 2, g: 0 },
    { region: 'US', n: 1, g: 0 },
    { region: null, n: 3, g: 1 },
  ]);
});

test('sum of a decimal(10,2) is decimal(20,2) and avg decimal(14,6), as in Spark', async () => {
  const cwd = await withOrders();
  const r = await lochIn(cwd, 'sql', 'CREATE TABLE totals USING DELTA AS SELECT sum(amount) AS s, avg(amount) AS a FROM orders; SELECT * FROM totals');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ s: '15.75', a: '5.250000' }]);
  const d = await lochIn(cwd, 'describe', join(cwd, 'lake', 'totals'));
  const fields = (JSON.parse(d.stdout) as { schema: { fields: { name: string; type: string }[] } }).schema.fields;
  assert.deepEqual(fields.map((f) => f.type), ['decimal(20,2)', 'decimal(14,6)']);
});

test('bare loch prints help; loch --version; history --format table', async () => {
  const cwd = await withOrders();
  const bare = await lochIn(cwd);
  assert.equal(bare.code, 0);
  assert.match(bare.stdout, /^Usage: loch/);
  const version = await lochIn(cwd, '--version');
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const history = await lochIn(cwd, 'history', join(cwd, 'lake', 'orders'), '--format', 'table');
  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /\| 1 +\| [^|]+\| WRITE +\|/);
});

test('two queries in one loch sql call print two result sets, one empty line between them', async () => {
  const cwd = await withOrders();
  const r = await lochIn(cwd, 'sql', 'SELECT id FROM orders ORDER BY id; CREATE SCHEMA s; SELECT 1 AS one WHERE false; SELECT region FROM orders WHERE id = 2');
  assert.equal(r.code, 0, r.stderr);
  // The empty set in the middle is no lines: two separators around it.
  assert.equal(r.stdout, '{"id":1}\n{"id":2}\n{"id":3}\n\n\n{"region":"US"}\n');
  const one = await lochIn(cwd, 'sql', 'SELECT 1 AS a');
  assert.equal(one.stdout, '{"a":1}\n');
  const metrics = await lochIn(cwd, 'sql', 'SELECT 1 AS a; SELECT 2 AS b', '--metrics');
  assert.match(metrics.stdout, /^\{"a":1\}\n\{"metrics":\{[^\n]+\}\}\n\n\{"b":2\}\n\{"metrics":\{[^\n]+\}\}\n$/);
});

test('a corrupt commit names the table', async () => {
  const cwd = await withOrders();
  const table = join(cwd, 'lake', 'orders');
  await appendFile(join(table, '_delta_log', '00000000000000000001.json'), '{"add": {"path": \n');
  const r = await lochIn(cwd, 'sql', 'SELECT count(*) FROM orders');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^DELTA_CORRUPT_LOG: ${table}/_delta_log/00000000000000000001\\.json line \\d+: not valid JSON`));
});
