import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';

async function setup(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-files-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir };
}

async function query(lh: Lakehouse, sql: string): Promise<StatementResult> {
  const results = await lh.sql(sql);
  return results[results.length - 1];
}

const typesOf = (r: StatementResult) => r.columns.map((c) => `${c.name}:${c.deltaType.kind === 'primitive' ? c.deltaType.name : c.deltaType.kind}`);

test('json.`path`: one object per line, fields in name order at every level, strings stay strings', async () => {
  const { lh, dir } = await setup();
  const file = join(dir, 'orders.json');
  await writeFile(file, '{"b": 1, "a": "x", "ts": "2024-01-01T10:00:00", "s": {"z": 1, "y": "q"}}\n{"a": "y", "b": 2.5}\n');
  const r = await query(lh, `SELECT * FROM json.\`${file}\``);
  assert.deepEqual(typesOf(r), ['a:string', 'b:double', 's:struct', 'ts:string']);
  assert.deepEqual(r.rows, [
    { a: 'x', b: 1, s: { y: 'q', z: 1 }, ts: '2024-01-01T10:00:00' },
    { a: 'y', b: 2.5, s: null, ts: null },
  ]);
  // A whole-file JSON array needs multiLine, as in Spark.
  const multi = join(dir, 'multi.json');
  await writeFile(multi, '[{"k": 1},\n {"k": 2}]');
  assert.deepEqual((await query(lh, `SELECT * FROM read_files('${multi}', format => 'json', multiLine => true)`)).rows, [
    { k: 1, _rescued_data: null },
    { k: 2, _rescued_data: null },
  ]);
});

test('csv.`path` reads as Spark does: no header, strings named _c0...; read_files infers types and takes Spark options', async () => {
  const { lh, dir } = await setup();
  const file = join(dir, 'people.csv');
  await writeFile(file, 'id;name;born\n1;ann;01/02/1990\n2;NA;03/04/1985\n');
  const plain = await query(lh, `SELECT * FROM csv.\`${file}\``);
  assert.deepEqual(typesOf(plain), ['_c0:string']);
  assert.deepEqual(plain.rows[0], { _c0: 'id;name;born' });
  const r = await query(lh, `SELECT * FROM read_files('${file}', format => 'csv', header => true, sep => ';', nullValue => 'NA', dateFormat => 'MM/dd/yyyy')`);
  assert.deepEqual(typesOf(r), ['id:long', 'name:string', 'born:date', '_rescued_data:string']);
  assert.deepEqual(r.rows, [
    { id: 1, name: 'ann', born: '1990-01-02', _rescued_data: null },
    { id: 2, name: null, born: '1985-03-04', _rescued_data: null },
  ]);
  const typed = await query(lh, `SELECT * FROM read_files('${file}', format => 'csv', header => 'true', delimiter => ';', schema => 'id INT, name STRING, born STRING')`);
  assert.deepEqual(typesOf(typed), ['id:integer', 'name:string', 'born:string']);
  assert.deepEqual(typed.rows[1], { id: 2, name: 'NA', born: '03/04/1985' });
});

test('a directory: files at any depth but hidden ones, k=v directories as partition columns; globs and pathGlobFilter', async () => {
  const { lh, dir } = await setup();
  const root = join(dir, 'events');
  for (const [day, k] of [['2024-01-01', 1], ['2024-01-02', 2]] as const) {
    await mkdir(join(root, `day=${day}`), { recursive: true });
    await writeFile(join(root, `day=${day}`, `part-${k}.json`), `{"k": ${k}}\n`);
  }
  await writeFile(join(root, '_SUCCESS'), '');
  await mkdir(join(root, '_tmp'));
  await writeFile(join(root, '_tmp', 'half.json'), '{"k": 99}\n');
  await writeFile(join(root, '.part-1.json.crc'), 'x');
  const r = await query(lh, `SELECT k, day FROM json.\`${root}\` ORDER BY k`);
  assert.deepEqual(r.rows, [{ k: 1, day: '2024-01-01' }, { k: 2, day: '2024-01-02' }]);
  assert.deepEqual((await query(lh, `SELECT k FROM read_files('${root}/day=*/part-2.json')`)).rows, [{ k: 2 }]);
  assert.deepEqual((await query(lh, `SELECT k FROM read_files('${root}', format => 'json', pathGlobFilter => '*-1.json')`)).rows, [{ k: 1 }]);
  const flat = await query(lh, `SELECT * FROM read_files('${root}', format => 'json', recursiveFileLookup => true) ORDER BY k`);
  assert.deepEqual(flat.columns.map((c) => c.name), ['k', '_rescued_data']);
});

test('text.`path` gives a row per line; binaryFile.`path` the files themselves; parquet.`path` a Delta table\'s files', async () => {
  const { lh, dir } = await setup();
  const file = join(dir, 'lines.txt');
  await writeFile(file, 'one\r\ntwo\n\nfour\n');
  assert.deepEqual((await query(lh, `SELECT value FROM text.\`${file}\``)).rows.map((r) => r.value), ['one', 'two', '', 'four']);
  assert.deepEqual((await query(lh, `SELECT * FROM read_files('${file}', format => 'text', wholetext => true)`)).rows, [{ value: 'one\r\ntwo\n\nfour\n' }]);
  const bin = await query(lh, `SELECT path, length, content, modificationTime IS NOT NULL AS dated FROM binaryFile.\`${file}\``);
  assert.deepEqual(bin.rows, [{ path: `file:${file}`, length: 15, content: Buffer.from('one\r\ntwo\n\nfour\n').toString('base64'), dated: true }]);
  await lh.sql('CREATE TABLE t USING DELTA AS SELECT id FROM range(5)');
  assert.deepEqual((await query(lh, `SELECT sum(id) AS s FROM parquet.\`${join(dir, 'lake', 't')}\``)).rows, [{ s: 10 }]);
});

test('files as tables mix with Delta tables, and feed CREATE TABLE AS and INSERT', async () => {
  const { lh, dir } = await setup();
  const file = join(dir, 'in.json');
  await writeFile(file, '{"id": 1, "v": "a"}\n{"id": 2, "v": "b"}\n');
  await lh.sql(`CREATE TABLE t USING DELTA AS SELECT id, v FROM json.\`${file}\`; INSERT INTO t SELECT id + 10, upper(v) FROM read_files('${file}')`);
  const r = await query(lh, `SELECT t.id, f.v FROM t JOIN json.\`${file}\` f ON t.id % 10 = f.id WHERE t.id > 1 ORDER BY t.id`);
  assert.deepEqual(r.rows, [{ id: 2, v: 'b' }, { id: 11, v: 'a' }, { id: 12, v: 'b' }]);
});

test('errors say what is wrong with the path, the format or an option', async () => {
  const { lh, dir } = await setup();
  const file = join(dir, 'a.csv');
  await writeFile(file, 'x\n1\n');
  const cases: [string, { code: string; message: RegExp }][] = [
    [`SELECT * FROM json.\`${dir}/missing.json\``, { code: 'LOCH_PATH_NOT_FOUND', message: /json\.`.*missing\.json`: path does not exist/ }],
    [`SELECT * FROM read_files('${dir}/*.parquet')`, { code: 'LOCH_PATH_NOT_FOUND', message: /no files to read/ }],
    [`SELECT * FROM read_files('${file}', format => 'csv', headr => true)`, { code: 'LOCH_SQL_ERROR', message: /cannot honour the csv option headr/ }],
    [`SELECT * FROM read_files('${file}', format => 'csv', header => 'yes')`, { code: 'LOCH_SQL_ERROR', message: /header must be true or false/ }],
    [`SELECT * FROM read_files('${file}', format => 'csv', mode => 'LENIENT')`, { code: 'LOCH_SQL_ERROR', message: /mode must be PERMISSIVE, DROPMALFORMED or FAILFAST/ }],
    [`SELECT * FROM read_files('${file}', format => 'csv', schema => 'x WIDGET')`, { code: 'LOCH_SQL_ERROR', message: /schema 'x WIDGET' is not a column list/ }],
    [`SELECT * FROM read_files(${file})`, { code: 'LOCH_SQL_ERROR', message: /the first argument must be the path/ }],
    [`SELECT * FROM orc.\`${file}\``, { code: 'LOCH_UNSUPPORTED_STATEMENT', message: /reading orc files/ }],
    [`SELECT * FROM read_files('s3://bucket/in')`, { code: 'LOCH_UNSUPPORTED_STATEMENT', message: /local filesystem/ }],
    [`SELECT * FROM read_files('${dir}')`, { code: 'LOCH_SQL_ERROR', message: /cannot tell the files' format/ }],
  ];
  await writeFile(join(dir, 'b.weird'), 'z');
  for (const [sql, expected] of cases) await assert.rejects(lh.sql(sql), expected, sql);
});
