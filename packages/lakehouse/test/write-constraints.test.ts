/**
 * Writes a table refuses: NOT NULL columns, CHECK constraints and column invariants violated by a
 * row, overwrites of an append-only table, and tables with writer features Loch cannot write.
 * A refused write leaves no new file anywhere in the table directory and no new commit.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StructType } from '@loch/delta';
import { DeltaTable } from '@loch/lakehouse';
import { commitVersions, escapeRegExp, listTree, rejectsWith, sortRows, tempDir } from './support/fs-table.js';

async function table(t: { after: (fn: () => Promise<void>) => void }) {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  return dir;
}

/** Runs a write that must fail with `code`, and checks that it changed nothing on disk. */
async function refusedCleanly(dir: string, write: Promise<unknown>, code: Parameters<typeof rejectsWith>[1], ...patterns: RegExp[]): Promise<void> {
  const tree = await listTree(dir);
  const versions = await commitVersions(dir);
  await rejectsWith(write, code, new RegExp(escapeRegExp(dir)), ...patterns);
  assert.deepEqual(await listTree(dir), tree, 'the refused write left files or directories behind');
  assert.deepEqual(await commitVersions(dir), versions, 'the refused write committed');
}

test('NOT NULL: a null in a non-nullable column fails with DELTA_NOT_NULL_VIOLATION naming it', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long not null', v: 'string' } });
  await tbl.write([{ id: 1, v: 'a' }]);
  await refusedCleanly(dir, tbl.write([{ id: 2, v: 'b' }, { id: null, v: 'c' }]), 'DELTA_NOT_NULL_VIOLATION', /'id'/);
  // A missing column is a null too.
  await refusedCleanly(dir, tbl.write(`SELECT 'only v' AS v`), 'DELTA_NOT_NULL_VIOLATION', /'id'/);
  assert.deepEqual((await tbl.scan()).rows, [{ id: 1, v: 'a' }]);
});

test('CHECK constraint: a violating row fails the whole write with DELTA_CONSTRAINT_VIOLATION naming the constraint', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', amount: 'long' }, configuration: { 'delta.constraints.positive': 'amount > 0' } });
  await tbl.write([{ id: 1, amount: 5 }]);
  await refusedCleanly(dir, tbl.write([{ id: 2, amount: 3 }, { id: 3, amount: -1 }]), 'DELTA_CONSTRAINT_VIOLATION', /positive/, /amount > 0/);
  // Also when the bad row is deep in a big write.
  await refusedCleanly(
    dir,
    tbl.write(`SELECT i::BIGINT AS id, CASE WHEN i = 199999 THEN 0 ELSE i + 1 END::BIGINT AS amount FROM range(200000) t(i)`),
    'DELTA_CONSTRAINT_VIOLATION',
    /positive/,
  );
  await tbl.write([{ id: 4, amount: 1 }]);
  assert.deepEqual(sortRows((await tbl.scan()).rows), [{ id: 1, amount: 5 }, { id: 4, amount: 1 }]);
});

test('CHECK constraint on a partitioned table: no partition directory is left behind by a refused write', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: { id: 'long', day: 'string', amount: 'long' },
    partitionBy: ['day'],
    configuration: { 'delta.constraints.positive': 'amount > 0' },
  });
  await tbl.write(`SELECT i::BIGINT AS id, 'd' || (i % 3) AS day, (i + 1)::BIGINT AS amount FROM range(100) t(i)`);
  await refusedCleanly(
    dir,
    tbl.write(`SELECT i::BIGINT AS id, 'new' || (i % 40) AS day, CASE WHEN i = 150000 THEN -5 ELSE i + 1 END::BIGINT AS amount FROM range(200000) t(i)`),
    'DELTA_CONSTRAINT_VIOLATION',
    /positive/,
  );
});

test('invariant in a column\'s metadata: a violating row fails with DELTA_INVARIANT_VIOLATION naming the column', async (t) => {
  const dir = await table(t);
  const schema: StructType = {
    kind: 'struct',
    fields: [
      { name: 'id', type: { kind: 'primitive', name: 'long' }, nullable: true, metadata: {} },
      {
        name: 'score',
        type: { kind: 'primitive', name: 'long' },
        nullable: true,
        metadata: { 'delta.invariants': JSON.stringify({ expression: { expression: 'score < 100' } }) },
      },
    ],
  };
  const tbl = await DeltaTable.create(dir, { schema });
  await tbl.write([{ id: 1, score: 99 }]);
  await refusedCleanly(dir, tbl.write([{ id: 2, score: 100 }]), 'DELTA_INVARIANT_VIOLATION', /'score'/, /score < 100/);
  assert.deepEqual((await tbl.scan()).rows, [{ id: 1, score: 99 }]);
});

test('delta.appendOnly: overwrite and replaceWhere are refused with DELTA_APPEND_ONLY, leaving nothing; appends work', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', day: 'string' }, partitionBy: ['day'], configuration: { 'delta.appendOnly': 'true' } });
  await tbl.write([{ id: 1, day: 'a' }]);
  await refusedCleanly(dir, tbl.write([{ id: 2, day: 'a' }], { mode: 'overwrite' }), 'DELTA_APPEND_ONLY', /append-only/);
  await refusedCleanly(dir, tbl.write([{ id: 3, day: 'a' }], { mode: 'overwrite', replaceWhere: "day = 'a'" }), 'DELTA_APPEND_ONLY');
  await refusedCleanly(dir, tbl.write([{ id: 4, day: 'b' }], { mode: 'overwrite', overwriteSchema: true, configuration: {} }), 'DELTA_APPEND_ONLY');
  await tbl.write([{ id: 5, day: 'b' }]);
  assert.deepEqual(sortRows((await tbl.scan()).rows), [{ id: 1, day: 'a' }, { id: 5, day: 'b' }]);
});

async function handMadeTable(dir: string, protocol: object, configuration: Record<string, string> = {}): Promise<void> {
  await mkdir(join(dir, '_delta_log'), { recursive: true });
  const actions = [
    { commitInfo: { timestamp: 1_700_000_000_000, operation: 'CREATE TABLE', operationParameters: {} } },
    { protocol },
    {
      metaData: {
        id: 'hand-made',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] }),
        partitionColumns: [],
        configuration,
        createdTime: 1_700_000_000_000,
      },
    },
  ];
  await writeFile(join(dir, '_delta_log', '00000000000000000000.json'), actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

test('a table with writer feature identityColumns (writer 7) is refused with DELTA_UNSUPPORTED_WRITER_FEATURE naming it', async (t) => {
  const dir = await table(t);
  await handMadeTable(dir, { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['identityColumns'] });
  const tbl = DeltaTable.forPath(dir);
  await refusedCleanly(dir, tbl.write([{ id: 1 }]), 'DELTA_UNSUPPORTED_WRITER_FEATURE', /'identityColumns'/);
  await refusedCleanly(dir, tbl.write([{ id: 1 }], { mode: 'overwrite' }), 'DELTA_UNSUPPORTED_WRITER_FEATURE', /identityColumns/);
  // It is still readable.
  assert.deepEqual((await tbl.scan()).rows, []);
});

test('legacy writer 4: written with the change data feed on or off (Loch writes change data)', async (t) => {
  const on = await table(t);
  await handMadeTable(on, { minReaderVersion: 1, minWriterVersion: 4 }, { 'delta.enableChangeDataFeed': 'true' });
  const w = await DeltaTable.forPath(on).write([{ id: 1 }]);
  assert.equal(w.kind === 'committed' && w.version, 1);
  const off = await table(t);
  await handMadeTable(off, { minReaderVersion: 1, minWriterVersion: 4 });
  const r = await DeltaTable.forPath(off).write([{ id: 1 }]);
  assert.equal(r.kind === 'committed' && r.version, 1);
});
