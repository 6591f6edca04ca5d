import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaTable, Lakehouse, type StatementResult } from '@loch/lakehouse';

async function lake(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-ns-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir };
}

async function rows(lh: Lakehouse, sql: string): Promise<StatementResult['rows']> {
  const results = await lh.sql(sql);
  return results[results.length - 1].rows;
}

const ORDERS = `CREATE TABLE orders (id INT, region STRING) USING DELTA; INSERT INTO orders VALUES (1, 'EU'), (2, 'US')`;

test('newcomer: default.orders, main.default.orders and USE default name the lake table', async () => {
  const { lh } = await lake();
  await lh.sql(ORDERS);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM default.orders'), [{ n: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM main.default.orders'), [{ n: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM `main`.`default`.`orders` o WHERE o.id > 1'), [{ n: 1 }]);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM spark_catalog.default.orders'), [{ n: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT orders.id FROM default.orders ORDER BY 1'), [{ id: 1 }, { id: 2 }]);
  const [use, q] = await lh.sql('USE default; SELECT max(id) AS m FROM orders');
  assert.equal(use.summary, 'USE main.default');
  assert.deepEqual(q.rows, [{ m: 2 }]);
  // Spark resolves names case-insensitively.
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM MAIN.Default.ORDERS'), [{ n: 2 }]);
});

test('CREATE SCHEMA, tables in it by two- and three-part names, USE, SHOW, DESCRIBE SCHEMA, DROP SCHEMA CASCADE', async () => {
  const { lh, dir } = await lake();
  await lh.sql(ORDERS);
  const [created, again] = await lh.sql("CREATE SCHEMA IF NOT EXISTS Sales COMMENT 'what we sold' WITH DBPROPERTIES ('team' = 'emea'); CREATE DATABASE IF NOT EXISTS sales");
  assert.match(created.summary!, /^CREATE SCHEMA main\.sales: /);
  assert.equal(again.summary, 'CREATE SCHEMA main.sales: exists');
  await assert.rejects(lh.sql('CREATE SCHEMA sales'), { code: 'LOCH_SCHEMA_ALREADY_EXISTS' });
  await lh.sql(`CREATE TABLE sales.orders (id INT, amount DECIMAL(10,2)) USING DELTA;
    INSERT INTO main.sales.orders VALUES (10, 1.50), (11, 2.25);
    UPDATE sales.orders SET amount = amount * 2 WHERE id = 11;
    DELETE FROM sales.orders WHERE id = 99;
    MERGE INTO sales.orders t USING (SELECT 12 AS id, 0.10 AS amount) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *`);
  // Spark's warehouse layout: another schema's tables live under <lake>/<schema>.db/.
  assert.ok(existsSync(join(dir, 'lake', 'sales.db', 'orders', '_delta_log')));
  assert.deepEqual(await rows(lh, 'SELECT id, amount FROM sales.orders ORDER BY id'), [
    { id: 10, amount: '1.50' },
    { id: 11, amount: '4.50' },
    { id: 12, amount: '0.10' },
  ]);
  // The unqualified name follows USE; the default schema's table stays reachable by its qualified name.
  const [, mine, theirs] = await lh.sql('USE SCHEMA sales; SELECT count(*) AS n FROM orders; SELECT count(*) AS n FROM default.orders');
  assert.deepEqual([mine.rows, theirs.rows], [[{ n: 3 }], [{ n: 2 }]]);
  assert.deepEqual(await rows(lh, 'USE sales; SELECT count(*) AS n FROM orders o JOIN default.orders d ON o.id > d.id'), [{ n: 6 }]);
  assert.deepEqual(await rows(lh, 'SHOW SCHEMAS'), [{ databaseName: 'default' }, { databaseName: 'sales' }]);
  assert.deepEqual(await rows(lh, "SHOW DATABASES LIKE 'sal*'"), [{ databaseName: 'sales' }]);
  assert.deepEqual(
    (await rows(lh, 'SHOW TABLES IN sales')).map((r) => [r.database, r.tableName, r.isTemporary]),
    [['sales', 'orders', false]],
  );
  assert.deepEqual((await rows(lh, 'USE sales; SHOW TABLES')).map((r) => r.tableName), ['orders']);
  assert.deepEqual((await rows(lh, 'SHOW TABLES')).map((r) => [r.database, r.tableName]), [['default', 'orders']]);
  const described = Object.fromEntries((await rows(lh, 'DESCRIBE SCHEMA EXTENDED sales')).map((r) => [r.database_description_item, r.database_description_value]));
  assert.equal(described['Catalog Name'], 'main');
  assert.equal(described['Namespace Name'], 'sales');
  assert.equal(described.Comment, 'what we sold');
  assert.match(String(described.Location), /\/lake\/sales\.db$/);
  assert.equal(described.Properties, '((team,emea))');
  const ext = await rows(lh, 'DESCRIBE TABLE EXTENDED sales.orders');
  assert.deepEqual(
    ext.filter((r) => ['Catalog', 'Database', 'Table'].includes(String(r.col_name))).map((r) => r.data_type),
    ['main', 'sales', 'orders'],
  );
  assert.match(String((await rows(lh, 'SHOW CREATE TABLE sales.orders'))[0].createtab_stmt), /^CREATE TABLE main\.sales\.orders \(/);
  assert.deepEqual(await lh.schemas(), ['default', 'sales']);
  assert.deepEqual(await lh.tables('sales'), ['orders']);
  assert.equal((await lh.table('sales.orders').detail()).version, 3);
  assert.deepEqual(await lh.read('sales.orders').filter('id = 10').select('amount').toRows(), [{ amount: '1.50' }]);

  await assert.rejects(lh.sql('DROP SCHEMA sales'), { code: 'LOCH_SCHEMA_NOT_EMPTY', message: /has 1 table \(orders\).*CASCADE/ });
  await assert.rejects(lh.sql('DROP SCHEMA default'), { code: 'LOCH_SQL_ERROR', message: /cannot be dropped/ });
  const [dropped] = await lh.sql('DROP SCHEMA sales CASCADE');
  assert.equal(dropped.summary, 'DROP SCHEMA main.sales: 1 table dropped');
  assert.ok(!existsSync(join(dir, 'lake', 'sales.db')));
  assert.deepEqual(await rows(lh, 'SHOW SCHEMAS'), [{ databaseName: 'default' }]);
  assert.equal((await lh.sql('DROP SCHEMA IF EXISTS sales'))[0].summary, 'DROP SCHEMA main.sales: no such schema');
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM orders'), [{ n: 2 }]);
});

test('a schema with a LOCATION keeps its managed tables there; ALTER SCHEMA; RENAME TO stays in its schema', async () => {
  const { lh, dir } = await lake();
  const where = join(dir, 'elsewhere');
  await lh.sql(`CREATE SCHEMA staging LOCATION '${where}'; CREATE TABLE staging.raw (x INT) USING DELTA; INSERT INTO staging.raw VALUES (1)`);
  assert.ok(existsSync(join(where, 'raw', '_delta_log')));
  await lh.sql("ALTER SCHEMA staging SET DBPROPERTIES ('owner.team' = 'data'); ALTER DATABASE staging SET COMMENT 'landing zone'");
  const d = Object.fromEntries((await rows(lh, 'DESCRIBE DATABASE EXTENDED staging')).map((r) => [r.database_description_item, r.database_description_value]));
  assert.equal(d.Comment, 'landing zone');
  assert.equal(d.Properties, '((owner.team,data))');
  assert.equal(d.Location, `file://${where}`);
  await lh.sql('ALTER TABLE staging.raw RENAME TO cooked');
  assert.deepEqual(await rows(lh, 'SELECT x FROM staging.cooked'), [{ x: 1 }]);
  assert.ok(existsSync(join(where, 'cooked', '_delta_log')));
  assert.deepEqual(await lh.tables(), []);
});

test('names that are not the lake: other catalogs fail by name; DuckDB schemas and TEMP tables stay DuckDB', async () => {
  const { lh } = await lake();
  await lh.sql(ORDERS);
  await assert.rejects(lh.sql('USE CATALOG hive'), { code: 'LOCH_CATALOG_NOT_FOUND', message: /catalog hive does not exist.*catalog main/ });
  await assert.rejects(lh.sql('USE nowhere'), { code: 'LOCH_SCHEMA_NOT_FOUND', message: /schema main\.nowhere does not exist/ });
  await assert.rejects(lh.sql('CREATE TABLE nowhere.t (a INT) USING DELTA'), { code: 'LOCH_SCHEMA_NOT_FOUND' });
  await assert.rejects(lh.sql('SELECT * FROM main.sales.nothing'), { code: 'LOCH_SCHEMA_NOT_FOUND' });
  await assert.rejects(lh.sql('SELECT * FROM default.nothing'), { code: 'DELTA_TABLE_NOT_FOUND' });
  assert.deepEqual((await lh.sql('USE CATALOG main; SHOW CATALOGS'))[1].rows, [{ catalog: 'main' }]);
  const named = Lakehouse.open((await mkdtemp(join(tmpdir(), 'loch-ns-'))) + '/lake', { catalog: 'dev' });
  await named.sql('CREATE TABLE t (a INT) USING DELTA; INSERT INTO t VALUES (5)');
  assert.deepEqual(await rows(named, 'SELECT a FROM dev.default.t'), [{ a: 5 }]);
  // DuckDB's own schemas and tables keep working.
  assert.deepEqual(await rows(lh, "SELECT bool_or(schema_name = 'main') AS found FROM information_schema.schemata"), [{ found: true }]);
  assert.deepEqual(await rows(lh, 'CREATE TEMP TABLE scratch AS SELECT 1 AS v; INSERT INTO scratch VALUES (2); SELECT sum(v) AS s FROM temp.main.scratch'), [{ s: 3 }]);
  // SHOW TABLES lists the session's temporary views and tables after the lake's, as Spark does.
  assert.deepEqual(
    (await rows(lh, 'CREATE TEMP VIEW recent AS SELECT 1 AS x; SHOW TABLES')).map((r) => [r.database, r.tableName, r.isTemporary]),
    [['default', 'orders', false], ['', 'recent', true]],
  );
  // current_catalog() and current_schema() follow USE.
  assert.deepEqual(await rows(lh, 'CREATE SCHEMA s1; USE s1; SELECT current_catalog() AS c, current_schema() AS s, current_database() AS d'), [{ c: 'main', s: 's1', d: 's1' }]);
  assert.deepEqual((await lh.sql('SELECT current_schema()'))[0].columns.map((c) => c.name), ['current_schema()']);
});

test('a lake made before schemas existed opens unchanged: its tables are the default schema', async () => {
  const { dir } = await lake();
  const root = join(dir, 'lake');
  // The layout today's code wrote: tables as subdirectories, LOCATION tables in _loch_catalog.json.
  await mkdir(root, { recursive: true });
  await DeltaTable.create(join(root, 'events'), { schema: { id: 'long' } }).then((t) => t.write([{ id: 1 }]));
  await DeltaTable.create(join(dir, 'outside'), { schema: { id: 'long' } }).then((t) => t.write([{ id: 2 }]));
  await writeFile(join(root, '_loch_catalog.json'), `${JSON.stringify({ tables: { ext: join(dir, 'outside') } }, null, 2)}\n`);
  const lh = Lakehouse.open(root);
  assert.deepEqual(await rows(lh, 'SELECT id FROM events UNION ALL SELECT id FROM default.ext ORDER BY id'), [{ id: 1 }, { id: 2 }]);
  assert.deepEqual((await rows(lh, 'SHOW TABLES')).map((r) => r.tableName), ['events', 'ext']);
  // A new schema adds to the file without disturbing what was there.
  await lh.sql('CREATE SCHEMA more');
  const file = JSON.parse(await readFile(join(root, '_loch_catalog.json'), 'utf8')) as { tables: Record<string, string>; schemas: Record<string, unknown> };
  assert.deepEqual(file.tables, { ext: join(dir, 'outside') });
  assert.deepEqual(Object.keys(file.schemas), ['more']);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM ext'), [{ n: 1 }]);
});
