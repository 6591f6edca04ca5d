/**
 * Classic Parquet checkpoints written by DuckDB in the shape Spark writes them (one struct column
 * per action kind), read back through loadSnapshot with the Node engine.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeltaError, loadSnapshot, planScan, type AddFile, type Snapshot } from '@loch/delta';
import { DuckDBParquetHandler, localUrl, nodeEngine, sqlString, withConnection } from '@loch/engine-node';

const engine = nodeEngine({ json: { threads: 0 } });
/** The same reader on its bulk path (what checkpoints over 1 MiB take): every snapshot is read both ways. */
const bulk = nodeEngine({ json: { threads: 0 }, parquet: { smallCheckpointBytes: 0 } });

async function load(dir: string): Promise<Snapshot> {
  const [s, b] = await Promise.all([loadSnapshot(engine, localUrl(dir, true)), loadSnapshot(bulk, localUrl(dir, true))]);
  const byPath = (x: Snapshot) => ({ files: [...x.files].sort((p, q) => p.path.localeCompare(q.path)), tombstones: [...x.tombstones].sort((p, q) => p.path.localeCompare(q.path)), txns: [...x.txns], domains: [...x.domains], metadata: x.metadata, protocol: x.protocol });
  assert.deepEqual(byPath(s), byPath(b), 'the JSON and bulk checkpoint paths read the same snapshot');
  return s;
}
const dirs: string[] = [];
after(async () => {
  await engine.close();
  await bulk.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempTable(name?: string): Promise<{ dir: string; log: string }> {
  const parent = await mkdtemp(join(tmpdir(), 'loch-checkpoint-'));
  dirs.push(parent);
  const dir = name === undefined ? parent : join(parent, name);
  await mkdir(dir, { recursive: true });
  const log = join(dir, '_delta_log');
  await mkdir(log);
  return { dir, log };
}

const pad20 = (v: number) => String(v).padStart(20, '0');
const pad10 = (v: number) => String(v).padStart(10, '0');

const DV_TYPE = 'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT, maxRowIndex BIGINT)';

/** The full checkpoint schema, as Spark (Delta 3.x) writes it. */
const FULL_COLUMNS = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR), deletionVector ${DV_TYPE}, baseRowId BIGINT, defaultRowCommitVersion BIGINT, clusteringProvider VARCHAR)`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, deletionVector ${DV_TYPE}, baseRowId BIGINT, defaultRowCommitVersion BIGINT)`,
  metaData: 'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)',
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
  domainMetadata: 'STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)',
} as const;

/** A minimal checkpoint schema: required fields only, no remove/txn/domainMetadata columns. */
const MINIMAL_COLUMNS = {
  add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN)',
  metaData: 'STRUCT(id VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)',
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)',
} as const;

type Columns = Record<string, string>;
/** One checkpoint row: the action column it fills and a DuckDB SQL literal for that struct. */
type Row = readonly [column: string, sql: string];

/** Writes one Parquet file whose rows each fill one action column (the others NULL). */
async function writeCheckpointFile(path: string, columns: Columns, rows: readonly Row[]): Promise<void> {
  const names = Object.keys(columns);
  const select = rows
    .map(([col, literal]) =>
      `SELECT ${names.map((n) => `${n === col ? literal : 'NULL'}::${columns[n]} AS "${n}"`).join(', ')}`,
    )
    .join(' UNION ALL ');
  await withConnection((c) => c.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet)`));
}

const str = (s: string | null) => (s === null ? 'NULL' : sqlString(s));
const map = (m: Record<string, string | null>) => {
  const entries = Object.entries(m);
  return entries.length === 0 ? 'MAP {}' : `MAP {${entries.map(([k, v]) => `${sqlString(k)}: ${str(v)}`).join(', ')}}`;
};

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'region', type: 'string', nullable: true, metadata: {} },
  ],
});

function protocolRow(full: boolean): Row {
  return full
    ? ['protocol', `{'minReaderVersion': 3, 'minWriterVersion': 7, 'readerFeatures': ['deletionVectors'], 'writerFeatures': ['deletionVectors', 'domainMetadata']}`]
    : ['protocol', `{'minReaderVersion': 1, 'minWriterVersion': 2}`];
}

function metaDataRow(full: boolean): Row {
  const common = `'id': 'tbl-1', 'format': {'provider': 'parquet', 'options': MAP {}}, 'schemaString': ${sqlString(SCHEMA)}, 'partitionColumns': ['region'], 'configuration': ${map({ 'delta.enableDeletionVectors': 'true' })}, 'createdTime': 1700000000000`;
  return ['metaData', full ? `{${common}, 'name': NULL, 'description': 'a table'}` : `{${common}}`];
}

function addRow(path: string, region: string | null, opts: { stats?: string; dv?: string; tags?: Record<string, string>; full: boolean }): Row {
  const base = `'path': ${sqlString(path)}, 'partitionValues': ${map({ region })}, 'size': 1234, 'modificationTime': 1700000000123, 'dataChange': false`;
  if (!opts.full) return ['add', `{${base}}`];
  return [
    'add',
    `{${base}, 'stats': ${str(opts.stats ?? null)}, 'tags': ${opts.tags ? map(opts.tags) : 'NULL'}, 'deletionVector': ${opts.dv ?? 'NULL'}, 'baseRowId': 40, 'defaultRowCommitVersion': 3, 'clusteringProvider': NULL}`,
  ];
}

const DV_SQL = `{'storageType': 'u', 'pathOrInlineDv': 'ab^-aqEH.-t@S}K{vb[*k^', 'offset': 4, 'sizeInBytes': 40, 'cardinality': 6, 'maxRowIndex': NULL}`;
const STATS = '{"numRecords":10,"minValues":{"id":1},"maxValues":{"id":10},"nullCount":{"id":0}}';

async function writeCommit(log: string, version: number, actions: object[]): Promise<void> {
  await writeFile(join(log, `${pad20(version)}.json`), actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

test('a multi-part checkpoint with every column: files, partition values, stats, DVs, txns, domains', async () => {
  const { dir, log } = await tempTable();
  const v = 5;
  const parts: Row[][] = [
    [
      protocolRow(true),
      metaDataRow(true),
      ['txn', `{'appId': 'stream-1', 'version': 42, 'lastUpdated': 1700000000000}`],
      ['domainMetadata', `{'domain': 'delta.rowTracking', 'configuration': '{"rowIdHighWaterMark":99}', 'removed': false}`],
    ],
    [
      addRow('region=eu/a.parquet', 'eu', { stats: STATS, dv: DV_SQL, tags: { INSERTION_TIME: '1700000000000000' }, full: true }),
      addRow('region=us/b%20c.parquet', 'us', { full: true }),
      ['remove', `{'path': 'region=eu/old.parquet', 'deletionTimestamp': 1700000000999, 'dataChange': true, 'extendedFileMetadata': true, 'partitionValues': ${map({ region: 'eu' })}, 'size': 10, 'deletionVector': NULL, 'baseRowId': NULL, 'defaultRowCommitVersion': NULL}`],
    ],
    [addRow('region=__HIVE_DEFAULT_PARTITION__/d.parquet', null, { stats: STATS, full: true })],
  ];
  for (let i = 0; i < parts.length; i++) {
    await writeCheckpointFile(join(log, `${pad20(v)}.checkpoint.${pad10(i + 1)}.${pad10(parts.length)}.parquet`), FULL_COLUMNS, parts[i]);
  }
  await writeFile(join(log, '_last_checkpoint'), JSON.stringify({ version: v, size: 8, parts: 3 }));
  // A commit after the checkpoint removes one file and adds another.
  await writeCommit(log, v + 1, [
    { commitInfo: { operation: 'DELETE' } },
    { remove: { path: 'region=us/b%20c.parquet', deletionTimestamp: 1700000001000, dataChange: true } },
    { add: { path: 'region=us/e.parquet', partitionValues: { region: 'us' }, size: 5, modificationTime: 1700000001000, dataChange: true } },
  ]);

  const s = await load(dir);
  assert.equal(s.version, v + 1);
  assert.equal(s.segment.checkpoint?.format, 'multipart');
  assert.equal(s.segment.checkpoint?.files.length, 3);
  assert.deepEqual(s.protocol.readerFeatures, ['deletionVectors']);
  assert.equal(s.protocol.minWriterVersion, 7);
  assert.equal(s.metadata.id, 'tbl-1');
  assert.equal(s.metadata.description, 'a table');
  assert.deepEqual(s.metadata.partitionColumns, ['region']);
  assert.deepEqual(s.metadata.configuration, { 'delta.enableDeletionVectors': 'true' });
  assert.deepEqual(s.schema.fields.map((f) => f.name), ['id', 'region']);

  const byPath = new Map<string, AddFile>(s.files.map((f) => [f.path, f]));
  assert.deepEqual([...byPath.keys()].sort(), ['region=__HIVE_DEFAULT_PARTITION__/d.parquet', 'region=eu/a.parquet', 'region=us/e.parquet']);
  const a = byPath.get('region=eu/a.parquet')!;
  assert.deepEqual(a.partitionValues, { region: 'eu' });
  assert.equal(a.size, 1234);
  assert.equal(a.modificationTime, 1700000000123);
  assert.equal(a.dataChange, false);
  assert.equal(a.stats, STATS);
  assert.deepEqual(JSON.parse(a.stats!).numRecords, 10);
  assert.deepEqual(a.tags, { INSERTION_TIME: '1700000000000000' });
  assert.equal(a.baseRowId, 40);
  assert.equal(a.defaultRowCommitVersion, 3);
  assert.ok(a.deletionVector, 'the DV struct is read');
  assert.equal(a.deletionVector.storageType, 'u');
  assert.equal(a.deletionVector.pathOrInlineDv, 'ab^-aqEH.-t@S}K{vb[*k^');
  assert.equal(a.deletionVector.offset, 4);
  assert.equal(a.deletionVector.sizeInBytes, 40);
  assert.equal(a.deletionVector.cardinality, 6);
  assert.equal(a.deletionVector.maxRowIndex ?? null, null);

  const d = byPath.get('region=__HIVE_DEFAULT_PARTITION__/d.parquet')!;
  assert.deepEqual(d.partitionValues, { region: null }, 'a null partition value stays null');
  assert.equal(d.deletionVector ?? null, null);
  assert.equal(d.tags ?? null, null);

  assert.deepEqual(s.tombstones.map((r) => r.path).sort(), ['region=eu/old.parquet', 'region=us/b%20c.parquet']);
  const old = s.tombstones.find((r) => r.path === 'region=eu/old.parquet')!;
  assert.equal(old.deletionTimestamp, 1700000000999);
  assert.deepEqual(old.partitionValues, { region: 'eu' });
  assert.equal(s.txns.get('stream-1')?.version, 42);
  assert.equal(s.domains.get('delta.rowTracking')?.configuration, '{"rowIdHighWaterMark":99}');

  // Partition values typed through a scan plan, and URLs resolved from escaped paths.
  const plan = planScan(s);
  const files = new Map(plan.files.map((f) => [f.add.path, f]));
  assert.deepEqual(files.get('region=eu/a.parquet')?.partitionValues, { region: 'eu' });
  assert.deepEqual(files.get('region=__HIVE_DEFAULT_PARTITION__/d.parquet')?.partitionValues, { region: null });
  assert.equal(files.get('region=us/e.parquet')?.url, `${localUrl(dir, true)}region=us/e.parquet`);
});

test('a checkpoint without optional columns (no stats, tags, DVs; no remove/txn/domain columns)', async () => {
  const { dir, log } = await tempTable();
  const v = 3;
  await writeCheckpointFile(join(log, `${pad20(v)}.checkpoint.parquet`), MINIMAL_COLUMNS, [
    protocolRow(false),
    metaDataRow(false),
    addRow('region=eu/a.parquet', 'eu', { full: false }),
    addRow('region=us/b.parquet', 'us', { full: false }),
  ]);
  const s = await load(dir);
  assert.equal(s.version, v);
  assert.equal(s.segment.checkpoint?.format, 'classic');
  assert.equal(s.protocol.minReaderVersion, 1);
  assert.equal(s.protocol.readerFeatures ?? undefined, undefined);
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['region=eu/a.parquet', 'region=us/b.parquet']);
  for (const f of s.files) {
    assert.equal(f.stats ?? null, null);
    assert.equal(f.deletionVector ?? null, null);
    assert.equal(f.size, 1234);
  }
  assert.deepEqual(s.files.find((f) => f.path === 'region=us/b.parquet')?.partitionValues, { region: 'us' });
  assert.equal(s.tombstones.length, 0);
  assert.equal(s.txns.size, 0);
  assert.equal(s.domains.size, 0);
});

test('a checkpoint on an unpartitioned table: empty and null partitionValues maps', async () => {
  const { dir, log } = await tempTable();
  await writeCheckpointFile(join(log, `${pad20(2)}.checkpoint.parquet`), MINIMAL_COLUMNS, [
    protocolRow(false),
    ['metaData', `{'id': 'u', 'format': {'provider': 'parquet', 'options': NULL}, 'schemaString': ${sqlString(SCHEMA)}, 'partitionColumns': [], 'configuration': NULL, 'createdTime': NULL}`],
    ['add', `{'path': 'x.parquet', 'partitionValues': MAP {}, 'size': 1, 'modificationTime': 2, 'dataChange': true}`],
    ['add', `{'path': 'y.parquet', 'partitionValues': NULL, 'size': 1, 'modificationTime': 2, 'dataChange': true}`],
  ]);
  const s = await load(dir);
  assert.deepEqual(s.metadata.partitionColumns, []);
  assert.deepEqual(s.metadata.configuration, {});
  assert.deepEqual(s.files.map((f) => [f.path, f.partitionValues]).sort(), [
    ['x.parquet', {}],
    ['y.parquet', {}],
  ]);
});

test('a multi-part checkpoint with a missing part is passed over for the commits', async () => {
  const { dir, log } = await tempTable();
  await writeCommit(log, 0, [
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    { metaData: { id: 'm', format: { provider: 'parquet' }, schemaString: SCHEMA, partitionColumns: ['region'], configuration: {} } },
  ]);
  await writeCommit(log, 1, [{ add: { path: 'a.parquet', partitionValues: { region: 'eu' }, size: 1, modificationTime: 1, dataChange: true } }]);
  await writeCommit(log, 2, [{ add: { path: 'b.parquet', partitionValues: { region: 'us' }, size: 1, modificationTime: 1, dataChange: true } }]);
  // Part 2 of 2 was never written; part 1 alone lacks b.parquet.
  await writeCheckpointFile(join(log, `${pad20(2)}.checkpoint.${pad10(1)}.${pad10(2)}.parquet`), MINIMAL_COLUMNS, [
    protocolRow(false),
    metaDataRow(false),
    addRow('a.parquet', 'eu', { full: false }),
  ]);
  await writeFile(join(log, '_last_checkpoint'), JSON.stringify({ version: 2, size: 4, parts: 2 }));
  const s = await load(dir);
  assert.equal(s.segment.checkpoint, undefined);
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['a.parquet', 'b.parquet']);
});

test('many parts read in parallel all arrive', async () => {
  const { log } = await tempTable();
  const n = 6;
  const files = [];
  const rows = 3000;
  for (let i = 0; i < n; i++) {
    const path = join(log, `${pad20(9)}.checkpoint.${pad10(i + 1)}.${pad10(n)}.parquet`);
    // Build big parts with a generated query rather than a huge UNION.
    await withConnection((c) =>
      c.run(
        `COPY (SELECT NULL::${FULL_COLUMNS.txn} AS txn, {'path': 'p${i}/f' || g.i || '.parquet', 'partitionValues': MAP {'region': 'eu'}, 'size': g.i, 'modificationTime': 1, 'dataChange': true, 'stats': ${sqlString(STATS)}, 'tags': NULL, 'deletionVector': NULL, 'baseRowId': NULL, 'defaultRowCommitVersion': NULL, 'clusteringProvider': NULL}::${FULL_COLUMNS.add} AS "add" FROM range(${rows}) g(i)) TO ${sqlString(path)} (FORMAT parquet)`,
      ),
    );
    files.push({ path: localUrl(path), size: 0, modificationTime: 0 });
  }
  const parts = await new DuckDBParquetHandler().readCheckpointActions(files, ['add', 'remove', 'txn']);
  assert.equal(parts.length, n);
  parts.forEach((p, i) => {
    assert.equal(p.adds.length, rows, `part ${i + 1}`);
    assert.ok(p.adds.every((a) => a.path.startsWith(`p${i}/`)), `part ${i + 1} holds its own rows`);
    assert.equal(new Set(p.adds.map((a) => a.path)).size, rows);
  });
});

test('a large checkpoint is read column by column, in file order, across row groups', async () => {
  const { dir, log } = await tempTable();
  const rows = 40_000;
  // Small row groups, so that some groups of rows the reader aggregates span two of them.
  await withConnection((c) =>
    c.run(
      `COPY (
         SELECT * FROM (VALUES (0, {'minReaderVersion': 1, 'minWriterVersion': 2}::${FULL_COLUMNS.protocol}, NULL::${FULL_COLUMNS.metaData}, NULL::${FULL_COLUMNS.add}),
                               (1, NULL, ${metaDataRow(false)[1]}::${FULL_COLUMNS.metaData}, NULL)) v(o, protocol, "metaData", "add")
         UNION ALL
         SELECT 2 + g.i, NULL, NULL, {'path': 'region=' || (g.i % 7) || '/f' || g.i || '.parquet', 'partitionValues': MAP {'region': (g.i % 7)::VARCHAR},
                 'size': g.i, 'modificationTime': 1000 + g.i, 'dataChange': g.i % 2 = 0,
                 'stats': CASE WHEN g.i % 3 = 0 THEN NULL ELSE '{"numRecords":' || g.i || '}' END, 'tags': NULL,
                 'deletionVector': CASE WHEN g.i = 33333 THEN ${DV_SQL} END, 'baseRowId': NULL, 'defaultRowCommitVersion': NULL, 'clusteringProvider': NULL}::${FULL_COLUMNS.add}
         FROM range(${rows}) g(i) ORDER BY o
       ) TO ${sqlString(join(log, `${pad20(3)}.checkpoint.parquet`))} (FORMAT parquet, ROW_GROUP_SIZE 10000)`,
    ),
  );
  const [part] = await bulk.parquet.readCheckpointActions([{ path: localUrl(join(log, `${pad20(3)}.checkpoint.parquet`)), size: 1, modificationTime: 0 }], ['add', 'metaData', 'protocol']);
  assert.ok(part.addColumns, 'read column by column');
  const list = part.addColumns;
  assert.equal(list.length, rows);
  for (const i of [0, 1, 16_383, 16_384, 19_999, 20_000, 33_333, rows - 1]) {
    const a = list.get(i);
    assert.equal(a.path, `region=${i % 7}/f${i}.parquet`, `file ${i} in file order`);
    assert.deepEqual(a.partitionValues, { region: String(i % 7) });
    assert.equal(a.size, i);
    assert.equal(a.modificationTime, 1000 + i);
    assert.equal(a.dataChange, i % 2 === 0);
    assert.equal(a.stats, i % 3 === 0 ? undefined : `{"numRecords":${i}}`);
    assert.equal(a.deletionVector?.cardinality, i === 33_333 ? 6 : undefined);
  }
  assert.ok(Array.from({ length: rows }, (_, i) => list.path(i)).every((p, i) => p === `region=${i % 7}/f${i}.parquet`));
  assert.equal(part.protocol?.minWriterVersion, 2);
  assert.equal(part.metaData?.id, 'tbl-1');
  // The snapshot is the same through the JSON reading of small checkpoints.
  const s = await load(dir);
  assert.equal(s.fileList.length, rows);
});

test('paths or stats holding the separators the bulk reader joins with are read one by one, the same', async () => {
  const { dir, log } = await tempTable();
  await writeCheckpointFile(join(log, `${pad20(2)}.checkpoint.parquet`), FULL_COLUMNS, [
    protocolRow(false),
    metaDataRow(false),
    addRow('region=eu/a\nb.parquet', 'eu', { stats: '{"tag":"x\u0001y"}', full: true }),
    addRow('region=us/c.parquet', 'us', { full: true }),
  ]);
  const s = await load(dir);
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['region=eu/a\nb.parquet', 'region=us/c.parquet']);
  assert.equal(s.files.find((f) => f.path.startsWith('region=eu'))?.stats, '{"tag":"x\u0001y"}');
});

test('a file that is not Parquet fails with DELTA_CORRUPT_CHECKPOINT naming it', async () => {
  const { dir, log } = await tempTable();
  await writeFile(join(log, `${pad20(1)}.checkpoint.parquet`), 'this is not parquet');
  await assert.rejects(loadSnapshot(engine, localUrl(dir, true)), (e: unknown) => {
    assert.ok(isDeltaError(e, 'DELTA_CORRUPT_CHECKPOINT'), String(e));
    assert.match(e.message, /00000000000000000001\.checkpoint\.parquet/);
    return true;
  });
});

test('a v2 Parquet checkpoint with sidecar files', async () => {
  const { dir, log } = await tempTable();
  const v = 4;
  const V2_COLUMNS = {
    checkpointMetadata: 'STRUCT(version BIGINT, tags MAP(VARCHAR, VARCHAR))',
    sidecar: 'STRUCT(path VARCHAR, sizeInBytes BIGINT, modificationTime BIGINT, tags MAP(VARCHAR, VARCHAR))',
    protocol: FULL_COLUMNS.protocol,
    metaData: FULL_COLUMNS.metaData,
  };
  const SIDECAR_COLUMNS = { add: FULL_COLUMNS.add, remove: FULL_COLUMNS.remove };
  await mkdir(join(log, '_sidecars'));
  const sidecars = ['016ae953-37a9-438e-8683-9a9a4a79a395.parquet', '3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet'];
  await writeCheckpointFile(join(log, '_sidecars', sidecars[0]), SIDECAR_COLUMNS, [
    addRow('region=eu/a.parquet', 'eu', { stats: STATS, full: true }),
    ['remove', `{'path': 'region=eu/gone.parquet', 'deletionTimestamp': 5, 'dataChange': true, 'extendedFileMetadata': NULL, 'partitionValues': NULL, 'size': NULL, 'deletionVector': NULL, 'baseRowId': NULL, 'defaultRowCommitVersion': NULL}`],
  ]);
  await writeCheckpointFile(join(log, '_sidecars', sidecars[1]), SIDECAR_COLUMNS, [
    addRow('region=us/b.parquet', 'us', { dv: DV_SQL, full: true }),
  ]);
  const uuid = '80a083e8-7026-4e79-81be-64bd76c43a11';
  await writeCheckpointFile(join(log, `${pad20(v)}.checkpoint.${uuid}.parquet`), V2_COLUMNS, [
    ['checkpointMetadata', `{'version': ${v}, 'tags': NULL}`],
    [
      'protocol',
      `{'minReaderVersion': 3, 'minWriterVersion': 7, 'readerFeatures': ['v2Checkpoint', 'deletionVectors'], 'writerFeatures': ['v2Checkpoint', 'deletionVectors']}`,
    ],
    metaDataRow(true),
    ...sidecars.map((name): Row => ['sidecar', `{'path': ${sqlString(name)}, 'sizeInBytes': 100, 'modificationTime': 1, 'tags': NULL}`]),
  ]);
  const s = await load(dir);
  assert.equal(s.version, v);
  assert.equal(s.segment.checkpoint?.format, 'v2');
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['region=eu/a.parquet', 'region=us/b.parquet']);
  assert.equal(s.files.find((f) => f.path === 'region=eu/a.parquet')?.stats, STATS);
  assert.equal(s.files.find((f) => f.path === 'region=us/b.parquet')?.deletionVector?.cardinality, 6);
  assert.deepEqual(s.tombstones.map((r) => r.path), ['region=eu/gone.parquet']);
});

test("a table whose directory name needs quoting and escaping ('[', ']', quote, space, %, ü)", async () => {
  const { dir, log } = await tempTable("it's [a] t%20able ü");
  await writeCheckpointFile(join(log, `${pad20(1)}.checkpoint.parquet`), MINIMAL_COLUMNS, [
    protocolRow(false),
    metaDataRow(false),
    addRow('region=eu/a.parquet', 'eu', { full: false }),
  ]);
  await writeCommit(log, 2, [{ add: { path: 'region=eu/b.parquet', partitionValues: { region: 'eu' }, size: 1, modificationTime: 1, dataChange: true } }]);
  const s = await load(dir);
  assert.equal(s.version, 2);
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['region=eu/a.parquet', 'region=eu/b.parquet']);
  assert.equal(s.table, dir);
});
