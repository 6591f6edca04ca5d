import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cursor } from '../../src/sql/parse/cursor.js';
import { splitStatements } from '../../src/sql/parse/lexer.js';
import { findTableRefs, rewriteQuery } from '../../src/sql/plan/references.js';
import { parseSparkType } from '../../src/sql/parse/spark-types.js';
import { parseStatement, type CreateStatement, type InsertStatement } from '../../src/sql/parse/statements.js';

test('split: ; inside strings, quoted names and comments does not split', () => {
  const text = `SELECT 'a;b', "c;d", \`e;f\` -- g;h
  ; /* i;j */ SELECT 2;; /* only a comment */ ;
  SELECT 'it''s;' AS x -- the end; really`;
  const parts = splitStatements(text);
  assert.deepEqual(
    parts.map((p) => p.number),
    [1, 2, 3],
  );
  assert.match(parts[0].text, /^SELECT 'a;b', "c;d", `e;f` -- g;h$/);
  assert.equal(parts[1].text, '/* i;j */ SELECT 2');
  assert.equal(parts[2].text, "SELECT 'it''s;' AS x -- the end; really");
});

test('Spark type names map to Delta types', () => {
  const t = (s: string) => parseSparkType(new Cursor(s));
  assert.deepEqual(t('INT'), { kind: 'primitive', name: 'integer' });
  assert.deepEqual(t('bigint'), { kind: 'primitive', name: 'long' });
  assert.deepEqual(t('Long'), { kind: 'primitive', name: 'long' });
  assert.deepEqual(t('TINYINT'), { kind: 'primitive', name: 'byte' });
  assert.deepEqual(t('real'), { kind: 'primitive', name: 'float' });
  assert.deepEqual(t('VARCHAR(20)'), { kind: 'primitive', name: 'string' });
  assert.deepEqual(t('CHAR(3)'), { kind: 'primitive', name: 'string' });
  assert.deepEqual(t('TIMESTAMP_NTZ'), { kind: 'primitive', name: 'timestamp_ntz' });
  assert.deepEqual(t('DECIMAL(12, 3)'), { kind: 'decimal', precision: 12, scale: 3 });
  assert.deepEqual(t('DECIMAL'), { kind: 'decimal', precision: 10, scale: 0 });
  assert.deepEqual(t('ARRAY<MAP<STRING, ARRAY<INT>>>'), {
    kind: 'array',
    containsNull: true,
    elementType: {
      kind: 'map',
      keyType: { kind: 'primitive', name: 'string' },
      valueType: { kind: 'array', elementType: { kind: 'primitive', name: 'integer' }, containsNull: true },
      valueContainsNull: true,
    },
  });
  const s = t("STRUCT<a: INT NOT NULL, `b c` STRING COMMENT 'x'>");
  assert.equal(s.kind, 'struct');
  if (s.kind === 'struct') {
    assert.deepEqual(
      s.fields.map((f) => [f.name, f.nullable, f.metadata]),
      [
        ['a', false, {}],
        ['b c', true, { comment: 'x' }],
      ],
    );
  }
  assert.throws(() => t('DECIMAL(40,2)'), /out of range/);
  assert.throws(() => t('WIDGET'), { code: 'LOCH_SQL_ERROR' });
});

test('CREATE TABLE: columns, clauses in any order, properties, CTAS', () => {
  const st = parseStatement(`create table if not exists \`my events\` (
      id BIGINT NOT NULL COMMENT 'key', country STRING)
    using delta comment 'all events' tblproperties ('delta.appendOnly' = 'true', delta.logRetentionDuration = 'interval 7 days')
    partitioned by (country) location '/tmp/x'`) as CreateStatement;
  assert.equal(st.kind, 'create');
  assert.deepEqual(st.table, { kind: 'name', name: 'my events' });
  assert.equal(st.ifNotExists, true);
  assert.deepEqual(st.partitionBy, ['country']);
  assert.equal(st.location, '/tmp/x');
  assert.equal(st.comment, 'all events');
  assert.deepEqual(st.properties, { 'delta.appendOnly': 'true', 'delta.logRetentionDuration': 'interval 7 days' });
  assert.deepEqual(
    st.columns!.map((c) => [c.name, c.nullable, c.metadata]),
    [
      ['id', false, { comment: 'key' }],
      ['country', true, {}],
    ],
  );
  const ctas = parseStatement('CREATE TABLE delta.`/data/t` USING DELTA PARTITIONED BY (k) AS SELECT 1 AS k') as CreateStatement;
  assert.deepEqual(ctas.table, { kind: 'path', path: '/data/t' });
  assert.equal(ctas.query, 'SELECT 1 AS k');
  assert.deepEqual((parseStatement("CREATE TABLE t (a INT) USING CSV OPTIONS (header 'true')") as CreateStatement).source, { format: 'csv', options: { header: 'true' } });
  assert.throws(() => parseStatement('CREATE TABLE t (a INT) USING orc'), { code: 'LOCH_UNSUPPORTED_STATEMENT' });
  assert.throws(() => parseStatement('CREATE TABLE t (a INT) AS SELECT 1'), { code: 'LOCH_SQL_ERROR' });
  assert.deepEqual((parseStatement('CREATE TABLE db.t (a INT)') as CreateStatement).table, { kind: 'name', name: 't', schema: 'db' });
  assert.deepEqual((parseStatement('CREATE TABLE main.`my db`.t (a INT)') as CreateStatement).table, { kind: 'name', name: 't', schema: 'my db', catalog: 'main' });
  assert.throws(() => parseStatement('CREATE TABLE a.b.c.d (a INT)'), /has 4 parts/);
  assert.equal(parseStatement('CREATE TEMP TABLE t AS SELECT 1').kind, 'query');
});

test('INSERT: column lists, OVERWRITE, REPLACE WHERE, BY NAME', () => {
  const a = parseStatement('insert into t (b, a) values (1, 2), (3, 4)') as InsertStatement;
  assert.deepEqual([a.overwrite, a.columns, a.source], [false, ['b', 'a'], 'values (1, 2), (3, 4)']);
  const b = parseStatement('INSERT OVERWRITE TABLE t SELECT * FROM s') as InsertStatement;
  assert.deepEqual([b.overwrite, b.columns, b.source], [true, undefined, 'SELECT * FROM s']);
  const c = parseStatement('INSERT INTO t (SELECT 1)') as InsertStatement;
  assert.deepEqual([c.columns, c.source], [undefined, '(SELECT 1)']);
  const d = parseStatement("INSERT INTO t REPLACE WHERE d >= '2024-01-01' AND k IN (1, 2) SELECT * FROM s") as InsertStatement;
  assert.equal(d.replaceWhere, "d >= '2024-01-01' AND k IN (1, 2)");
  assert.equal(d.source, 'SELECT * FROM s');
  assert.equal((parseStatement('INSERT INTO t BY NAME SELECT 1 AS a') as InsertStatement).byName, true);
  const e = parseStatement("INSERT INTO t PARTITION (p = 'x', q) SELECT 1") as InsertStatement;
  assert.deepEqual([e.partition, e.source], [[{ column: 'p', value: "'x'" }, { column: 'q' }], 'SELECT 1']);
});

test('Delta statements Loch does not run yet fail with a code and never reach DuckDB', () => {
  const cases: [string, string][] = [
    ['CONVERT TO DELTA iceberg.`/data/t`', 'CONVERT TO DELTA of an Iceberg table is not supported yet'],
    ['reorg table t apply (upgrade uniform(icebergCompatVersion = 2))', 'REORG TABLE ... APPLY (UPGRADE ...) is not supported yet'],
    ['ALTER TABLE t RENAME COLUMN s.a TO b', 'ALTER TABLE ... RENAME COLUMN of nested fields is not supported yet'],
    ['-- comment first\nGENERATE symlink_format_manifest FOR TABLE t', 'GENERATE is not supported yet'],
  ];
  for (const [sql, message] of cases) assert.throws(() => parseStatement(sql), { code: 'LOCH_UNSUPPORTED_STATEMENT', message });
});

test('DESCRIBE HISTORY, SHOW TABLES, SET, RESET', () => {
  assert.deepEqual(parseStatement('DESCRIBE HISTORY events LIMIT 2'), { kind: 'describeHistory', table: { kind: 'name', name: 'events' }, limit: 2 });
  assert.deepEqual(parseStatement("describe history '/data/t'"), { kind: 'describeHistory', table: { kind: 'path', path: '/data/t' } });
  assert.deepEqual(parseStatement('SHOW TABLES'), { kind: 'showTables' });
  assert.deepEqual(parseStatement('DESCRIBE TABLE EXTENDED t'), { kind: 'describeTable', table: { kind: 'name', name: 't' }, extended: true });
  assert.deepEqual(parseStatement('DESC t'), { kind: 'describeTable', table: { kind: 'name', name: 't' }, extended: false });
  assert.equal(parseStatement('DESCRIBE SELECT 1').kind, 'query');
  assert.deepEqual(parseStatement("SHOW TBLPROPERTIES t ('delta.appendOnly')"), { kind: 'showTblProperties', table: { kind: 'name', name: 't' }, key: 'delta.appendOnly' });
  assert.deepEqual(parseStatement('SHOW TBLPROPERTIES t (delta.appendOnly)'), { kind: 'showTblProperties', table: { kind: 'name', name: 't' }, key: 'delta.appendOnly' });
  assert.deepEqual(parseStatement('SHOW COLUMNS FROM t'), { kind: 'showColumns', table: { kind: 'name', name: 't' } });
  assert.deepEqual(parseStatement('TRUNCATE TABLE t'), { kind: 'truncate', table: { kind: 'name', name: 't' } });
  assert.deepEqual(parseStatement('DROP TABLE IF EXISTS t PURGE'), { kind: 'dropTable', table: { kind: 'name', name: 't' }, ifExists: true });
  assert.equal((parseStatement('CREATE OR REPLACE TABLE t (a INT)') as { replace?: string }).replace, 'orCreate');
  assert.equal((parseStatement('REPLACE TABLE t AS SELECT 1') as { replace?: string }).replace, 'only');
  assert.throws(() => parseStatement('CREATE OR REPLACE TABLE IF NOT EXISTS t (a INT)'), { code: 'LOCH_SQL_ERROR' });
  assert.deepEqual(parseStatement('SET spark.sql.ansi.enabled = true'), { kind: 'set', key: 'spark.sql.ansi.enabled', value: 'true' });
  assert.deepEqual(parseStatement("SET `my key`='a b'"), { kind: 'set', key: 'my key', value: 'a b' });
  assert.deepEqual(parseStatement('SET a.b'), { kind: 'set', key: 'a.b' });
  assert.deepEqual(parseStatement('SET'), { kind: 'set' });
  assert.deepEqual(parseStatement('RESET a.b'), { kind: 'reset', key: 'a.b' });
  assert.equal(parseStatement('SET VARIABLE x = 1').kind, 'query');
});

test('table references: FROM, JOIN, comma lists, time travel, aliases; not CTEs, functions or strings', () => {
  const q = findTableRefs(
    `WITH recent AS (SELECT * FROM events VERSION AS OF 3 WHERE x = 'FROM nope')
     SELECT e.id, extract(year FROM ts) FROM recent r JOIN users u ON r.id = u.id, delta.\`/data/t\` TIMESTAMP AS OF '2024-01-01' AS t
     JOIN range(10) g ON true LEFT JOIN main.other o ON true WHERE a IS DISTINCT FROM b`,
  );
  assert.deepEqual(
    q.refs.map((r) => [r.text, r.table, r.version ?? r.timestamp, r.alias, r.explicit]),
    [
      ['events', { kind: 'name', name: 'events' }, 3, 'events', true],
      ['users', { kind: 'name', name: 'users' }, undefined, undefined, false],
      ['delta.`/data/t`', { kind: 'path', path: '/data/t' }, '2024-01-01', undefined, true],
      ['main.other', { kind: 'name', name: 'other', schema: 'main' }, undefined, undefined, false],
    ],
  );
  const rewritten = rewriteQuery(q, (r) => ('table' in r && r.table.kind === 'path' ? 'V_T' : r.text === 'events' ? 'V_E' : undefined));
  assert.match(rewritten, /SELECT \* FROM V_E AS "events" WHERE x = 'FROM nope'/);
  assert.match(rewritten, /, V_T AS t/);
  assert.match(rewritten, /JOIN users u ON/);
  const simple = findTableRefs('SELECT events.id FROM events, `other t` WHERE 1 = 1');
  assert.deepEqual(
    simple.refs.map((r) => [r.text, r.alias]),
    [
      ['events', 'events'],
      ['`other t`', 'other t'],
    ],
  );
  assert.equal(rewriteQuery(simple, () => undefined), 'SELECT events.id FROM events, "other t" WHERE 1 = 1');
  assert.throws(() => findTableRefs('SELECT * FROM t VERSION AS OF x'), /needs a version number/);
});
