import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withConnection } from '@loch/engine-node';
import { parseExactJson } from '@loch/delta';
import { compute, resultType } from '../../src/sql/plan/decimal-rules.js';
import { sparkDecimalTypes } from '../../src/sql/plan/decimal-types.js';
import { toJsonText } from '../../src/planner/duck-json.js';

async function lake(): Promise<Lakehouse> {
  const lh = Lakehouse.open(join(await mkdtemp(join(tmpdir(), 'loch-decimal-')), 'lake'));
  await lh.sql(`CREATE TABLE o (id INT, amount DECIMAL(10,2), q INT, big BIGINT) USING DELTA;
    INSERT INTO o VALUES (1, 10.50, 3, 10), (2, 4.25, 2, -7), (3, 1.00, 7, 9223372036854775807)`);
  return lh;
}

async function last(lh: Lakehouse, sql: string): Promise<StatementResult> {
  const results = await lh.sql(sql);
  return results[results.length - 1];
}

const typeText = (r: StatementResult) => r.columns.map((c) => (c.deltaType.kind === 'decimal' ? `decimal(${c.deltaType.precision},${c.deltaType.scale})` : c.deltaType.kind === 'primitive' ? c.deltaType.name : c.deltaType.kind));

test("Spark's precision and scale rules", () => {
  const d = (precision: number, scale: number) => ({ precision, scale });
  assert.deepEqual(resultType('+', d(10, 2), d(5, 3)), { precision: 12, scale: 3, unadjusted: 12 });
  assert.deepEqual(resultType('*', d(10, 2), d(5, 3)), { precision: 16, scale: 5, unadjusted: 16 });
  assert.deepEqual(resultType('/', d(10, 2), d(10, 0)), { precision: 21, scale: 13, unadjusted: 21 });
  // Past 38 digits the scale gives way, down to 6.
  assert.deepEqual(resultType('*', d(38, 18), d(38, 18)), { precision: 38, scale: 6, unadjusted: 77 });
  assert.deepEqual(resultType('/', d(20, 2), d(20, 0)), { precision: 38, scale: 20, unadjusted: 41 });
  // Without precision loss, each is cut to 38; division balances the two.
  assert.deepEqual(resultType('*', d(20, 18), d(20, 19), false), { precision: 38, scale: 37, unadjusted: 41 });
  assert.deepEqual(resultType('/', d(38, 18), d(38, 18), false), { precision: 38, scale: 18, unadjusted: 95 });
  assert.equal(compute('/', '1', '3', d(14, 6)), '0.333333');
  assert.equal(compute('/', '2', '3', d(14, 6)), '0.666667', 'half up');
  assert.equal(compute('/', '-2', '3', d(14, 6)), '-0.666667', 'half away from zero');
  assert.equal(compute('*', '10.300000000000000000', '3.0000000000000000000', d(38, 34)), '30.9000000000000000000000000000000000');
  assert.equal(compute('*', '10.300000000000000000', '3.0000000000000000000', d(38, 37)), undefined, 'does not fit: NULL');
  assert.equal(compute('/', '1.5', '0', d(10, 2)), undefined, 'division by zero: NULL');
  assert.equal(compute('%', '-7.5', '2', d(3, 1)), '-1.5');
  assert.equal(compute('//', '-7.5', '2', d(19, 0)), '-3');
});

test('sum of a decimal(10,2) is decimal(20,2), avg decimal(14,6) and exact; sum of integers a bigint', async () => {
  const lh = await lake();
  const r = await last(lh, 'SELECT sum(amount), avg(amount), sum(q), avg(q), min(amount) FROM o');
  assert.deepEqual(typeText(r), ['decimal(20,2)', 'decimal(14,6)', 'long', 'double', 'decimal(10,2)']);
  assert.deepEqual(r.rows, [{ 'sum(amount)': '15.75', 'avg(amount)': '5.250000', 'sum(q)': 12, 'avg(q)': 4, 'min(amount)': '1.00' }]);
  // The types are those of a table made from the query.
  await lh.sql('CREATE TABLE agg USING DELTA AS SELECT sum(amount) AS s, avg(amount) AS a, sum(q) AS n FROM o GROUP BY id % 2');
  const schema = (await lh.table('agg').snapshot()).schema.fields.map((f) => [f.name, f.type]);
  assert.deepEqual(schema, [
    ['s', { kind: 'decimal', precision: 20, scale: 2 }],
    ['a', { kind: 'decimal', precision: 14, scale: 6 }],
    ['n', { kind: 'primitive', name: 'long' }],
  ]);
  // As window functions too, and an avg that is no finite binary fraction stays exact.
  const w = await last(lh, 'SELECT id, sum(amount) OVER (ORDER BY id) AS run, avg(amount) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS a FROM o ORDER BY id');
  assert.deepEqual(w.rows, [
    { id: 1, run: '10.50', a: '10.500000' },
    { id: 2, run: '14.75', a: '7.375000' },
    { id: 3, run: '15.75', a: '2.625000' },
  ]);
  assert.deepEqual((await last(lh, 'SELECT avg(x) AS a FROM (VALUES (1.00), (1.00), (2.00)) t(x)')).rows, [{ a: '1.333333' }]);
});

test('+ - * / % over decimals: Spark types and exact values; / on integers is a double; div a bigint', async () => {
  const lh = await lake();
  const r = await last(lh, 'SELECT amount / q AS d, amount * 2 AS m, amount + 1.005 AS p, amount - q AS s, amount % 3 AS r, q / 2 AS i, big div 2 AS n FROM o WHERE id = 3');
  assert.deepEqual(typeText(r), ['decimal(21,13)', 'decimal(12,2)', 'decimal(12,3)', 'decimal(13,2)', 'decimal(3,2)', 'double', 'long']);
  assert.deepEqual(r.rows, [{ d: '0.1428571428571', m: '2.00', p: '2.005', s: '-6.00', r: '1.00', i: 3.5, n: '4611686018427387903' }]);
  // Spark's answers where DuckDB's own would overflow or be a DOUBLE.
  const wide = await last(lh, 'SELECT 10.300000000000000000 * 3.0000000000000000000 AS a, 12345678912345.123456789123 / 0.000000012345678 AS b, CAST(1 AS DECIMAL(10,2)) / 0 AS z');
  assert.deepEqual(typeText(wide), ['decimal(38,34)', 'decimal(38,9)', 'decimal(14,6)']);
  assert.deepEqual(wide.rows, [{ a: '30.9000000000000000000000000000000000', b: '1000000073899961059796.725866332', z: null }]);
  const strict = await last(lh, 'SET spark.sql.decimalOperations.allowPrecisionLoss = false; SELECT 10.300000000000000000 * 3.0000000000000000000 AS a');
  assert.deepEqual(strict.rows, [{ a: null }]);
  assert.deepEqual((await last(lh, 'SELECT -7 div 2 AS a, 7 div 0 AS b, sum(amount) / count(*) AS c FROM o')).rows, [{ a: -3, b: null, c: '5.25000000000000000000' }]);
  // Rows written from such expressions keep the value.
  await lh.sql('CREATE TABLE ratios USING DELTA AS SELECT id, amount / q AS r FROM o');
  assert.deepEqual((await last(lh, 'SELECT r FROM ratios ORDER BY id')).rows.map((x) => x.r), ['3.5000000000000', '2.1250000000000', '0.1428571428571']);
});

test('a table made from sums and counts of integers stores them as bigint, as Spark does; a value past a long fails the write', async () => {
  const lh = await lake();
  await lh.sql("CREATE TABLE s (k STRING, v BIGINT); INSERT INTO s VALUES ('a', 1), ('a', 2), ('b', 5)");
  await lh.sql('CREATE TABLE g AS SELECT k, sum(v) AS total, count(*) AS n FROM s GROUP BY k');
  const described = await last(lh, 'DESCRIBE g');
  assert.deepEqual(described.rows.map((r) => [r.col_name, r.data_type]), [['k', 'string'], ['total', 'bigint'], ['n', 'bigint']]);
  assert.deepEqual((await last(lh, 'SELECT * FROM g ORDER BY k')).rows, [{ k: 'a', total: 3, n: 2 }, { k: 'b', total: 5, n: 1 }]);
  await assert.rejects(lh.sql('CREATE TABLE h AS SELECT CAST(170141183460469231731687303715884105727 AS HUGEINT) AS x'), (e: Error & { code?: string }) => e.code === 'DELTA_SCHEMA_MISMATCH' && /does not fit/.test(e.message));
});

/** `c`, recording the text of every query run on it. */
function recording(c: DuckDBConnection, ran: string[]): DuckDBConnection {
  return new Proxy(c, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      if (key === 'run' || key === 'runAndReadAll') return (sql: string) => (ran.push(sql), (v as (s: string) => unknown).call(target, sql));
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

test('a statement with a very large expression is typed and rewritten in its own text: parsed once, printed only for an operator outside a call', async () => {
  await withConnection(async (c) => {
    await c.run('CREATE TEMP TABLE o AS SELECT CAST(i AS INT) AS id, CAST(i / 4 AS DECIMAL(10,2)) AS amount, CAST(i % 7 AS INT) AS q FROM range(0, 40) t(i)');
    const branches = Array.from({ length: 3000 }, (_, i) => `WHEN id = ${i} THEN 'v${i}'`).join(' ');
    const big = `CASE ${branches} ELSE 'x' END`;
    // The calls about the statement (not the node shapes read once per process).
    const calls = (ran: string[], fn: string) => ran.filter((q) => q.includes(`${fn}(`) && q.includes('v2999')).length;
    // Decimal sums beside the CASE: typed from a query that is the statement with the sums' arguments
    // wrapped, and rewritten where they are written; the statement is never printed.
    const ran: string[] = [];
    const sql = `SELECT ${big} AS c, sum(amount) AS s, (sum(amount * q)) FROM o GROUP BY 1 ORDER BY 1 LIMIT 2`;
    const typed = await sparkDecimalTypes(recording(c, ran), sql);
    assert.equal(calls(ran, 'json_serialize_sql'), 1);
    const typing = ran.filter((q) => q.includes('json_serialize_plan('));
    assert.equal(typing.length, 1);
    assert.ok(typing[0].includes(`${big.replaceAll("'", "''")} AS c, sum(-(-(amount))) AS s, (sum(-(-(amount * q))))`), 'the statement as written, the sums marked');
    assert.equal(calls(ran, 'json_deserialize_sql'), 0);
    assert.ok(typed.startsWith(`SELECT ${big} AS c, `), typed.slice(0, 100));
    const r = await c.runAndReadAll(typed);
    assert.deepEqual(r.columnNames(), ['c', 's', 'sum((amount * q))']);
    assert.deepEqual(r.columnTypes().map((t) => t.toString()), ['VARCHAR', 'DECIMAL(20,2)', 'DECIMAL(31,2)']);
    assert.deepEqual(r.getRowsJS().map((row) => row.map(String)), [['v0', '0', '0'], ['v1', '0.25', '0.25']]);
    // An operator rewritten outside any call: its operands' extent is not known from its place, so
    // the statement is printed, once.
    const plus: string[] = [];
    const outside = await sparkDecimalTypes(recording(c, plus), `SELECT ${big} AS c, sum(amount) + 1 AS t FROM o GROUP BY 1 ORDER BY 1 LIMIT 2`);
    assert.equal(calls(plus, 'json_deserialize_sql'), 1);
    const o = await c.runAndReadAll(outside);
    assert.deepEqual(o.columnTypes().map((t) => t.toString()), ['VARCHAR', 'DECIMAL(21,2)']);
    assert.deepEqual(o.getRowsJS().map((row) => row.map(String)), [['v0', '1'], ['v1', '1.25']]);
    // Nothing to change (a sum of doubles, integer arithmetic): the statement is not printed at all.
    const none: string[] = [];
    const same = `SELECT ${big} AS c, sum(CAST(amount AS DOUBLE)) AS s, q + 1 AS t FROM o GROUP BY 1, 3`;
    assert.equal(await sparkDecimalTypes(recording(c, none), same), same);
    assert.equal(calls(none, 'json_deserialize_sql'), 0);
    assert.equal(calls(none, 'json_serialize_sql'), 1);
    // A chain of 300 decimal additions (a tree 300 deep; its casts make the rewritten one 600): Spark's type and the exact value.
    const chain = Array.from({ length: 300 }, () => 'amount').join(' + ');
    const deep = await c.runAndReadAll(await sparkDecimalTypes(c, `SELECT ${chain} AS a FROM o WHERE id = 3`));
    assert.deepEqual(deep.columnTypes().map((t) => t.toString()), ['DECIMAL(38,2)']);
    assert.equal(String(deep.getRowsJS()[0][0]), '225');
  });
});

test('parse trees deeper than the call stack goes are written back as JSON', () => {
  // A rewrite can nest deeper than DuckDB's parser does (each of a chain's additions gets a cast).
  let tree: ReturnType<typeof parseExactJson> = { class: 'CONSTANT', value: parseExactJson('18446744073709551615') };
  for (let i = 0; i < 20_000; i++) tree = { class: 'FUNCTION', function_name: '+', children: [tree, { class: 'CONSTANT', value: i, text: 'a "quoted", [bracketed] string' }] };
  const text = toJsonText(tree);
  assert.ok(text.startsWith('{"class":"FUNCTION","function_name":"+","children":[{"class":"FUNCTION"'));
  assert.ok(text.includes('{"class":"CONSTANT","value":18446744073709551615}'), 'a 64-bit number keeps its digits');
  assert.ok(text.endsWith('{"class":"CONSTANT","value":19999,"text":"a \\"quoted\\", [bracketed] string"}]}'));
  // The same tree, level by level: each addition's right operand is its constant.
  let node = JSON.parse(text) as { class: string; children?: [unknown, { value: number }]; value?: number };
  for (let i = 19_999; i >= 0; i--) {
    assert.equal(node.children?.[1].value, i);
    node = node.children![0] as typeof node;
  }
  assert.equal(node.class, 'CONSTANT');
});
