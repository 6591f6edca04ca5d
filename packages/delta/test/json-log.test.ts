/// <reference types="node" />
/** Parsing JSON log files: action grouping, and errors that name the file and line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayPath, parseJsonLog } from '../src/actions/columns.js';
import { loadSnapshot } from '../src/snapshot/builder.js';
import { tableHistory } from '../src/snapshot/history.js';
import { createTable, memTable, rejectsWith, throwsWith, writeRawCommit } from './support/mem-table.js';

const FILE = 'mem:///t/_delta_log/00000000000000000003.json';

test('actions are grouped by kind', () => {
  const text = [
    '{"commitInfo":{"operation":"WRITE","timestamp":1}}',
    '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}',
    '{"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{}"}}',
    '{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}',
    '{"remove":{"path":"b","dataChange":true}}',
    '{"txn":{"appId":"app","version":3}}',
    '{"domainMetadata":{"domain":"d","configuration":"{}","removed":false}}',
    '{"cdc":{"path":"c","partitionValues":{},"size":1,"dataChange":false}}',
    '{"futureAction":{"x":1}}',
  ].join('\n');
  const a = parseJsonLog(text, FILE);
  assert.equal(a.file, FILE);
  assert.equal(a.commitInfo?.operation, 'WRITE');
  assert.equal(a.protocol?.minWriterVersion, 2);
  assert.deepEqual(a.metaData?.partitionColumns, []);
  assert.deepEqual(a.metaData?.configuration, {});
  assert.deepEqual(a.adds.map((x) => x.path), ['a']);
  assert.deepEqual(a.removes.map((x) => x.path), ['b']);
  assert.deepEqual(a.txns, [{ appId: 'app', version: 3 }]);
  assert.equal(a.domainMetadata.length, 1);
  assert.equal(a.cdcs.length, 1);
});

test('blank lines, CRLF line ends and a missing final newline are fine', () => {
  const text = '\r\n{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}\r\n\r\n   \n{"add":{"path":"b","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}';
  assert.deepEqual(parseJsonLog(text, FILE).adds.map((x) => x.path), ['a', 'b']);
  assert.equal(parseJsonLog('', FILE).adds.length, 0);
});

test('a corrupt line fails with DELTA_CORRUPT_LOG naming the file and line number', () => {
  const text = [
    '{"commitInfo":{}}',
    '{"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}',
    '',
    '{"add":{"path":"b","partitionValues":{},"size":1,"modificat',
    '{"add":{"path":"c","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}',
  ].join('\n');
  throwsWith(() => parseJsonLog(text, FILE), 'DELTA_CORRUPT_LOG', /_delta_log\/00000000000000000003\.json line 4\b/, /not valid JSON/);
});

test('line numbers count blank and CRLF lines', () => {
  throwsWith(() => parseJsonLog('{}\r\n\r\n\r\n{oops}\r\n', FILE), 'DELTA_CORRUPT_LOG', /line 4\b/);
  throwsWith(() => parseJsonLog('{"a":1}\n{"b":2}\n[1,2]\n', FILE), 'DELTA_CORRUPT_LOG', /line 3\b/, /JSON object/);
  throwsWith(() => parseJsonLog('null', FILE), 'DELTA_CORRUPT_LOG', /line 1\b/);
  throwsWith(() => parseJsonLog('{}\n"text"', FILE), 'DELTA_CORRUPT_LOG', /line 2\b/);
});

test('actions missing required fields fail naming the line', () => {
  throwsWith(() => parseJsonLog('{}\n{"add":{"size":1}}', FILE), 'DELTA_CORRUPT_LOG', /line 2\b/, /'add'/, /'path'/);
  throwsWith(() => parseJsonLog('{"remove":{"path":7}}', FILE), 'DELTA_CORRUPT_LOG', /line 1\b/, /'remove'/);
  throwsWith(() => parseJsonLog('{"protocol":{"minReaderVersion":"1","minWriterVersion":2}}', FILE), 'DELTA_CORRUPT_LOG', /'protocol'/);
  throwsWith(() => parseJsonLog('{"txn":{"version":1}}', FILE), 'DELTA_CORRUPT_LOG', /'txn'/, /appId/);
});

test('displayPath names the file with its table, decoded', () => {
  assert.equal(displayPath('file:///a/b/my%20t/_delta_log/00000000000000000001.json'), '/a/b/my t/_delta_log/00000000000000000001.json');
  assert.equal(displayPath('file:///t/_delta_log/_sidecars/a%20b.parquet'), '/t/_delta_log/_sidecars/a b.parquet');
  assert.equal(displayPath('mem:///t/_delta_log/00000000000000000001.json'), 'mem:///t/_delta_log/00000000000000000001.json');
});

test('a corrupt commit makes loadSnapshot and history fail, naming file and line', async () => {
  const t = memTable();
  await createTable(t);
  await writeRawCommit(t, 1, '{"commitInfo":{"operation":"WRITE"}}\n{"add": {"path": "x.parquet",\n');
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_CORRUPT_LOG', /00000000000000000001\.json line 2\b/);
  await rejectsWith(tableHistory(t.engine, t.root), 'DELTA_CORRUPT_LOG', /00000000000000000001\.json line 2\b/);
  // Versions before the corrupt commit do not read it.
  const s0 = await loadSnapshot(t.engine, t.root, { version: 0 });
  assert.equal(s0.version, 0);
});
