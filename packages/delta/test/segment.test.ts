/// <reference types="node" />
/**
 * Log listing and segment building: which checkpoint and commits make up a snapshot, and the
 * errors for missing, broken or cleaned-up logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLogSegment, listLog } from '../src/log/segment.js';
import { parseLogFileName } from '../src/log/file-names.js';
import { parseLastCheckpoint } from '../src/log/last-checkpoint.js';
import { loadSnapshot } from '../src/snapshot/builder.js';
import {
  createTable,
  deleteCommit,
  fileNames,
  linearCheckpointActions,
  linearTable,
  memTable,
  rejectsWith,
  writeClassicCheckpoint,
  writeCommit,
  writeLastCheckpoint,
  writeMultipartCheckpoint,
  writeV2JsonCheckpoint,
  add,
  memEngineNoParquet,
} from './support/mem-table.js';
import { MemoryStorage } from '../src/engine/memory-storage.js';

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

test('file names: commits, checkpoints of every format, and other files', () => {
  assert.deepEqual(parseLogFileName('00000000000000000007.json'), { kind: 'commit', version: 7 });
  assert.deepEqual(parseLogFileName('00000000000000000010.checkpoint.parquet'), {
    kind: 'checkpoint',
    version: 10,
    format: 'classic',
  });
  assert.deepEqual(parseLogFileName('00000000000000000010.checkpoint.0000000002.0000000003.parquet'), {
    kind: 'checkpoint',
    version: 10,
    format: 'multipart',
    part: 2,
    parts: 3,
  });
  const v2 = parseLogFileName('00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json');
  assert.equal(v2.kind, 'checkpoint');
  assert.equal(v2.kind === 'checkpoint' && v2.format, 'v2');
  assert.equal(parseLogFileName('_last_checkpoint').kind, 'lastCheckpoint');
  assert.equal(parseLogFileName('00000000000000000010.crc').kind, 'crc');
  assert.equal(parseLogFileName('0000000000000000001.json').kind, 'other', '19 digits is not a commit');
  assert.equal(parseLogFileName('00000000000000000001.json.tmp').kind, 'other');
  assert.equal(parseLogFileName('.00000000000000000001.json.crc').kind, 'other');
});

test('versions are listed from the log, whatever else is in it', async () => {
  const t = memTable();
  await linearTable(t, 3);
  await t.storage.put(`${t.logDir}00000000000000000001.crc`, new Uint8Array([1]));
  await t.storage.put(`${t.logDir}.00000000000000000003.json.tmp`, new Uint8Array([1]));
  await t.storage.put(`${t.logDir}_commits/00000000000000000003.uuid.json`, new Uint8Array([1]));
  const listed = await listLog(t.storage, t.logDir);
  assert.deepEqual([...listed.commits.keys()].sort(), [0, 1, 2]);
  assert.equal(listed.checkpoints.size, 0);

  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.version, 2);
  assert.equal(seg.latestVersion, 2);
  assert.equal(seg.earliestVersion, 0);
  assert.equal(seg.checkpoint, undefined);
  assert.deepEqual(seg.commits.map((c) => base(c.path)), [
    '00000000000000000000.json',
    '00000000000000000001.json',
    '00000000000000000002.json',
  ]);
});

test('the table root may be given with or without its trailing slash', async () => {
  const t = memTable();
  await linearTable(t, 2);
  const a = await buildLogSegment(t.storage, 'mem:///t');
  const b = await buildLogSegment(t.storage, 'mem:///t/');
  assert.equal(a.tableRoot, 'mem:///t/');
  assert.deepEqual(a, b);
});

test('a gap in the log fails with DELTA_VERSIONS_NOT_CONTIGUOUS naming the missing versions', async () => {
  const t = memTable();
  await linearTable(t, 6);
  await deleteCommit(t, 2);
  await deleteCommit(t, 3);
  await rejectsWith(buildLogSegment(t.storage, t.root), 'DELTA_VERSIONS_NOT_CONTIGUOUS', /versions 2, 3\b/, /version 5/);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_VERSIONS_NOT_CONTIGUOUS', /2, 3/);
  // Versions before the gap are still readable, versions after it are not.
  const s1 = await loadSnapshot(t.engine, t.root, { version: 1 });
  assert.deepEqual(fileNames(s1.files), ['f1.parquet']);
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 4 }), 'DELTA_VERSIONS_NOT_CONTIGUOUS', /2, 3/);
});

test('a single missing version is named in the singular', async () => {
  const t = memTable();
  await linearTable(t, 4);
  await deleteCommit(t, 1);
  await rejectsWith(buildLogSegment(t.storage, t.root), 'DELTA_VERSIONS_NOT_CONTIGUOUS', /missing version 1 /);
});

test('a gap covered by a checkpoint does not matter', async () => {
  const t = memTable();
  await linearTable(t, 6);
  await writeClassicCheckpoint(t, 3, linearCheckpointActions(3));
  await deleteCommit(t, 2);
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint?.version, 3);
  assert.deepEqual(seg.commits.map((c) => base(c.path)), ['00000000000000000004.json', '00000000000000000005.json']);
  const s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(fileNames(s.files), ['f1.parquet', 'f2.parquet', 'f3.parquet', 'f4.parquet', 'f5.parquet']);
  // ...but reading version 2 itself needs commit 2.
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 2 }), 'DELTA_VERSIONS_NOT_CONTIGUOUS', /version 2/);
});

test('a missing _delta_log fails with DELTA_TABLE_NOT_FOUND naming the table', async () => {
  const t = memTable('mem:///nowhere/');
  const e = await rejectsWith(buildLogSegment(t.storage, t.root), 'DELTA_TABLE_NOT_FOUND', /nowhere/);
  assert.match(e.message, /_delta_log/);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_TABLE_NOT_FOUND');
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 0 }), 'DELTA_TABLE_NOT_FOUND');
});

test('a log directory with no commits or checkpoints is not a table', async () => {
  const t = memTable();
  await t.storage.put(`${t.logDir}_last_checkpoint`, new TextEncoder().encode('{"version":3,"size":1}'));
  await t.storage.put(`${t.logDir}00000000000000000000.crc`, new Uint8Array([1]));
  await rejectsWith(buildLogSegment(t.storage, t.root), 'DELTA_TABLE_NOT_FOUND', /no commits or checkpoints/);
  // Files beside the log (data files only) do not make a table either.
  const u = memTable('mem:///data/');
  await u.storage.put('mem:///data/part-0.parquet', new Uint8Array([1]));
  await rejectsWith(buildLogSegment(u.storage, u.root), 'DELTA_TABLE_NOT_FOUND');
});

test('a table with only a checkpoint (all commits cleaned up) is readable at that version', async () => {
  const t = memTable();
  await writeClassicCheckpoint(t, 4, linearCheckpointActions(4));
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.version, 4);
  assert.equal(seg.commits.length, 0);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.version, 4);
  assert.equal(s.files.length, 4);
});

test('time travel to a version', async () => {
  const t = memTable();
  await linearTable(t, 5);
  for (let v = 0; v < 5; v++) {
    const s = await loadSnapshot(t.engine, t.root, { version: v });
    assert.equal(s.version, v);
    assert.equal(s.files.length, v);
  }
});

test('a version past the latest fails with DELTA_VERSION_NOT_FOUND naming both', async () => {
  const t = memTable();
  await linearTable(t, 3);
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 3 }), 'DELTA_VERSION_NOT_FOUND', /\bversion 3\b/, /latest version is 2/);
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 1000 }), 'DELTA_VERSION_NOT_FOUND', /1000/);
});

test('a negative or fractional version is an invalid argument', async () => {
  const t = memTable();
  await linearTable(t, 3);
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: -1 }), 'DELTA_INVALID_ARGUMENT');
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 1.5 }), 'DELTA_INVALID_ARGUMENT');
  await rejectsWith(loadSnapshot(t.engine, t.root, { version: 1, timestamp: 0 }), 'DELTA_INVALID_ARGUMENT');
});

test('after log cleanup, versions before the earliest checkpoint fail clearly', async () => {
  const t = memTable();
  await linearTable(t, 10);
  await writeClassicCheckpoint(t, 5, linearCheckpointActions(5));
  for (let v = 0; v < 5; v++) await deleteCommit(t, v);

  const latest = await loadSnapshot(t.engine, t.root);
  assert.equal(latest.version, 9);
  assert.equal(latest.files.length, 9);
  assert.equal(latest.segment.earliestVersion, 5);

  const s5 = await loadSnapshot(t.engine, t.root, { version: 5 });
  assert.equal(s5.files.length, 5);
  assert.equal(s5.segment.checkpoint?.version, 5);
  assert.equal(s5.segment.commits.length, 0);
  const s7 = await loadSnapshot(t.engine, t.root, { version: 7 });
  assert.equal(s7.files.length, 7);

  for (const v of [0, 3, 4]) {
    await rejectsWith(
      loadSnapshot(t.engine, t.root, { version: v }),
      'DELTA_VERSION_NOT_FOUND',
      new RegExp(`version ${v} can no longer be read`),
      /earliest available version is 5/,
    );
  }
});

test('time travel picks the newest complete checkpoint at or before the version', async () => {
  const t = memTable();
  await linearTable(t, 12);
  await writeClassicCheckpoint(t, 3, linearCheckpointActions(3));
  await writeClassicCheckpoint(t, 8, linearCheckpointActions(8));
  const cases: [number, number | undefined][] = [
    [2, undefined],
    [3, 3],
    [7, 3],
    [8, 8],
    [11, 8],
  ];
  for (const [v, cp] of cases) {
    const seg = await buildLogSegment(t.storage, t.root, v);
    assert.equal(seg.checkpoint?.version, cp, `version ${v}`);
    assert.equal(seg.commits.length, v - (cp ?? -1), `version ${v}`);
    const s = await loadSnapshot(t.engine, t.root, { version: v });
    assert.equal(s.files.length, v, `version ${v}`);
  }
});

test('_last_checkpoint: a valid hint is used; listing starts at it', async () => {
  const t = memTable();
  await linearTable(t, 8);
  await writeClassicCheckpoint(t, 5, linearCheckpointActions(5));
  await writeLastCheckpoint(t, { version: 5, size: 7 });
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint?.version, 5);
  assert.equal(seg.version, 7);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 7);
});

test('_last_checkpoint: corrupt content is ignored and the table still reads', async () => {
  for (const garbage of ['', '{', 'not json at all', '\u0000\u0001\u0002', 'null', '[]', '{"version":"5"}', '{"version":-3}', '{"version":2.5}']) {
    const t = memTable();
    await linearTable(t, 6);
    await writeClassicCheckpoint(t, 3, linearCheckpointActions(3));
    await writeLastCheckpoint(t, garbage);
    const s = await loadSnapshot(t.engine, t.root);
    assert.equal(s.version, 5, JSON.stringify(garbage));
    assert.equal(s.files.length, 5, JSON.stringify(garbage));
    assert.equal(s.segment.checkpoint?.version, 3, JSON.stringify(garbage));
  }
  assert.equal(parseLastCheckpoint('{'), undefined);
  assert.equal(parseLastCheckpoint('{"version":4,"size":10,"parts":2}')?.parts, 2);
});

test('_last_checkpoint: a stale hint (its checkpoint deleted) still reads correctly', async () => {
  const t = memTable();
  await linearTable(t, 10);
  await writeClassicCheckpoint(t, 4, linearCheckpointActions(4));
  const cp7 = await writeClassicCheckpoint(t, 7, linearCheckpointActions(7));
  await writeLastCheckpoint(t, { version: 7, size: 9 });
  await t.storage.delete(cp7);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.version, 9);
  assert.equal(s.segment.checkpoint?.version, 4);
  assert.equal(s.files.length, 9);
});

test('_last_checkpoint: a hint pointing past the end of the log still reads correctly', async () => {
  const t = memTable();
  await linearTable(t, 4);
  await writeLastCheckpoint(t, { version: 1000, size: 1 });
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.version, 3);
  assert.equal(s.files.length, 3);
});

test('_last_checkpoint: a hint at an incomplete multi-part checkpoint falls back to an older one', async () => {
  const t = memTable();
  await linearTable(t, 10);
  await writeClassicCheckpoint(t, 3, linearCheckpointActions(3));
  const all = linearCheckpointActions(7);
  await writeMultipartCheckpoint(t, 7, [all.slice(0, 3), all.slice(3, 6), all.slice(6)], [2]);
  await writeLastCheckpoint(t, { version: 7, size: all.length, parts: 3 });
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.version, 9);
  assert.equal(s.segment.checkpoint?.version, 3);
  assert.equal(s.files.length, 9);
});

test('_last_checkpoint: a hint at an incomplete multi-part checkpoint with no older one replays commits', async () => {
  const t = memTable();
  await linearTable(t, 6);
  const all = linearCheckpointActions(4);
  await writeMultipartCheckpoint(t, 4, [all.slice(0, 2), all.slice(2)], [1]);
  await writeLastCheckpoint(t, { version: 4, size: all.length, parts: 2 });
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.version, 5);
  assert.equal(s.segment.checkpoint, undefined);
  assert.equal(s.segment.commits.length, 6);
  assert.equal(s.files.length, 5);
});

test('a complete multi-part checkpoint is used, its parts in part order', async () => {
  const t = memTable();
  await linearTable(t, 8);
  const all = linearCheckpointActions(6);
  await writeMultipartCheckpoint(t, 6, [all.slice(0, 2), all.slice(2, 4), all.slice(4)]);
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint?.version, 6);
  assert.equal(seg.checkpoint?.format, 'multipart');
  assert.deepEqual(seg.checkpoint?.files.map((f) => base(f.path)), [
    '00000000000000000006.checkpoint.0000000001.0000000003.parquet',
    '00000000000000000006.checkpoint.0000000002.0000000003.parquet',
    '00000000000000000006.checkpoint.0000000003.0000000003.parquet',
  ]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 7);
  assert.equal(t.parquetReads.length, 3);
});

test('a multi-part checkpoint with a missing part is skipped for an older complete checkpoint', async () => {
  const t = memTable();
  await linearTable(t, 10);
  await writeClassicCheckpoint(t, 2, linearCheckpointActions(2));
  const all = linearCheckpointActions(6);
  await writeMultipartCheckpoint(t, 6, [all.slice(0, 3), all.slice(3, 6), all.slice(6)], [3]);
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint?.version, 2);
  assert.equal(seg.commits.length, 7);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 9);
  assert.ok(t.parquetReads.every((p) => p.includes('00000000000000000002.checkpoint')), t.parquetReads.join());
});

test('a multi-part checkpoint with a missing part and no older checkpoint: commits from 0', async () => {
  const t = memTable();
  await linearTable(t, 5);
  const all = linearCheckpointActions(3);
  await writeMultipartCheckpoint(t, 3, [all.slice(0, 2), all.slice(2)], [2]);
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint, undefined);
  assert.equal(seg.commits.length, 5);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 4);
  assert.equal(t.parquetReads.length, 0);
});

test('multi-part: parts numbered outside 1..n do not complete a checkpoint', async () => {
  const t = memTable();
  await linearTable(t, 5);
  const all = linearCheckpointActions(3);
  // Two files claiming to be parts 2 and 3 of 2: two files, but part 1 is missing.
  const name = (part: number) => `${t.logDir}00000000000000000003.checkpoint.${String(part).padStart(10, '0')}.0000000002.parquet`;
  const enc = new TextEncoder();
  await t.storage.put(name(2), enc.encode(all.map((a) => JSON.stringify(a)).join('\n')));
  await t.storage.put(name(3), enc.encode(''));
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint, undefined);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 4);
});

test('two multi-part checkpoints at one version: the complete one wins', async () => {
  const t = memTable();
  await linearTable(t, 6);
  const all = linearCheckpointActions(4);
  await writeMultipartCheckpoint(t, 4, [all.slice(0, 1), all.slice(1, 3), all.slice(3)], [2]); // 3 parts, incomplete
  await writeMultipartCheckpoint(t, 4, [all.slice(0, 3), all.slice(3)]); // 2 parts, complete
  const seg = await buildLogSegment(t.storage, t.root);
  assert.equal(seg.checkpoint?.version, 4);
  assert.equal(seg.checkpoint?.files.length, 2);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 5);
});

test('a v2 JSON checkpoint is read through the JSON handler', async () => {
  const t = memTable();
  await linearTable(t, 6);
  await writeV2JsonCheckpoint(t, 4, linearCheckpointActions(4));
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.segment.checkpoint?.version, 4);
  assert.equal(s.segment.checkpoint?.format, 'v2');
  assert.equal(s.files.length, 5);
  assert.equal(t.parquetReads.length, 0);
});

test('a checkpoint only replaces commits up to its version: later removes still apply', async () => {
  const t = memTable();
  await linearTable(t, 5);
  await writeClassicCheckpoint(t, 4, linearCheckpointActions(4));
  await writeCommit(t, 5, [{ remove: { path: 'f2.parquet', deletionTimestamp: 1, dataChange: true } }, add('g.parquet')]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(fileNames(s.files), ['f1.parquet', 'f3.parquet', 'f4.parquet', 'g.parquet']);
  assert.deepEqual(s.tombstones.map((r) => r.path), ['f2.parquet']);
});

test('buildLogSegment works on any StorageHandler (empty MemoryStorage)', async () => {
  await rejectsWith(buildLogSegment(new MemoryStorage(), 'mem:///x/'), 'DELTA_TABLE_NOT_FOUND');
  const t = memTable();
  await createTable(t);
  const seg = await buildLogSegment(t.storage, t.root, 0);
  assert.equal(seg.version, 0);
});

test('a table with commits only never touches the Parquet handler', async () => {
  const t = memTable();
  await linearTable(t, 4);
  const s = await loadSnapshot(memEngineNoParquet(t.storage), t.root);
  assert.equal(s.version, 3);
  assert.deepEqual(fileNames(s.files), ['f1.parquet', 'f2.parquet', 'f3.parquet']);
});
