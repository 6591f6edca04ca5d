import assert from 'node:assert/strict';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyGolden, golden, jsonLines, loch, repo, tableFromSql } from './support.js';

const oneErrorLine = (stderr: string, code: string) => {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${stderr}`);
  assert.match(lines[0], new RegExp(`^${code}: .+`));
  return lines[0];
};

test('scan prints every row as JSON lines, keyed by logical names', async () => {
  const r = await loch('scan', join(golden, 'table-with-columnmapping-mode-name/delta'));
  assert.equal(r.code, 0, r.stderr);
  const rows = jsonLines(r.stdout);
  assert.ok(rows.length > 0);
  for (const row of rows) assert.ok(!Object.keys(row).some((k) => k.startsWith('col-')), 'no physical names leak');
});

test('scan --columns, --where, --limit and csv', async () => {
  const t = join(golden, 'snapshot-data3/delta');
  const all = jsonLines((await loch('scan', t)).stdout);
  const r = await loch('scan', t, '--columns', 'col2,col1', '--where', 'col1 >= 3', '--limit', '2', '--format', 'csv');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'col2,col1');
  assert.equal(lines.length, 3);
  for (const l of lines.slice(1)) assert.ok(Number(l.split(',')[1]) >= 3);
  assert.ok(all.length > 2);
});

test('scan --version and --timestamp time travel', async () => {
  const t = join(golden, 'time-travel-start-start20-start40/delta');
  const v0 = jsonLines((await loch('scan', t, '--version', '0')).stdout);
  const v2 = jsonLines((await loch('scan', t, '--version', '2')).stdout);
  assert.ok(v0.length < v2.length);
  const history = jsonLines((await loch('history', t)).stdout);
  const first = history.at(-1);
  const asOf = jsonLines((await loch('scan', t, '--timestamp', first.timestamp)).stdout);
  assert.equal(asOf.length, v0.length);
  const before = await loch('scan', t, '--timestamp', '2000-01-01T00:00:00Z');
  assert.notEqual(before.code, 0);
  oneErrorLine(before.stderr, 'DELTA_TIMESTAMP_OUT_OF_RANGE');
});

test('describe prints the documented fields', async () => {
  const r = await loch('describe', join(golden, 'dv-with-columnmapping/delta'), '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  for (const k of ['version', 'schema', 'partitionColumns', 'protocol', 'configuration', 'numFiles', 'sizeInBytes']) assert.ok(k in d, k);
  assert.deepEqual(d.partitionColumns, ['part']);
  assert.ok(d.protocol.readerFeatures.includes('deletionVectors'));
  assert.equal(d.schema.type, 'struct');
});

test('history is newest first with the documented fields', async () => {
  const r = await loch('history', join(golden, 'basic-with-inserts-updates/delta'), '--format', 'jsonl');
  assert.equal(r.code, 0, r.stderr);
  const h = jsonLines(r.stdout);
  assert.deepEqual(h.map((x) => x.version), [1, 0]);
  assert.equal(h[0].operation, 'UPDATE');
  assert.match(h[0].timestamp, /^\d{4}-\d\d-\d\dT/);
  for (const k of ['operationParameters', 'operationMetrics', 'readVersion', 'isolationLevel', 'isBlindAppend', 'engineInfo']) assert.ok(k in h[0], k);
  const limited = jsonLines((await loch('history', join(golden, 'basic-with-inserts-updates/delta'), '--limit', '1')).stdout);
  assert.equal(limited.length, 1);
});

test('values follow the JSON encoding of design/CLI.md', async () => {
  const schema = {
    type: 'struct',
    fields: [
      { name: 'big', type: 'long', nullable: true, metadata: {} },
      { name: 'small', type: 'long', nullable: true, metadata: {} },
      { name: 'd', type: 'decimal(10,3)', nullable: true, metadata: {} },
      { name: 'f', type: 'double', nullable: true, metadata: {} },
      { name: 'b', type: 'binary', nullable: true, metadata: {} },
      { name: 'day', type: 'date', nullable: true, metadata: {} },
      { name: 'ts', type: 'timestamp', nullable: true, metadata: {} },
      { name: 'ntz', type: 'timestamp_ntz', nullable: true, metadata: {} },
      { name: 'm', type: { type: 'map', keyType: 'integer', valueType: 'string', valueContainsNull: true }, nullable: true, metadata: {} },
      { name: 's', type: { type: 'struct', fields: [{ name: 'x', type: 'integer', nullable: true, metadata: {} }] }, nullable: true, metadata: {} },
    ],
  };
  const dir = await tableFromSql(
    schema,
    `SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, 12.34::DECIMAL(10,3) AS d, 'NaN'::DOUBLE AS f,
            '\\xCA\\xFE'::BLOB AS b, DATE '2024-02-29' AS day, TIMESTAMPTZ '2024-01-02 03:04:05.123456+00' AS ts,
            TIMESTAMP '2024-01-02 03:04:05.5' AS ntz, MAP {1: 'one'} AS m, {'x': 7} AS s`,
  );
  try {
    const r = await loch('scan', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonLines(r.stdout), [
      {
        big: '9007199254740993', small: 42, d: '12.340', f: 'NaN', b: 'yv4=', day: '2024-02-29',
        ts: '2024-01-02T03:04:05.123456Z', ntz: '2024-01-02T03:04:05.500000', m: { '1': 'one' }, s: { x: 7 },
      },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('errors: one coded line on stderr and a non-zero exit', async () => {
  const missing = await loch('scan', '/nonexistent/table');
  assert.notEqual(missing.code, 0);
  assert.match(oneErrorLine(missing.stderr, 'DELTA_TABLE_NOT_FOUND'), /\/nonexistent\/table/);

  const past = await loch('scan', join(golden, 'snapshot-data3/delta'), '--version', '99');
  assert.match(oneErrorLine(past.stderr, 'DELTA_VERSION_NOT_FOUND'), /latest version is 3/);

  const usage = await loch('scan', join(golden, 'snapshot-data3/delta'), '--limit', 'many');
  assert.equal(usage.code, 2);
  oneErrorLine(usage.stderr, 'LOCH_USAGE');

  const protocol = await loch('scan', join(golden, 'deltalog-invalid-protocol-version/delta'));
  assert.match(oneErrorLine(protocol.stderr, 'DELTA_INVALID_PROTOCOL_VERSION'), /99/);
});

test('a corrupt log line is reported with its file and line', async () => {
  const dir = await copyGolden('snapshot-data1');
  try {
    await appendFile(join(dir, '_delta_log', '00000000000000000001.json'), '{"add": {"path": \n');
    const r = await loch('scan', dir);
    // The message names the table (its directory), not only the log file.
    assert.match(oneErrorLine(r.stderr, 'DELTA_CORRUPT_LOG'), new RegExp(`^DELTA_CORRUPT_LOG: ${dir}/_delta_log/00000000000000000001\\.json line \\d+`));
    const history = await loch('history', dir);
    assert.match(oneErrorLine(history.stderr, 'DELTA_CORRUPT_LOG'), new RegExp(`${dir}/_delta_log/`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a gap in the log and a missing data file are named', async () => {
  const dir = await copyGolden('snapshot-data3');
  try {
    await rm(join(dir, '_delta_log', '00000000000000000001.json'));
    const gap = await loch('scan', dir);
    assert.match(oneErrorLine(gap.stderr, 'DELTA_VERSIONS_NOT_CONTIGUOUS'), /version 1\b/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const dir2 = await copyGolden('snapshot-data0');
  try {
    const log = await readFile(join(dir2, '_delta_log', '00000000000000000000.json'), 'utf8');
    const file = /"path":"([^"]+\.parquet)"/.exec(log)![1];
    await rm(join(dir2, file));
    const r = await loch('scan', dir2);
    assert.match(oneErrorLine(r.stderr, 'DELTA_FILE_NOT_FOUND'), new RegExp(file.replace(/[.]/g, '\\.')));
  } finally {
    await rm(dir2, { recursive: true, force: true });
  }
});

test('a corrupt _last_checkpoint does not stop a read', async () => {
  const dir = await copyGolden('basic-with-inserts-deletes-checkpoint');
  try {
    const before = jsonLines((await loch('scan', dir)).stdout).length;
    await writeFile(join(dir, '_delta_log', '_last_checkpoint'), '{"version": 1');
    const r = await loch('scan', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonLines(r.stdout).length, before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loch alone prints its help; --version prints the version', async () => {
  const bare = await loch();
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stdout, /^Usage: loch \[options\] \[command\]/);
  assert.match(bare.stdout, /\bscan\b[\s\S]*\bdescribe\b[\s\S]*\bhistory\b[\s\S]*\bsql\b/);
  assert.equal(bare.stderr, '');
  const version = await loch('--version');
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${JSON.parse(await readFile(join(repo, 'packages/cli/package.json'), 'utf8')).version}\n`);
  // A subcommand's --version is still the table version it reads.
  const scan = await loch('scan', join(golden, 'snapshot-data3/delta'), '--version', '0');
  assert.equal(scan.code, 0, scan.stderr);
  assert.ok(jsonLines(scan.stdout).length > 0);
});

test('history and describe --format table print aligned tables', async () => {
  const table = join(golden, 'snapshot-data3/delta');
  const history = await loch('history', table, '--format', 'table', '--limit', '2');
  assert.equal(history.code, 0, history.stderr);
  const lines = history.stdout.trim().split('\n');
  assert.match(lines[1], /^\| version +\| timestamp +\| operation +\| operationParameters/);
  assert.match(lines[3], /^\| 3 +\| \d{4}-\d\d-\d\dT/);
  assert.equal(lines[lines.length - 1], '(2 rows)');
  const describe = await loch('describe', table, '--format', 'table');
  assert.equal(describe.code, 0, describe.stderr);
  assert.match(describe.stdout, /\| col_name +\| data_type +\| nullable +\| comment +\|/);
  assert.match(describe.stdout, /\| version +\| 3 +\|/);
  assert.match(describe.stdout, /\| minReaderVersion +\| 1 +\|/);
  const bad = await loch('history', table, '--format', 'csv');
  assert.equal(bad.code, 2);
});
