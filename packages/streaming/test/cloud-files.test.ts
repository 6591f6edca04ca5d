/**
 * Auto Loader (format 'cloudFiles'): new files found under nested folders and globs, taken once
 * across restarts, schema inferred and kept at schemaLocation, evolved or rescued as
 * schemaEvolutionMode says, malformed records rescued whole, rate limits and starting filters.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { window, type StreamingDataFrame } from '@loch/streaming';
import { rows, scratch, type Scratch } from './support/lake.js';

async function put(s: Scratch, path: string, text: string): Promise<void> {
  const file = s.path('landing', path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

const jsonLines = (...objects: Record<string, unknown>[]) => `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
const code = (c: string, m?: RegExp) => (e: Error & { code?: string }) => e.code === c && (!m || m.test(e.message));

function autoLoader(s: Scratch, format: string, options: Record<string, string | number | boolean> = {}): StreamingDataFrame {
  return s.lake.readStream.format('cloudFiles').option('cloudFiles.format', format).option('cloudFiles.schemaLocation', s.path('schema')).options(options).load(s.path('landing'));
}

async function run(s: Scratch, df: StreamingDataFrame, table: string, ck = 'ck'): Promise<void> {
  const q = await df.writeStream.option('checkpointLocation', s.path(ck)).option('mergeSchema', true).trigger({ availableNow: true }).toTable(table);
  await q.awaitTermination();
}

test('JSON files in nested folders: schema inferred (strings, sorted) and kept; each file taken once across restarts', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, '2024/01/01/a.json', jsonLines({ id: 1, cdn: 'x' }, { id: 2, cdn: 'y' }));
  await put(s, '2024/01/02/b.json', jsonLines({ id: 3, cdn: 'x' }));
  await put(s, '2024/01/02/_SUCCESS', '');
  await put(s, '2024/01/02/.b.json.tmp', 'partial');
  await run(s, autoLoader(s, 'json'), 'bronze');
  await put(s, '2024/01/03/c.json', jsonLines({ id: 4, cdn: 'z' }));
  await run(s, autoLoader(s, 'json'), 'bronze');
  await run(s, autoLoader(s, 'json'), 'bronze');
  assert.deepEqual(await rows(s.lake, 'SELECT cdn, id, _rescued_data FROM bronze ORDER BY id'), [
    { cdn: 'x', id: '1', _rescued_data: null },
    { cdn: 'y', id: '2', _rescued_data: null },
    { cdn: 'x', id: '3', _rescued_data: null },
    { cdn: 'z', id: '4', _rescued_data: null },
  ]);
  const stored = (await readFile(s.path('schema', '_schemas', '0'), 'utf8')).split('\n');
  assert.equal(stored[0], 'v1');
  assert.deepEqual(JSON.parse(JSON.parse(stored[1]).dataSchemaJson).fields.map((f: { name: string; type: string }) => `${f.name} ${f.type}`), ['cdn string', 'id string']);
});

test('a glob picks the files it matches; pathGlobFilter filters names', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, 'eu/events-1.json', jsonLines({ id: 1 }));
  await put(s, 'eu/other-1.json', jsonLines({ id: 2 }));
  await put(s, 'us/events-2.json', jsonLines({ id: 3 }));
  await put(s, 'us/deep/events-3.json', jsonLines({ id: 4 }));
  const df = s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'json').option('cloudFiles.schemaLocation', s.path('schema')).load(`${s.path('landing')}/*/events-*.json`);
  await run(s, df, 'globbed');
  assert.deepEqual((await rows(s.lake, 'SELECT id FROM globbed ORDER BY id')).map((r) => r.id), ['1', '3']);
  const filtered = autoLoader(s, 'json', { pathGlobFilter: '*-3.json', 'cloudFiles.schemaLocation': s.path('schema2') });
  await run(s, filtered, 'filtered', 'ck2');
  assert.deepEqual((await rows(s.lake, 'SELECT id FROM filtered')).map((r) => r.id), ['4']);
});

test('values that do not fit and malformed records are rescued with their file; the stream goes on', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, 'a.json', [JSON.stringify({ id: 1, ms: 10 }), '{"id": 2, "ms": "slow"}', 'this is not json', '[1, 2]', JSON.stringify({ id: 3, ms: 30 })].join('\n'));
  await put(s, 'b.json', jsonLines({ id: 4, ms: 40 }));
  await run(s, autoLoader(s, 'json', { 'cloudFiles.schemaHints': 'id BIGINT, ms BIGINT' }), 'bronze');
  const got = await rows(s.lake, 'SELECT id, ms, _rescued_data FROM bronze ORDER BY id NULLS LAST, _rescued_data');
  const file = s.path('landing', 'a.json');
  assert.deepEqual(got.map((r) => [r.id, r.ms]), [[1, 10], [2, null], [3, 30], [4, 40], [null, null], [null, null]]);
  assert.deepEqual(JSON.parse(String(got[1]._rescued_data)), { ms: 'slow', _file_path: file });
  assert.deepEqual(got.slice(4).map((r) => JSON.parse(String(r._rescued_data))).sort((x, y) => String(x._corrupt_record).localeCompare(String(y._corrupt_record))), [
    { _corrupt_record: '[1, 2]', _file_path: file },
    { _corrupt_record: 'this is not json', _file_path: file },
  ]);
});

test('addNewColumns: the stream stops naming the new columns; restarted, it carries them', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, 'a.json', jsonLines({ id: 1 }));
  await run(s, autoLoader(s, 'json'), 'bronze');
  await put(s, 'b.json', jsonLines({ id: 2, country: 'NL', isp: 'kpn' }));
  await assert.rejects(run(s, autoLoader(s, 'json'), 'bronze'), code('UNKNOWN_FIELD_EXCEPTION', /unknown fields during parsing: country, isp .*b\.json.*version 1\): restart the stream/));
  assert.deepEqual((await readdir(s.path('schema', '_schemas'))).sort(), ['0', '1']);
  await run(s, autoLoader(s, 'json'), 'bronze');
  assert.deepEqual(await rows(s.lake, 'SELECT id, country, isp FROM bronze ORDER BY id'), [
    { id: '1', country: null, isp: null },
    { id: '2', country: 'NL', isp: 'kpn' },
  ]);
});

test('rescue keeps new fields in _rescued_data; failOnNewColumns stops without evolving; none drops them', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, 'a.json', jsonLines({ id: 1 }));
  const modes = ['rescue', 'failOnNewColumns', 'none'];
  for (const mode of modes) await run(s, autoLoader(s, 'json', { 'cloudFiles.schemaEvolutionMode': mode, 'cloudFiles.schemaLocation': s.path(`schema-${mode}`) }), `t_${mode.toLowerCase()}`, `ck-${mode}`);
  await put(s, 'b.json', jsonLines({ id: 2, extra: { deep: true } }));
  await run(s, autoLoader(s, 'json', { 'cloudFiles.schemaEvolutionMode': 'rescue', 'cloudFiles.schemaLocation': s.path('schema-rescue') }), 't_rescue', 'ck-rescue');
  const [r] = await rows(s.lake, "SELECT _rescued_data FROM t_rescue WHERE id = '2'");
  assert.deepEqual(JSON.parse(String(r._rescued_data)), { extra: { deep: true }, _file_path: s.path('landing', 'b.json') });
  await assert.rejects(
    run(s, autoLoader(s, 'json', { 'cloudFiles.schemaEvolutionMode': 'failOnNewColumns', 'cloudFiles.schemaLocation': s.path('schema-failOnNewColumns') }), 't_failonnewcolumns', 'ck-failOnNewColumns'),
    code('UNKNOWN_FIELD_EXCEPTION', /extra .*failOnNewColumns/),
  );
  assert.deepEqual(await readdir(s.path('schema-failOnNewColumns', '_schemas')), ['0']);
  await run(s, autoLoader(s, 'json', { 'cloudFiles.schemaEvolutionMode': 'none', 'cloudFiles.schemaLocation': s.path('schema-none') }), 't_none', 'ck-none');
  assert.deepEqual(await rows(s.lake, 'SELECT id, _rescued_data FROM t_none ORDER BY id'), [{ id: '1', _rescued_data: null }, { id: '2', _rescued_data: null }]);
});

test('CSV with a header: malformed lines rescued whole, casts by schemaHints, new columns evolve', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, 'a.csv', 'id,ms\n1,10\n2,fast\n3,30,extra\n');
  await run(s, autoLoader(s, 'csv', { header: true, 'cloudFiles.schemaHints': 'ms INT' }), 'logs');
  const got = await rows(s.lake, 'SELECT id, ms, _rescued_data FROM logs ORDER BY id NULLS LAST');
  assert.deepEqual(got.map((r) => [r.id, r.ms]), [['1', 10], ['2', null], [null, null]]);
  assert.deepEqual(JSON.parse(String(got[1]._rescued_data)), { ms: 'fast', _file_path: s.path('landing', 'a.csv') });
  assert.deepEqual(JSON.parse(String(got[2]._rescued_data)), { _corrupt_record: '3,30,extra', _file_path: s.path('landing', 'a.csv') });
  await put(s, 'b.csv', 'id,ms,region\n4,40,eu\n');
  await assert.rejects(run(s, autoLoader(s, 'csv', { header: true, 'cloudFiles.schemaHints': 'ms INT' }), 'logs'), code('UNKNOWN_FIELD_EXCEPTION', /region/));
  await run(s, autoLoader(s, 'csv', { header: true, 'cloudFiles.schemaHints': 'ms INT' }), 'logs');
  assert.deepEqual(await rows(s.lake, "SELECT id, ms, region FROM logs WHERE id = '4'"), [{ id: '4', ms: 40, region: 'eu' }]);
});

test('Parquet keeps its types; text gives one value per line', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await mkdir(s.path('landing', 'pq'), { recursive: true });
  await s.lake.sql(`COPY (SELECT id, CAST(id * 1.5 AS DOUBLE) AS score FROM range(3)) TO '${s.path('landing', 'pq', 'a.parquet')}' (FORMAT parquet)`);
  const pq = s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'parquet').option('cloudFiles.schemaLocation', s.path('schema')).load(s.path('landing', 'pq'));
  await run(s, pq, 'pq');
  assert.deepEqual(await rows(s.lake, 'SELECT id, score FROM pq ORDER BY id'), [{ id: 0, score: 0 }, { id: 1, score: 1.5 }, { id: 2, score: 3 }]);
  await put(s, 'txt/log.txt', 'first line\r\nsecond line\n\nfourth\n');
  const txt = s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'text').load(s.path('landing', 'txt'));
  await run(s, txt, 'lines', 'ck-text');
  assert.deepEqual((await rows(s.lake, 'SELECT value FROM lines')).map((r) => r.value).sort(), ['', 'first line', 'fourth', 'second line']);
});

test('maxFilesPerTrigger, includeExistingFiles false and modifiedAfter choose what each batch takes', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  for (let i = 0; i < 5; i++) await put(s, `f${i}.json`, jsonLines({ id: i }));
  const old = new Date('2020-01-01T00:00:00Z');
  await utimes(s.path('landing', 'f0.json'), old, old);
  const q = await autoLoader(s, 'json', { 'cloudFiles.maxFilesPerTrigger': 2 }).writeStream.option('checkpointLocation', s.path('ck')).trigger({ availableNow: true }).toTable('limited');
  await q.awaitTermination();
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [2, 2, 1]);
  assert.deepEqual(q.recentProgress[0].sources[0].metrics, { numFilesOutstanding: '3', numBytesOutstanding: String(3 * 9) });
  await run(s, autoLoader(s, 'json', { modifiedAfter: '2021-01-01T00:00:00Z', 'cloudFiles.schemaLocation': s.path('schema2') }), 'recent', 'ck2');
  assert.deepEqual((await rows(s.lake, 'SELECT id FROM recent ORDER BY id')).map((r) => r.id), ['1', '2', '3', '4']);
  const fresh = await autoLoader(s, 'json', { 'cloudFiles.includeExistingFiles': false, 'cloudFiles.schemaLocation': s.path('schema3') }).writeStream.option('checkpointLocation', s.path('ck3')).toTable('new_only');
  await put(s, 'f9.json', jsonLines({ id: 9 }));
  await fresh.processAllAvailable();
  await fresh.stop();
  assert.deepEqual((await rows(s.lake, 'SELECT id FROM new_only')).map((r) => r.id), ['9']);
});

test('a backlog is taken in key order, so a name that sorts before older ones is aggregated first and its watermark drops them as late', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  // Byte order of the whole key: part-10 comes before part-2, though its events are an hour later.
  await put(s, 'part-2/e.json', jsonLines({ ts: '2024-01-01T00:00:30Z' }));
  await put(s, 'part-10/e.json', jsonLines({ ts: '2024-01-01T01:00:30Z' }));
  const q = await autoLoader(s, 'json', { 'cloudFiles.maxFilesPerTrigger': 1, 'cloudFiles.schemaHints': 'ts TIMESTAMP' })
    .withWatermark('ts', '10 minutes')
    .groupBy(window('ts', '1 minute'))
    .agg({ n: 'count(*)' })
    .writeStream.option('checkpointLocation', s.path('ck'))
    .trigger({ availableNow: true })
    .toTable('per_minute');
  await q.awaitTermination();
  const [first, second] = q.recentProgress;
  assert.equal(first.eventTime.max, '2024-01-01T01:00:30.000Z');
  // The second batch runs under the first one's watermark (00:50:30): Spark drops its row as late.
  assert.equal(second.eventTime.watermark, '2024-01-01T00:50:30.000Z');
  assert.equal(second.stateOperators[0].numRowsDroppedByWatermark, 1);
});

test('the file log merges entries into runs, and a restart still knows every file it took', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const start = () => autoLoader(s, 'json').writeStream.option('checkpointLocation', s.path('ck')).toTable('bronze');
  let q = await start();
  for (let i = 0; i < 23; i++) {
    await put(s, `batch-${String(i).padStart(3, '0')}.json`, jsonLines({ id: i }));
    await q.processAllAvailable();
  }
  await q.stop();
  const runs = (await readdir(s.path('ck', 'sources', '0', 'runs'))).sort();
  const log = (await readdir(s.path('ck', 'sources', '0', 'log'))).map(Number).sort((a, b) => a - b);
  assert.deepEqual(runs, ['0-9', '10-19']);
  assert.deepEqual(log, [20, 21, 22]);
  // An older name that arrives late is found by the full listing a restart makes.
  await put(s, 'batch-000-late.json', jsonLines({ id: 100 }));
  q = await start();
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [1]);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM bronze'), [{ n: 24, d: 24 }]);
});

test('the entry of the files already there is not rewritten with the small entries after it', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  for (let i = 0; i < 30; i++) await put(s, `a-old/${String(i).padStart(3, '0')}.json`, jsonLines({ id: i }));
  const q = await s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'json').option('cloudFiles.includeExistingFiles', false).schema({ id: 'long' }).load(s.path('landing'))
    .writeStream.option('checkpointLocation', s.path('ck')).toTable('bronze');
  for (let i = 0; i < 10; i++) {
    await put(s, `b-new/${String(i).padStart(3, '0')}.json`, jsonLines({ id: 100 + i }));
    await q.processAllAvailable();
  }
  await q.stop();
  // Entry 0 (30 files) and the run of ten one-file entries: ten small entries merge, the big one stays.
  assert.deepEqual(await readdir(s.path('ck', 'sources', '0', 'runs')), ['1-10']);
  assert.deepEqual(await readdir(s.path('ck', 'sources', '0', 'log')), ['0']);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, min(id) AS lo FROM bronze'), [{ n: 10, lo: 100 }]);
});

test('inference needs a schemaLocation; a format is required', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  assert.throws(() => s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'json').load(s.path('landing')), code('CF_SCHEMA_LOCATION_REQUIRED'));
  assert.throws(() => s.lake.readStream.format('cloudFiles').load(s.path('landing')), code('STREAM_INVALID_OPTION', /cloudFiles.format/));
  assert.throws(() => autoLoader(s, 'json', { 'cloudFiles.schemaHints': 'id BIGNUMBER' }), /schemaHints/);
});

test('a time of day (CloudFront logs) is inferred as a string, since Delta has no time type', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await put(s, 'a.json', jsonLines({ date: '2024-01-02', time: '12:34:56', bytes: 10 }, { date: '2024-01-02', time: '23:59:01', bytes: 20 }));
  await put(s, 'b.csv', 'date,time,bytes\n2024-01-03,01:02:03,30\n');
  await run(s, autoLoader(s, 'json', { 'cloudFiles.inferColumnTypes': true, pathGlobFilter: '*.json' }), 'logs');
  assert.deepEqual(await rows(s.lake, 'SELECT `time`, bytes FROM logs ORDER BY bytes'), [{ time: '12:34:56', bytes: 10 }, { time: '23:59:01', bytes: 20 }]);
  await run(s, s.lake.readStream.format('cloudFiles').option('cloudFiles.format', 'csv').option('cloudFiles.schemaLocation', s.path('schema-csv')).option('cloudFiles.inferColumnTypes', true).option('header', true).option('pathGlobFilter', '*.csv').load(s.path('landing')), 'csv_logs', 'ck-csv');
  assert.deepEqual(await rows(s.lake, 'SELECT `time`, bytes FROM csv_logs'), [{ time: '01:02:03', bytes: 30 }]);
});
