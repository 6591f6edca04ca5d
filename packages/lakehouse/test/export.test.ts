/**
 * Rows out of Loch in bulk: DuckDB's JSON and CSV writers give byte for byte what Loch's JavaScript
 * encoding gives (design/CLI.md), Arrow batches and Parquet/Arrow files hold the same values,
 * INSERT OVERWRITE DIRECTORY writes Spark's layout, and a result too large for memory as rows
 * fails with a coded error instead of taking the process down.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { csvHeader, csvLines, DeltaTable, jsonLines, Lakehouse, writeArrowStream } from '@loch/lakehouse';
import { sqlString, withConnection } from '@loch/engine-node';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'loch-export-'));
  dirs.push(d);
  return d;
}

/** Every Delta type, with the values whose encoding is easy to get wrong. */
const VALUES = `SELECT * FROM (VALUES
  (1::BIGINT, 9007199254740993::BIGINT, 1::INTEGER, 0.1::FLOAT, 'NaN'::DOUBLE, 12.340::DECIMAL(10,3), 'a"b,c', '\\x00\\xFF'::BLOB, true, DATE '2020-01-02',
   TIMESTAMPTZ '2020-01-02 03:04:05.123456+00', TIMESTAMP '2020-01-02 03:04:05', {'x': 1, 'y': 'z'}, [1.5, NULL]::DOUBLE[], MAP {'k': 1}, MAP {1: 'v'}),
  (2, -9007199254740993, NULL, -0.0, 100.0, -0.500, '', NULL, false, DATE '1900-01-01', NULL, NULL, NULL, [], MAP {}, NULL),
  (3, NULL, 3, 'inf'::FLOAT, -12.75, NULL, 'é\n ☃', '\\x01'::BLOB, NULL, NULL, TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', TIMESTAMP '9999-12-31 23:59:59', {'x': NULL, 'y': NULL}, NULL, NULL, MAP {2: NULL}),
  (4, 0, 4, 1.5e-7, 123456.789, 0, ' sp ', ''::BLOB, true, DATE '0099-03-04', NULL, NULL, NULL, [-0.0, 1e-5, 2.5e-7], MAP {'a': NULL}, NULL)
) t(id, big, i, f, d, dec, s, b, bo, dt, ts, tsn, st, arr, m1, m2)`;

async function everyType(): Promise<DeltaTable> {
  const t = DeltaTable.forPath(join(await temp(), 'types'));
  await t.write(VALUES);
  return t;
}

test("DuckDB's JSON and CSV writers give exactly the text of Loch's JavaScript encoding", async () => {
  const t = await everyType();
  const dir = await temp();
  const { rows, schema } = await t.scan();
  const names = schema.fields.map((f) => f.name);
  assert.equal((await t.scan().writeTo(join(dir, 'out.jsonl'), 'jsonl')).rows, rows.length);
  assert.equal(await readFile(join(dir, 'out.jsonl'), 'utf8'), jsonLines(rows));
  await t.scan().writeTo(join(dir, 'out.csv'), 'csv');
  assert.equal(await readFile(join(dir, 'out.csv'), 'utf8'), csvHeader(names) + csvLines(names, rows));
  // A filtered, projected scan, and a file replaced whole.
  await t.scan({ columns: ['s', 'id'], where: 'id > 2' }).writeTo(join(dir, 'out.jsonl'), 'jsonl');
  assert.equal(await readFile(join(dir, 'out.jsonl'), 'utf8'), jsonLines((await t.scan({ columns: ['s', 'id'], where: 'id > 2' })).rows));
  assert.deepEqual((await readdir(dir)).sort(), ['out.csv', 'out.jsonl'], 'no temporary file left');
});

test('a query result too: repeated column names, types only JavaScript encodes, doubles past 1e21', async () => {
  const lake = Lakehouse.open(await temp());
  const dir = await temp();
  const query = `SELECT 1 AS a, 2 AS a, INTERVAL 3 DAY AS span, 1e21::DOUBLE AS huge, 'x' AS s`;
  const read = async (format: 'jsonl' | 'csv') => {
    for await (const r of lake.sqlStream(query, { stream: true })) await r.stream!.writeTo(join(dir, `q.${format}`), format);
    return readFile(join(dir, `q.${format}`), 'utf8');
  };
  const [{ rows, columns }] = await lake.sql(query);
  assert.deepEqual(columns.map((c) => c.name), ['a', 'a_1', 'span', 'huge', 's']);
  assert.equal(await read('jsonl'), jsonLines(rows));
  assert.equal(await read('csv'), csvHeader(columns.map((c) => c.name)) + csvLines(columns.map((c) => c.name), rows));
  // Written by DuckDB, a double of 1e21 or more is spelled 1e21 (JavaScript: 1e+21): the same number.
  const lines = (await lake.sql('SELECT 1e21::DOUBLE AS huge, 2 AS n'))[0];
  for await (const r of lake.sqlStream('SELECT 1e21::DOUBLE AS huge, 2 AS n', { stream: true })) await r.stream!.writeTo(join(dir, 'h.jsonl'), 'jsonl');
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'h.jsonl'), 'utf8')), lines.rows[0]);
});

/** An Arrow row as plain JSON (nested vectors as arrays, 64-bit integers as text). */
const plain = (row: unknown) => JSON.parse(JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));

test('Arrow batches, Parquet and Arrow IPC files hold the values the table holds', async () => {
  const t = await everyType();
  const dir = await temp();
  const expected = [...(await t.scan()).toArrow()].map(plain);
  const streamed: unknown[] = [];
  for await (const batch of t.scan().batches()) for (const r of batch) streamed.push(plain(r));
  assert.deepEqual(streamed, expected);

  await t.scan().writeTo(join(dir, 't.parquet'), 'parquet');
  const fromParquet = await withConnection(async (c) => (await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(join(dir, 't.parquet'))})`)).getRowsJson());
  const fromTable = await withConnection(async (c) => {
    const root = await t.location();
    const files = (await t.snapshot()).files.map((f) => sqlString(fileURLToPath(new URL(f.path, root))));
    return (await c.runAndReadAll(`SELECT * FROM read_parquet([${files.join(', ')}])`)).getRowsJson();
  });
  assert.deepEqual(fromParquet, fromTable);

  await writeArrowStream(await t.scan().stream(), join(dir, 't.arrow'));
  const ipc = tableFromIPC(await readFile(join(dir, 't.arrow')));
  assert.deepEqual([...ipc].map(plain), expected);
  assert.deepEqual(ipc.schema.fields.map((f) => String(f.type)), (await t.scan()).toArrow().schema.fields.map((f) => String(f.type)));
  // No rows: the schema still goes out.
  await writeArrowStream(await t.scan({ where: 'id < 0' }).stream(), join(dir, 'none.arrow'));
  assert.deepEqual(tableFromIPC(await readFile(join(dir, 'none.arrow'))).schema.fields.map((f) => f.name), ipc.schema.fields.map((f) => f.name));
});

test("INSERT OVERWRITE DIRECTORY writes Spark's layout in Parquet, JSON and CSV, and replaces the directory whole", async () => {
  const root = await temp();
  const lake = Lakehouse.open(join(root, 'lake'));
  await lake.table('events').write(`SELECT id, 'e' || id AS name FROM range(5) t(id)`);
  const out = join(root, 'out');
  await mkdir(out);
  await writeFile(join(out, 'stale.txt'), 'from before');
  const [r] = await lake.sql(`INSERT OVERWRITE DIRECTORY '${out}' USING PARQUET SELECT * FROM events WHERE id < 3`);
  assert.equal(r.summary, `INSERT OVERWRITE DIRECTORY ${out}: 3 rows`);
  let files = (await readdir(out)).sort();
  assert.equal(files.length, 2);
  assert.equal(files[0], '_SUCCESS');
  assert.match(files[1], /^part-00000-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
  const back = await lake.sql(`SELECT * FROM read_parquet('${join(out, files[1])}') ORDER BY id`);
  assert.deepEqual(back[0].rows, [{ id: 0, name: 'e0' }, { id: 1, name: 'e1' }, { id: 2, name: 'e2' }]);

  await lake.sql(`INSERT OVERWRITE LOCAL DIRECTORY USING csv OPTIONS (path '${out}', header 'true') SELECT * FROM events WHERE id = 4`);
  files = (await readdir(out)).filter((f) => f.startsWith('part-'));
  assert.equal(await readFile(join(out, files[0]), 'utf8'), 'id,name\n4,e4\n');
  await lake.sql(`INSERT OVERWRITE DIRECTORY '${out}' USING JSON VALUES (1, 'x')`);
  files = (await readdir(out)).filter((f) => f.startsWith('part-'));
  assert.match(files[0], /\.json$/);
  assert.equal(await readFile(join(out, files[0]), 'utf8'), '{"col0":1,"col1":"x"}\n');

  // A failing query changes nothing.
  await assert.rejects(lake.sql(`INSERT OVERWRITE DIRECTORY '${out}' USING csv SELECT nope FROM events`), /nope/);
  assert.deepEqual((await readdir(out)).filter((f) => f.startsWith('part-')), files);
  assert.equal((await readdir(root)).filter((f) => f.startsWith('.out')).length, 0, 'no staging directory left');
  await assert.rejects(lake.sql(`INSERT OVERWRITE DIRECTORY '${join(out, files[0])}' USING csv SELECT 1`), /a file, not a directory/);
  await assert.rejects(lake.sql(`INSERT OVERWRITE DIRECTORY '${out}' USING orc SELECT 1`), /parquet, json, csv, not orc/);
});

test('rows that do not fit in memory fail with LOCH_RESULT_TOO_LARGE, pointing to batches', async () => {
  const root = await temp();
  await DeltaTable.forPath(join(root, 't')).write(`SELECT id, repeat('x', 64) AS s FROM range(1000000) t(id)`);
  // A small heap, so that a few million rows are too many.
  const script = `
    import { DeltaTable } from '@loch/lakehouse';
    try { await DeltaTable.forPath(${JSON.stringify(join(root, 't'))}).scan(); console.log('read'); }
    catch (e) { console.log(e.code, e.message); }`;
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ['--max-old-space-size=128', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
  assert.match(stdout, /^LOCH_RESULT_TOO_LARGE .*does not fit in memory as rows.*batches\(\)/);
  // The same rows stream through in batches.
  let n = 0;
  for await (const rows of DeltaTable.forPath(join(root, 't')).scan({ columns: ['id'] }).rowBatches()) n += rows.length;
  assert.equal(n, 1_000_000);
});

