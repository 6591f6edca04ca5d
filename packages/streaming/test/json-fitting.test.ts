/**
 * Auto Loader's JSON fast path: files whose records fit the schema are read by DuckDB's JSON
 * reader straight into the columns; the others take the record-by-record path. Whichever path a
 * file takes, the rows are the ones the record path gives (values, rescued data, malformed
 * records), and a batch whose query fails part-way is written from its fallback, once.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType, StructType } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { registerSourceFormat, type Source, type SourceBatch } from '@loch/streaming';
import { readFittingJson } from '../src/sources/cloud-files/json-fitting.js';
import { readBatchFiles, readRecordByRecord, type ReadSpec } from '../src/sources/cloud-files/read-files.js';
import { rows, scratch } from './support/lake.js';

const p = (name: string): DataType => ({ kind: 'primitive', name }) as DataType;
const schema: StructType = {
  kind: 'struct',
  fields: [
    { name: 'id', type: p('long'), nullable: true, metadata: {} },
    { name: 'name', type: p('string'), nullable: true, metadata: {} },
    { name: 'score', type: p('double'), nullable: true, metadata: {} },
    { name: 'at', type: p('timestamp'), nullable: true, metadata: {} },
    { name: 'geo', type: { kind: 'struct', fields: [{ name: 'lat', type: p('double'), nullable: true, metadata: {} }] }, nullable: true, metadata: {} },
    { name: 'tags', type: { kind: 'array', elementType: p('string'), containsNull: true }, nullable: true, metadata: {} },
  ],
};

const FILES: Record<string, string[]> = {
  // Fit: every key a column; strings hold numbers and objects as text; missing keys are NULL.
  'fits.json': [
    '{"id": 1, "name": "a\\"b", "score": 1.5, "at": "2024-01-01T10:00:00Z", "geo": {"lat": 52.1, "lon": 4.3}, "tags": ["x", "y"]}',
    '{"id": 2, "name": 7, "tags": []}',
    '',
    '{"id": 3, "name": {"nested": [1, 2]}, "score": 1e3}',
  ],
  // Fits too: values of the wrong type are rescued, as the record path rescues them.
  'wrong-types.json': ['{"id": "seven", "name": "b", "score": "high", "at": "yesterday"}', '{"id": 1.5, "geo": 3}'],
  // Do not fit: a key the schema lacks, a `null` line, a `{}`, a malformed line, an array.
  'extra-key.json': ['{"id": 4, "name": "c"}', '{"id": 5, "country": "NL"}'],
  'null-line.json': ['{"id": 6}', 'null'],
  'empty-object.json': ['{}', '{"id": 7}'],
  'malformed.json': ['{"id": 8}', '{"id": 9,'],
  'array.json': ['[1, 2]', '{"id": 10}'],
};

async function files(dir: string, names: readonly string[]) {
  const out = [];
  for (const n of names) {
    const local = join(dir, n);
    await writeFile(local, `${FILES[n].join('\n')}\n`);
    out.push({ local, display: `file:///landing/${n}` });
  }
  return out;
}

const spec = (f: ReadSpec['files'], rescueNewFields = false): ReadSpec => ({ format: 'json', files: f, schema, rescue: '_rescued_data', rescueNewFields, header: false, delimiter: ',' });

async function tableRows(c: DuckDBConnection, table: string): Promise<string[]> {
  const r = await c.runAndReadAll(`SELECT to_json(t)::VARCHAR FROM ${table} t`);
  return r.getRows().map((row) => String(row[0])).sort();
}

test('files that fit are read whole by the JSON reader; the others are left to the record path', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-json-fitting-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const batch = await files(dir, ['fits.json', 'extra-key.json', 'wrong-types.json', 'null-line.json']);
  await withConnection(async (c) => {
    const left = await readFittingJson(c, 'fitting', spec(batch));
    assert.deepEqual(left.map((f) => f.display).sort(), ['file:///landing/extra-key.json', 'file:///landing/null-line.json']);
    const [[n]] = (await c.runAndReadAll('SELECT count(*)::INTEGER FROM fitting')).getRows();
    assert.equal(n, 5);
    await c.run('DROP TABLE fitting');
  });
});

test('a batch read through both paths gives exactly the record path\'s rows, rescued data and new fields included', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-json-fitting-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const batch = await files(dir, Object.keys(FILES));
  await withConnection(async (c) => {
    const left = await readFittingJson(c, 'fitting', spec(batch));
    assert.deepEqual(left.map((f) => f.display.slice('file:///landing/'.length)).sort(), ['array.json', 'empty-object.json', 'extra-key.json', 'malformed.json', 'null-line.json']);
    await c.run('DROP TABLE fitting');
    for (const rescueNewFields of [false, true]) {
      const extras = await readBatchFiles(c, 'mixed', spec(batch, rescueNewFields));
      const expectedExtras = await readRecordByRecord(c, 'records', spec(batch, rescueNewFields));
      assert.deepEqual(extras, expectedExtras);
      assert.deepEqual(extras, ['country']);
      const got = await tableRows(c, 'mixed');
      assert.deepEqual(got, await tableRows(c, 'records'));
      // Spot checks that the comparison means something: a rescued type, a malformed record.
      assert.ok(got.some((r) => r.includes('"_rescued_data":"{\\"id\\":\\"seven\\",\\"score\\":\\"high\\",\\"at\\":\\"yesterday\\",\\"_file_path\\":\\"file:///landing/wrong-types.json\\"}"')));
      assert.ok(got.some((r) => r.includes('_corrupt_record') && r.includes('malformed.json')));
      assert.equal(got.length, 15);
      await c.run('DROP TABLE mixed; DROP TABLE records');
    }
  });
});

/** A source of one batch: a query that fails (on row 3) or not, with a fallback of plain rows. */
function oneBatch(failing: boolean, calls: { fallback: number }): Source {
  const fallback: SourceBatch = { kind: 'rows', schema: { kind: 'struct', fields: [{ name: 'id', type: p('long'), nullable: true, metadata: {} }] }, rows: [1, 2, 3, 4].map((id) => ({ id })) };
  return {
    description: 'OneBatch',
    identity: 'one-batch',
    latestOffset: async () => 1,
    getBatch: async () => ({
      kind: 'query',
      sql: `SELECT CASE WHEN i = 3 AND ${failing} THEN error('does not fit') ELSE i END::BIGINT AS id FROM range(1, 5) t(i)`,
      fallback: async () => {
        calls.fallback++;
        return fallback;
      },
    }),
  };
}

test('a query batch goes to the Delta sink as it is; one that fails part-way is written from its fallback, once', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  for (const failing of [false, true]) {
    const calls = { fallback: 0 };
    registerSourceFormat('one-batch-test', () => oneBatch(failing, calls));
    const q = await s.lake.readStream.format('one-batch-test').load().writeStream.trigger({ availableNow: true }).option('checkpointLocation', s.path(`ck-${failing}`)).toTable(`t_${failing}`);
    await q.awaitTermination();
    assert.equal(calls.fallback, failing ? 1 : 0);
    assert.deepEqual((await rows(s.lake, `SELECT id FROM t_${failing} ORDER BY id`)).map((r) => Number(r.id)), [1, 2, 3, 4]);
    assert.equal(q.recentProgress.find((x) => x.numInputRows > 0)?.numInputRows, 4);
    // One commit, whose files hold the rows once: the failed attempt left no file behind.
    assert.equal((await rows(s.lake, `DESCRIBE HISTORY t_${failing}`)).length, 1);
  }
});

test('a schema inferred from the first file stands only if the read confirms it; else the whole sample decides', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const landing = s.path('landing');
  await mkdir(landing, { recursive: true });
  const stored = async (location: string) => JSON.parse(JSON.parse((await readFile(join(location, '_schemas', '0'), 'utf8')).split('\n')[1]).dataSchemaJson).fields.map((f: { name: string }) => f.name);
  const ingest = async (name: string) => {
    const q = await s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'json').option('cloudFiles.schemaLocation', s.path(`schema-${name}`)).load(landing)
      .writeStream.trigger({ availableNow: true }).option('checkpointLocation', s.path(`ck-${name}`)).toTable(name);
    await q.awaitTermination();
  };
  await writeFile(join(landing, 'a.json'), '{"id": 1, "cdn": "x"}\n');
  await writeFile(join(landing, 'b.json'), '{"cdn": "y", "id": 2}\n');
  await ingest('same_keys');
  assert.deepEqual(await stored(s.path('schema-same_keys')), ['cdn', 'id']);
  await writeFile(join(landing, 'c.json'), '{"id": 3, "country": "NL"}\n');
  await ingest('more_keys');
  assert.deepEqual(await stored(s.path('schema-more_keys')), ['cdn', 'country', 'id']);
  assert.deepEqual(await rows(s.lake, 'SELECT id, cdn, country, _rescued_data FROM more_keys ORDER BY id'), [
    { id: '1', cdn: 'x', country: null, _rescued_data: null },
    { id: '2', cdn: 'y', country: null, _rescued_data: null },
    { id: '3', cdn: null, country: 'NL', _rescued_data: null },
  ]);
});
