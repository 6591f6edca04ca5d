import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaTable, Lakehouse, type StatementResult } from '@loch/lakehouse';

async function lake(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-sql-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir };
}

/** The rows of the last statement. */
async function rows(lh: Lakehouse, sql: string): Promise<StatementResult['rows']> {
  const results = await lh.sql(sql);
  return results[results.length - 1].rows;
}

test('CREATE TABLE with every Spark type, INSERT VALUES, SELECT back in the JSON encoding', async () => {
  const { lh } = await lake();
  const [created, inserted] = await lh.sql(`
    CREATE TABLE all_types (
      i INT NOT NULL, i2 INTEGER, l BIGINT, l2 LONG, sm SMALLINT, ti TINYINT, b BYTE,
      f FLOAT, r REAL, d DOUBLE, dec DECIMAL(20, 3),
      s STRING, vc VARCHAR(10), c CHAR(2), bool BOOLEAN, bin BINARY, dt DATE,
      ts TIMESTAMP, ntz TIMESTAMP_NTZ,
      arr ARRAY<INT>, m MAP<STRING, DOUBLE>, st STRUCT<a: INT, b: ARRAY<STRING>>
    ) USING DELTA;
    INSERT INTO all_types VALUES
      (1, 2, 9007199254740993, -5, 300, -7, 8,
       1.5, 'NaN', 'Infinity', 12345678901234567.891,
       'héllo', 'abc', 'xy', true, X'0102', '2024-02-29',
       '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123456',
       [1, NULL, 3], MAP {'k': 0.25}, {'a': 1, 'b': ['x']}),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  assert.equal(created.summary, 'CREATE TABLE all_types: version 0');
  assert.equal(inserted.version, 1);
  const schema = (await lh.table('all_types').detail()).schema as { fields: { name: string; type: unknown; nullable: boolean }[] };
  assert.deepEqual(
    schema.fields.map((f) => (typeof f.type === 'string' ? f.type : (f.type as { type: string }).type)),
    ['integer', 'integer', 'long', 'long', 'short', 'byte', 'byte', 'float', 'float', 'double', 'decimal(20,3)', 'string', 'string', 'string', 'boolean', 'binary', 'date', 'timestamp', 'timestamp_ntz', 'array', 'map', 'struct'],
  );
  assert.equal(schema.fields[0].nullable, false);
  const [row, empty] = await rows(lh, 'SELECT * FROM all_types ORDER BY i');
  assert.deepEqual(row, {
    i: 1, i2: 2, l: '9007199254740993', l2: -5, sm: 300, ti: -7, b: 8,
    f: 1.5, r: 'NaN', d: 'Infinity', dec: '12345678901234567.891',
    s: 'héllo', vc: 'abc', c: 'xy', bool: true, bin: 'AQI=', dt: '2024-02-29',
    ts: '2024-01-02T03:04:05.123456Z', ntz: '2024-01-02T03:04:05.123456',
    arr: [1, null, 3], m: { k: 0.25 }, st: { a: 1, b: ['x'] },
  });
  assert.equal(Object.values(empty).filter((v) => v !== null).length, 1);
});

test('computed columns are encoded from their DuckDB types', async () => {
  const { lh } = await lake();
  const [row] = await rows(
    lh,
    `SELECT 1 + 1 AS n, sum(x) AS s, 2::HUGEINT * 9007199254740993 AS big, 1.50::DECIMAL(5,2) AS d, 'a' || 'b' AS t,
      DATE '2024-01-01' AS dt, TIMESTAMPTZ '2024-01-01 10:00:00+02' AS tz, TIMESTAMP_NTZ '2024-01-01 10:00:00' AS ntz,
      INTERVAL 1 DAY AS iv, [1, 2] AS l, {'a': 1} AS st, NULL AS z, 1, 1
    FROM range(3) t(x)`,
  );
  assert.deepEqual(row, {
    n: 2, s: 3, big: '18014398509481986', d: '1.50', t: 'ab', dt: '2024-01-01', tz: '2024-01-01T08:00:00.000000Z', ntz: '2024-01-01T10:00:00.000000',
    iv: '1 day', l: [1, 2], st: { a: 1 }, z: null, '1': 1, '1_1': 1,
  });
});

test('partitioned tables, CTAS, INSERT with a column list, INSERT OVERWRITE', async () => {
  const { lh } = await lake();
  const results = await lh.sql(`
    CREATE TABLE sales (id BIGINT, amount DECIMAL(10,2), country STRING, day DATE) USING DELTA PARTITIONED BY (country, day);
    INSERT INTO sales (country, id, day) VALUES ('NL', 1, '2024-01-01'), ('US', 2, '2024-01-02');
    INSERT INTO sales SELECT 3, 9.99, 'NL', DATE '2024-01-01';
    CREATE TABLE by_country USING DELTA PARTITIONED BY (country) TBLPROPERTIES ('delta.appendOnly' = 'false') AS
      SELECT country, count(*) AS n, sum(amount) AS total FROM sales GROUP BY country;
    SELECT * FROM by_country ORDER BY country`);
  assert.deepEqual(results[results.length - 1].rows, [
    { country: 'NL', n: 2, total: '9.99' },
    { country: 'US', n: 1, total: null },
  ]);
  const detail = await lh.table('sales').detail();
  assert.deepEqual(detail.partitionColumns, ['country', 'day']);
  assert.equal(detail.numFiles, 3);
  assert.deepEqual((await lh.table('by_country').detail()).partitionColumns, ['country']);
  assert.deepEqual(await rows(lh, 'SELECT * FROM sales WHERE id = 1'), [{ id: 1, amount: null, country: 'NL', day: '2024-01-01' }]);
  const [ctasCommit] = await lh.table('by_country').history();
  assert.equal(ctasCommit.operation, 'CREATE TABLE AS SELECT');
  assert.equal(ctasCommit.operationParameters.partitionBy, '["country"]');

  // INSERT OVERWRITE replaces everything; the query's column names do not matter, positions do.
  await lh.sql("INSERT OVERWRITE TABLE sales SELECT 7 AS x, 1.5 AS y, 'DE' AS z, DATE '2024-03-01' AS w");
  assert.deepEqual(await rows(lh, 'SELECT id, amount, country, day FROM sales'), [{ id: 7, amount: '1.50', country: 'DE', day: '2024-03-01' }]);
  const [overwrite, append] = await lh.table('sales').history(2);
  assert.equal(overwrite.operation, 'WRITE');
  assert.deepEqual(overwrite.operationParameters, { mode: 'Overwrite', partitionBy: '["country","day"]' });
  assert.deepEqual(append.operationParameters, { mode: 'Append', partitionBy: '["country","day"]' });

  await assert.rejects(lh.sql('INSERT INTO sales VALUES (1, 2)'), { code: 'DELTA_SCHEMA_MISMATCH' });
  await assert.rejects(lh.sql('INSERT INTO sales (nope) VALUES (1)'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('INSERT INTO missing VALUES (1)'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await assert.rejects(lh.sql('CREATE TABLE sales (a INT)'), { code: 'DELTA_TABLE_ALREADY_EXISTS' });
  const [again] = await lh.sql('CREATE TABLE IF NOT EXISTS sales (a INT)');
  assert.match(again.summary!, /exists/);
});

test('several statements share a session: SET is visible to later statements, RESET clears it', async () => {
  const { lh } = await lake();
  const r = await lh.sql(`SET loch.test.answer = 42; SET loch.test.answer; SELECT getvariable('loch.test.answer') AS v; RESET; SET`);
  assert.equal(r.length, 5);
  assert.equal(r[0].returnsRows, false);
  assert.deepEqual(r[1].rows, [{ key: 'loch.test.answer', value: '42' }]);
  assert.deepEqual(r[2].rows, [{ v: '42' }]);
  assert.deepEqual(r[4].rows, []);
  const seeded = await lh.sql('SET', { conf: { a: 'b' } });
  assert.deepEqual(seeded[0].rows, [{ key: 'a', value: 'b' }]);
});

test('time travel, joins of two Delta tables and with DuckDB table functions, paths and names', async () => {
  const { lh, dir } = await lake();
  const path = join(dir, 'by-path');
  await lh.sql(`
    CREATE TABLE users (id INT, name STRING);
    INSERT INTO users VALUES (1, 'ann'), (2, 'bob');
    INSERT INTO users VALUES (3, 'cy');
    CREATE TABLE delta.\`${path}\` (user_id INT, amount DOUBLE) USING DELTA;
    INSERT INTO delta.\`${path}\` VALUES (1, 10), (1, 5), (3, 1)`);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM users VERSION AS OF 1'), [{ n: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM users FOR SYSTEM_VERSION AS OF 0'), [{ n: 0 }]);
  const [, v1] = await lh.table('users').history();
  const at = new Date(v1.timestamp).toISOString();
  assert.deepEqual(await rows(lh, `SELECT count(*) AS n FROM users TIMESTAMP AS OF '${at}'`), [{ n: 2 }]);
  const joined = await lh.sql(`
    SELECT u.name, sum(o.amount) AS total
    FROM users u JOIN delta.\`${path}\` o ON o.user_id = u.id
    GROUP BY u.name ORDER BY u.name`);
  assert.deepEqual(joined[0].rows, [
    { name: 'ann', total: 15 },
    { name: 'cy', total: 1 },
  ]);
  assert.deepEqual(
    joined[0].metrics!.scans.map((s) => [s.table, s.version, s.filesTotal, s.filesScanned, s.rowsScanned]),
    [
      ['users', 2, 2, 2, 3],
      [path, 1, 1, 1, 3],
    ],
  );
  assert.deepEqual(await rows(lh, 'SELECT r.id AS i, users.name FROM range(1, 3) r LEFT JOIN users ON users.id = r.id ORDER BY i'), [
    { i: 1, name: 'ann' },
    { i: 2, name: 'bob' },
  ]);
  assert.deepEqual(await rows(lh, 'WITH users AS (SELECT 99 AS id) SELECT id FROM users'), [{ id: 99 }]);
  assert.deepEqual(await rows(lh, 'FROM users SELECT max(id) AS m'), [{ m: 3 }]);
  assert.deepEqual(await lh.tables(), ['users']);
  assert.deepEqual(await rows(lh, 'SHOW TABLES'), [{ database: 'default', tableName: 'users', isTemporary: false, location: join(dir, 'lake', 'users') }]);
  await assert.rejects(lh.sql('SELECT * FROM users VERSION AS OF 9'), { code: 'DELTA_VERSION_NOT_FOUND' });
});

test('CREATE TABLE name LOCATION: the name follows the table wherever it lives', async () => {
  const { lh, dir } = await lake();
  const elsewhere = join(dir, 'elsewhere', 't');
  await lh.sql(`CREATE TABLE remote (a INT) USING DELTA LOCATION '${elsewhere}'; INSERT INTO remote VALUES (1)`);
  assert.deepEqual(await rows(lh, 'SELECT * FROM remote'), [{ a: 1 }]);
  assert.deepEqual(await rows(lh, `SELECT * FROM delta.\`${elsewhere}\``), [{ a: 1 }]);
  assert.deepEqual(await lh.tables(), ['remote']);
  const other = Lakehouse.open(join(dir, 'lake2'));
  await other.sql(`CREATE TABLE again USING DELTA LOCATION '${elsewhere}'`);
  assert.deepEqual(await rows(other, 'SELECT count(*) AS n FROM again'), [{ n: 1 }]);
});

test('DESCRIBE HISTORY lists commits newest first', async () => {
  const { lh } = await lake();
  const r = await lh.sql('CREATE TABLE h (a INT); INSERT INTO h VALUES (1); INSERT INTO h VALUES (2); DESCRIBE HISTORY h; DESCRIBE HISTORY h LIMIT 1');
  const all = r[3].rows;
  assert.deepEqual(
    all.map((x) => [x.version, x.operation]),
    [
      [2, 'WRITE'],
      [1, 'WRITE'],
      [0, 'CREATE TABLE'],
    ],
  );
  assert.match(String(all[0].timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.deepEqual(all[0].operationParameters, { mode: 'Append', partitionBy: '[]' });
  assert.equal(all[0].readVersion, 1);
  assert.equal(r[4].rows.length, 1);
  assert.deepEqual(
    r[3].columns.map((c) => c.name),
    ['version', 'timestamp', 'operation', 'operationParameters', 'operationMetrics', 'readVersion', 'isolationLevel', 'isBlindAppend', 'engineInfo', 'userMetadata'],
  );
});

test('errors: unsupported statements, SQL errors naming the statement, Delta codes passing through', async () => {
  const { lh } = await lake();
  await assert.rejects(lh.sql('CONVERT TO DELTA parquet.`/no/such/dir`'), { code: 'DELTA_TABLE_NOT_FOUND', message: /CONVERT TO DELTA .*cannot list \/no\/such\/dir/ });
  await assert.rejects(lh.sql('SELEC 1'), { code: 'LOCH_SQL_ERROR', message: /^Parser Error: syntax error at or near "SELEC"$/ });
  await assert.rejects(lh.sql('SELECT 1; SELECT nope FROM range(1)'), { code: 'LOCH_SQL_ERROR', message: /^statement 2: Binder Error: / });
  await assert.rejects(lh.sql('SELECT 1; GENERATE symlink_format_manifest FOR TABLE t'), { code: 'LOCH_UNSUPPORTED_STATEMENT', message: 'statement 2: GENERATE is not supported yet' });
  await assert.rejects(lh.sql('SELECT 1; DELETE FROM t'), { code: 'DELTA_TABLE_NOT_FOUND', message: /^statement 2: / });
  await assert.rejects(lh.sql('SELECT * FROM delta.`/no/such/table`'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await assert.rejects(lh.sql('CREATE TABLE p (a INT) PARTITIONED BY (b)'), { code: 'DELTA_COLUMN_NOT_FOUND' });
  await assert.rejects(lh.sql('CREATE TABLE nn (a INT NOT NULL); INSERT INTO nn VALUES (NULL)'), { code: 'DELTA_NOT_NULL_VIOLATION' });
  await assert.rejects(lh.sql(''), { code: 'LOCH_SQL_ERROR' });
});

test('DuckDB statements pass through: temp tables, views, DESCRIBE of a Delta table', async () => {
  const { lh } = await lake();
  const r = await lh.sql(`
    CREATE TABLE d (a INT, b STRING);
    INSERT INTO d VALUES (1, 'x');
    CREATE TEMP TABLE scratch AS SELECT a * 10 AS a10 FROM d;
    INSERT INTO scratch VALUES (20);
    SELECT * FROM scratch ORDER BY a10;
    DESCRIBE d;
    SET VARIABLE tag = 'from temp';
    INSERT INTO d SELECT a10, getvariable('tag') FROM scratch;
    CREATE TABLE d2 AS SELECT a10 FROM scratch;
    INSERT INTO d VALUES (0, getvariable('tag'));
    SELECT (SELECT count(*) FROM d2) AS n2, count(*) AS n, count(*) FILTER (WHERE b = 'from temp') AS tagged FROM d`);
  assert.deepEqual(r[r.length - 1].rows, [{ n2: 2, n: 4, tagged: 3 }]);
  assert.equal(r[2].returnsRows, false);
  assert.deepEqual(r[4].rows, [{ a10: 10 }, { a10: 20 }]);
  // DESCRIBE of a lake table is Spark's; of a DuckDB table, DuckDB's.
  assert.deepEqual(r[5].rows, [
    { col_name: 'a', data_type: 'int', comment: null },
    { col_name: 'b', data_type: 'string', comment: null },
  ]);
  const duck = await lh.sql('CREATE TEMP TABLE tmp (x INT); DESCRIBE tmp');
  assert.deepEqual(duck[1].rows.map((x) => [x.column_name, x.column_type]), [['x', 'INTEGER']]);
});

test('Databricks table statements: CREATE OR REPLACE, INSERT ... PARTITION, DESCRIBE TABLE, SHOW ..., TRUNCATE, DROP', async () => {
  const { lh, dir } = await lake();
  await lh.sql(`
    CREATE TABLE s (id BIGINT NOT NULL COMMENT 'key', region STRING, amount DECIMAL(10,2), day DATE) USING DELTA PARTITIONED BY (region) COMMENT 'sales';
    INSERT INTO s VALUES (1, 'EU', 10.5, '2024-01-01'), (2, 'US', 20, DATE '2024-01-02');
    INSERT INTO s PARTITION (region = 'APAC') VALUES (3, 3.25, '2024-01-03');
    INSERT INTO s PARTITION (region) SELECT 4, 4, DATE '2024-01-04', 'EU'`);
  assert.deepEqual(await rows(lh, 'SELECT id, region, amount, day FROM s ORDER BY id'), [
    { id: 1, region: 'EU', amount: '10.50', day: '2024-01-01' },
    { id: 2, region: 'US', amount: '20.00', day: '2024-01-02' },
    { id: 3, region: 'APAC', amount: '3.25', day: '2024-01-03' },
    { id: 4, region: 'EU', amount: '4.00', day: '2024-01-04' },
  ]);
  // Static partition overwrite replaces that partition only; dynamic mode, the partitions written.
  await lh.sql("INSERT OVERWRITE s PARTITION (region = 'EU') SELECT 5, 5, DATE '2024-01-05'");
  assert.deepEqual(await rows(lh, 'SELECT id FROM s ORDER BY id'), [{ id: 2 }, { id: 3 }, { id: 5 }]);
  await lh.sql("SET spark.sql.sources.partitionOverwriteMode = dynamic; INSERT OVERWRITE s SELECT 6, 'US', 6, DATE '2024-01-06'");
  assert.deepEqual(await rows(lh, 'SELECT id, region FROM s ORDER BY id'), [{ id: 3, region: 'APAC' }, { id: 5, region: 'EU' }, { id: 6, region: 'US' }]);
  await assert.rejects(lh.sql("INSERT INTO s PARTITION (day = '2024-01-01') SELECT 1, 'x', 1"), { code: 'DELTA_INVALID_ARGUMENT', message: /'day' in PARTITION .* is not a partition column/ });

  assert.deepEqual(await rows(lh, 'DESCRIBE TABLE s'), [
    { col_name: 'id', data_type: 'bigint', comment: 'key' },
    { col_name: 'region', data_type: 'string', comment: null },
    { col_name: 'amount', data_type: 'decimal(10,2)', comment: null },
    { col_name: 'day', data_type: 'date', comment: null },
    { col_name: '', data_type: '', comment: '' },
    { col_name: '# Partition Information', data_type: '', comment: '' },
    { col_name: '# col_name', data_type: 'data_type', comment: 'comment' },
    { col_name: 'region', data_type: 'string', comment: null },
  ]);
  const extended = await rows(lh, 'DESCRIBE TABLE EXTENDED s');
  assert.deepEqual(extended.find((r) => r.col_name === 'Type'), { col_name: 'Type', data_type: 'MANAGED', comment: '' });
  assert.deepEqual(extended.find((r) => r.col_name === 'Comment'), { col_name: 'Comment', data_type: 'sales', comment: '' });
  assert.deepEqual(await rows(lh, "SHOW TBLPROPERTIES s ('delta.minReaderVersion')"), [{ key: 'delta.minReaderVersion', value: '1' }]);
  assert.ok((await rows(lh, 'SHOW TBLPROPERTIES s')).some((r) => r.key === 'delta.minWriterVersion'));
  assert.deepEqual(await rows(lh, 'SHOW COLUMNS IN s'), [{ col_name: 'id' }, { col_name: 'region' }, { col_name: 'amount' }, { col_name: 'day' }]);
  assert.deepEqual(await rows(lh, 'SHOW PARTITIONS s'), [{ region: 'APAC' }, { region: 'EU' }, { region: 'US' }]);
  const [ddl] = await rows(lh, 'SHOW CREATE TABLE s');
  assert.match(String(ddl.createtab_stmt), /^CREATE TABLE main\.default\.s \(\n  id BIGINT NOT NULL COMMENT 'key',\n  region STRING,\n  amount DECIMAL\(10,2\),\n  day DATE\n\)\nUSING delta\nPARTITIONED BY \(region\)\nCOMMENT 'sales'\n/);

  // CREATE OR REPLACE keeps the table's identity and history; the schema and rows are the new ones.
  const before = (await rows(lh, 'DESCRIBE DETAIL s'))[0];
  await lh.sql('CREATE OR REPLACE TABLE s USING DELTA AS SELECT id, amount * 2 AS doubled FROM s WHERE id > 3');
  assert.deepEqual(await rows(lh, 'SELECT * FROM s ORDER BY id'), [{ id: 5, doubled: '10.00' }, { id: 6, doubled: '12.00' }]);
  const after = (await rows(lh, 'DESCRIBE DETAIL s'))[0];
  assert.equal(after.id, before.id);
  assert.deepEqual(after.partitionColumns, []);
  assert.equal((await rows(lh, 'DESCRIBE HISTORY s LIMIT 1'))[0].operation, 'CREATE OR REPLACE TABLE AS SELECT');
  assert.equal((await rows(lh, 'SELECT count(*) AS n FROM s VERSION AS OF 1'))[0].n, 2);
  await lh.sql("REPLACE TABLE s (k STRING NOT NULL) USING DELTA TBLPROPERTIES ('delta.appendOnly' = 'true')");
  assert.deepEqual(await rows(lh, 'DESCRIBE s'), [{ col_name: 'k', data_type: 'string', comment: null }]);
  assert.equal((await rows(lh, 'SELECT count(*) AS n FROM s'))[0].n, 0);
  await assert.rejects(lh.sql('REPLACE TABLE nothing (a INT)'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await lh.sql('CREATE OR REPLACE TABLE fresh (a INT); INSERT INTO fresh VALUES (1), (2)');

  // TRUNCATE removes every row in one commit; an append-only table refuses it.
  await assert.rejects(lh.sql('TRUNCATE TABLE s'), { code: 'DELTA_APPEND_ONLY' });
  await lh.sql('TRUNCATE TABLE fresh');
  assert.equal((await rows(lh, 'SELECT count(*) AS n FROM fresh'))[0].n, 0);
  assert.equal((await rows(lh, 'DESCRIBE HISTORY fresh LIMIT 1'))[0].operation, 'TRUNCATE');

  // DROP TABLE deletes a managed table; an external one (LOCATION) keeps its files.
  const outside = join(dir, 'outside');
  await lh.sql(`CREATE TABLE ext (a INT) LOCATION '${outside}'; INSERT INTO ext VALUES (7); DROP TABLE ext; DROP TABLE fresh; DROP TABLE IF EXISTS nothing`);
  assert.deepEqual(await lh.tables(), ['s']);
  assert.deepEqual(await rows(lh, `SELECT a FROM delta.\`${outside}\``), [{ a: 7 }]);
  await assert.rejects(lh.sql('DROP TABLE nothing'), { code: 'DELTA_TABLE_NOT_FOUND' });
  await assert.rejects(lh.sql('SELECT * FROM fresh'), { code: 'LOCH_SQL_ERROR' });
});

test('time travel forms: table@v1, path@v1, TIMESTAMP AS OF an expression; EXPLAIN EXTENDED', async () => {
  const { lh, dir } = await lake();
  await lh.sql('CREATE TABLE t (a INT); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)');
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM t@v1'), [{ n: 1 }]);
  assert.deepEqual(await rows(lh, `SELECT count(*) AS n FROM delta.\`${join(dir, 'lake', 't')}@v0\``), [{ n: 0 }]);
  const [v1] = (await lh.table('t').history()).filter((h) => h.version === 1);
  const at = new Date(v1.timestamp).toISOString();
  assert.deepEqual(await rows(lh, `SELECT count(*) AS n FROM t TIMESTAMP AS OF CAST('${at}' AS TIMESTAMP) + INTERVAL 1 MILLISECOND AS x WHERE x.a > 0`), [{ n: 1 }]);
  await assert.rejects(lh.sql('SELECT * FROM t TIMESTAMP AS OF current_timestamp() + INTERVAL 1 DAY'), { code: 'DELTA_TIMESTAMP_OUT_OF_RANGE' });
  await assert.rejects(lh.sql("SELECT * FROM t TIMESTAMP AS OF 'nope' || 'x'"), { code: 'LOCH_SQL_ERROR', message: /TIMESTAMP AS OF 'nope' \|\| 'x': not a timestamp/ });
  const explain = await rows(lh, 'EXPLAIN EXTENDED SELECT * FROM t WHERE a = 2');
  assert.match(String(explain[0].explain_value), /DeltaScan t \(version 2\)\n  files: 1 of 2 read/);
});

test('Spark functions pasted from Databricks run over Delta tables: queries, DML and DataFrames', async () => {
  const { lh } = await lake();
  await lh.sql(`
    CREATE TABLE devices (id INT, tags MAP<STRING, INT>, readings ARRAY<DOUBLE>, seen TIMESTAMP, note STRING) USING DELTA;
    INSERT INTO devices VALUES
      (1, map('a', 1, 'b', 2), array(1.5, 2.5), TIMESTAMP '2024-03-05 07:08:09', NULL),
      (2, map('c', 3), array(), TIMESTAMP '2024-12-31 23:00:00', 'ok')`);
  assert.deepEqual(
    await rows(
      lh,
      `SELECT id, transform_values(tags, (k, v) -> v * 10) AS tv, map_keys(transform_keys(tags, (k, v) -> upper(k))) AS tk,
              map_keys(map_filter(tags, (k, v) -> v > 1)) AS kept, nvl(note, 'none') AS note, size(readings) AS n,
              date_format(seen, 'yyyy/MM/dd HH:mm') AS day
       FROM devices ORDER BY id`,
    ),
    [
      { id: 1, tv: { a: 10, b: 20 }, tk: ['A', 'B'], kept: ['b'], note: 'none', n: 2, day: '2024/03/05 07:08' },
      { id: 2, tv: { c: 30 }, tk: ['C'], kept: ['c'], note: 'ok', n: 0, day: '2024/12/31 23:00' },
    ],
  );
  assert.deepEqual(await rows(lh, 'SELECT id, explode(readings) AS r FROM devices ORDER BY id, r'), [
    { id: 1, r: 1.5 },
    { id: 1, r: 2.5 },
  ]);
  assert.deepEqual(await rows(lh, 'SELECT collect_list(note) AS notes FROM devices'), [{ notes: ['ok'] }]);
  // In DML: an UPDATE's assignment and condition.
  await lh.sql("UPDATE devices SET note = nvl(note, date_format(seen, 'MMM d')) WHERE size(readings) > 0");
  assert.deepEqual(await rows(lh, 'SELECT id, note FROM devices ORDER BY id'), [
    { id: 1, note: 'Mar 5' },
    { id: 2, note: 'ok' },
  ]);
  // In DataFrame expressions.
  const df = lh.read('devices').withColumn('total', 'list_sum(readings)').select('id', "map_zip_with(tags, map('a', 100), (k, x, y) -> nvl(x, 0) + nvl(y, 0)) AS z");
  assert.deepEqual(await df.orderBy('id').toRows(), [
    { id: 1, z: { a: 101, b: 2 } },
    { id: 2, z: { c: 3, a: 100 } },
  ]);
  // A pattern with no DuckDB equivalent is refused by name, before anything runs.
  await assert.rejects(lh.sql("SELECT date_format(seen, 'yyyy zzzz') FROM devices"), { code: 'LOCH_SQL_ERROR', message: /date_format\(\).*'zzzz'/ });
});

test('CONVERT TO DELTA: a Hive-style Parquet directory becomes a Delta table in place, with statistics', async () => {
  const { lh, dir } = await lake();
  const raw = join(dir, 'raw');
  await lh.sql(`COPY (SELECT i AS id, 'r' || (i % 3) AS region, DATE '2024-01-01' + CAST(i AS INT) AS day FROM range(30) t(i))
    TO '${raw}' (FORMAT parquet, PARTITION_BY (region))`);
  await assert.rejects(lh.sql(`CONVERT TO DELTA parquet.\`${raw}\``), { code: 'DELTA_INVALID_ARGUMENT', message: /expected 0 partition column\(s\).*PARTITIONED BY/ });
  const [r] = await lh.sql(`CONVERT TO DELTA parquet.\`${raw}\` PARTITIONED BY (region STRING)`);
  assert.match(String(r.summary), /: 3 files \(version 0\)$/);
  assert.deepEqual(await rows(lh, `DESCRIBE delta.\`${raw}\``), [
    { col_name: 'id', data_type: 'bigint', comment: null },
    { col_name: 'day', data_type: 'date', comment: null },
    { col_name: 'region', data_type: 'string', comment: null },
    { col_name: '', data_type: '', comment: '' },
    { col_name: '# Partition Information', data_type: '', comment: '' },
    { col_name: '# col_name', data_type: 'data_type', comment: 'comment' },
    { col_name: 'region', data_type: 'string', comment: null },
  ]);
  // Statistics prune: one file per region, and each file's id range spans most ids, so take a date.
  const [q] = await lh.sql(`SELECT count(*) AS n FROM delta.\`${raw}\` WHERE region = 'r1' AND id > 20`);
  assert.deepEqual(q.rows, [{ n: 3 }]);
  assert.equal(q.metrics!.scans[0].filesScanned, 1);
  assert.equal((await rows(lh, `DESCRIBE HISTORY delta.\`${raw}\``))[0].operation, 'CONVERT');
  // Converting again: already a Delta table, nothing to do. Writes go on as for any table.
  const [again] = await lh.sql(`CONVERT TO DELTA parquet.\`${raw}\` PARTITIONED BY (region STRING)`);
  assert.match(String(again.summary), /already a Delta table \(version 0\)/);
  await lh.sql(`INSERT INTO delta.\`${raw}\` VALUES (100, DATE '2025-01-01', 'r9')`);
  assert.deepEqual(await rows(lh, `SELECT count(*) AS n FROM delta.\`${raw}\``), [{ n: 31 }]);
  // NO STATISTICS: files without stats, read in full.
  const plain = join(dir, 'plain');
  await mkdir(plain);
  await lh.sql(`COPY (SELECT i AS id FROM range(10) t(i)) TO '${plain}/part-0.parquet' (FORMAT parquet); CONVERT TO DELTA parquet.\`${plain}\` NO STATISTICS`);
  const snapshot = await DeltaTable.forPath(plain).snapshot();
  assert.equal(snapshot.files[0].stats, undefined);
});

test('Spark\'s literals: "double-quoted" text is a string, backslash escapes, adjacent strings joined, X\'..\' binary; names in backquotes', async () => {
  const { lh } = await lake();
  await lh.sql(`CREATE TABLE items (id INT, category STRING); INSERT INTO items VALUES (1, 'Books'), (2, 'Music'), (3, "Books")`);
  assert.deepEqual(await rows(lh, 'SELECT count(*) AS n FROM items WHERE category = "Books"'), [{ n: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT "id" AS s, `id` FROM items WHERE `category` IN ("Music") ORDER BY `id`'), [{ s: 'id', id: 2 }]);
  assert.deepEqual(await rows(lh, String.raw`SELECT 'it\'s' AS a, "say \"hi\"" AS b, 'a\tb' AS c, 'x' 'y' "z" AS d, r'\d+' AS e, 'a;b' AS f, hex(X'1F2') AS g, '\u0041\101' AS h`), [
    { a: "it's", b: 'say "hi"', c: 'a\tb', d: 'xyz', e: '\\d+', f: 'a;b', g: '01F2', h: 'AA' },
  ]);
  await assert.rejects(lh.sql("SELECT X'1G'"), { code: 'LOCH_SQL_ERROR', message: /X'1G'.*hexadecimal/ });
  await lh.sql('UPDATE items SET category = "Film" WHERE id = 3');
  assert.deepEqual(await rows(lh, 'SELECT category FROM items WHERE id = 3'), [{ category: 'Film' }]);
  // A real unknown column is still an error, naming it.
  await assert.rejects(lh.sql('SELECT nope FROM items'), { code: 'LOCH_SQL_ERROR', message: /Referenced column "nope" not found/ });
});

test('ORDER BY puts NULLs where Spark does (first ascending, last descending); division by zero is NULL', async () => {
  const { lh } = await lake();
  await lh.sql('CREATE TABLE n (x INT); INSERT INTO n VALUES (2), (NULL), (1)');
  assert.deepEqual(await rows(lh, 'SELECT x FROM n ORDER BY x'), [{ x: null }, { x: 1 }, { x: 2 }]);
  assert.deepEqual(await rows(lh, 'SELECT x FROM n ORDER BY x DESC'), [{ x: 2 }, { x: 1 }, { x: null }]);
  assert.deepEqual(await rows(lh, 'SELECT x FROM n ORDER BY x NULLS LAST'), [{ x: 1 }, { x: 2 }, { x: null }]);
  assert.deepEqual(await lh.read('n').orderBy('x').toRows(), [{ x: null }, { x: 1 }, { x: 2 }]);
  // Division by zero is NULL, as in Spark with ANSI mode off.
  assert.deepEqual(await rows(lh, 'SELECT 1 / 0 AS a, 1.5 / 0.0 AS b, CAST(x AS DOUBLE) / 0 AS c FROM n WHERE x = 1'), [{ a: null, b: null, c: null }]);
});
