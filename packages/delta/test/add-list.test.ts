/// <reference types="node" />
/**
 * Add actions held column by column: what the lists give (the same add actions as objects), the
 * joined-string splitting that refuses to guess, and replay over columnar checkpoint parts giving
 * exactly what replay over objects gives, with no object made for a file replay keeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddFile, PartitionValues } from '../src/actions/add.js';
import {
  addFileList,
  columnarAddList,
  concatAddFiles,
  JoinedStrings,
  selectAddFiles,
  totalSize,
  type AddFileList,
} from '../src/actions/add-list.js';
import { emptyLogFileActions, withAddColumns, type LogFileActions } from '../src/actions/columns.js';
import { attachFileKeyHashes, FILE_KEY_HASH_CHECK, replay } from '../src/replay/replay.js';

const ROOT = 'file:///t/';

/** Adds as a checkpoint reader would hand them over: paths joined in two texts, numbers in typed arrays. */
function columnar(adds: readonly AddFile[]): AddFileList {
  const half = Math.ceil(adds.length / 2);
  const parts = [adds.slice(0, half), adds.slice(half)].filter((p) => p.length > 0);
  const sets: PartitionValues[] = [];
  const setOf = new Map<string, number>();
  const pv = new Uint32Array(adds.length);
  adds.forEach((a, i) => {
    const k = JSON.stringify(a.partitionValues);
    if (!setOf.has(k)) setOf.set(k, sets.push(a.partitionValues) - 1);
    pv[i] = setOf.get(k)!;
  });
  const withStats = adds.filter((a) => a.stats != null);
  const statsIndex = new Int32Array(adds.length).fill(-1);
  let s = 0;
  adds.forEach((a, i) => {
    if (a.stats != null) statsIndex[i] = s++;
  });
  const extras = new Map<number, Pick<AddFile, 'deletionVector' | 'tags'>>();
  adds.forEach((a, i) => {
    if (a.deletionVector || a.tags) extras.set(i, { ...(a.deletionVector ? { deletionVector: a.deletionVector } : {}), ...(a.tags ? { tags: a.tags } : {}) });
  });
  return columnarAddList({
    paths: JoinedStrings.split(parts.map((p) => p.map((a) => a.path).join('\n')), parts.map((p) => p.length), '\n')!,
    size: Float64Array.from(adds, (a) => a.size),
    modificationTime: Float64Array.from(adds, (a) => a.modificationTime),
    dataChange: Uint8Array.from(adds, (a) => (a.dataChange ? 1 : 0)),
    partitionValues: pv,
    partitionValueSets: sets,
    statsIndex,
    stats: JoinedStrings.split([withStats.map((a) => a.stats).join('\u0001')], [withStats.length], '\u0001')!,
    extras,
  });
}

const add = (path: string, extra: Partial<AddFile> = {}): AddFile => ({
  path,
  partitionValues: { p: path.startsWith('x') ? 'x' : 'y' },
  size: path.length,
  modificationTime: 7,
  dataChange: true,
  ...extra,
});

const ADDS = [
  add('x/a.parquet', { stats: '{"numRecords":3}' }),
  add('y/b.parquet'),
  add('x/c%20d.parquet', { stats: '{"numRecords":1}', dataChange: false }),
  add('y/e.parquet', { deletionVector: { storageType: 'u', pathOrInlineDv: 'ab', offset: 1, sizeInBytes: 4, cardinality: 2 }, tags: { t: '1' } }),
  add('x/f.parquet'),
];

test('a columnar list gives the add actions it was made from, field by field and as objects', () => {
  const list = columnar(ADDS);
  assert.equal(list.length, ADDS.length);
  assert.deepEqual(list.toArray(), ADDS);
  ADDS.forEach((a, i) => {
    assert.deepEqual(list.get(i), a);
    assert.equal(list.path(i), a.path);
    assert.equal(list.size(i), a.size);
    assert.deepEqual(list.partitionValues(i), a.partitionValues);
    assert.equal(list.stats(i), a.stats);
    assert.deepEqual(list.deletionVector(i), a.deletionVector);
  });
  // Files with equal partition values share one object (callers cache by identity).
  assert.equal(list.partitionValues(0), list.partitionValues(2));
  assert.equal(totalSize(list), ADDS.reduce((n, a) => n + a.size, 0));
});

test('selected and concatenated lists index into the lists below them', () => {
  const list = columnar(ADDS);
  const picked = selectAddFiles(list, Uint32Array.from([4, 0, 3]));
  assert.deepEqual(picked.toArray(), [ADDS[4], ADDS[0], ADDS[3]]);
  assert.equal(picked.path(1), ADDS[0].path);
  const both = concatAddFiles([addFileList([add('z')]), picked, addFileList([]), list]);
  assert.equal(both.length, 1 + 3 + ADDS.length);
  assert.deepEqual(both.toArray(), [add('z'), ADDS[4], ADDS[0], ADDS[3], ...ADDS]);
  for (let i = 0; i < both.length; i++) assert.deepEqual(both.get(i), both.toArray()[i]);
  assert.equal(concatAddFiles([]).length, 0);
});

test('joined strings split into exactly the parts counted, or not at all', () => {
  const s = JoinedStrings.split(['a\nbb\n', 'c'], [3, 1], '\n')!;
  assert.deepEqual([0, 1, 2, 3].map((i) => s.get(i)), ['a', 'bb', '', 'c']);
  assert.equal(s.lengthOf(1), 2);
  assert.deepEqual([0, 1, 2, 3].map((i) => s.reorder(Uint32Array.from([3, 2, 1, 0])).get(i)), ['c', '', 'bb', 'a']);
  // A value holding the separator makes one text split into more (or fewer) parts: refused.
  assert.equal(JoinedStrings.split(['a\nb\nc'], [2], '\n'), undefined);
  assert.equal(JoinedStrings.split(['ab'], [2], '\n'), undefined);
});

let fileNo = 0;
function logFile(actions: Partial<LogFileActions>): LogFileActions {
  return { ...emptyLogFileActions(`${ROOT}_delta_log/${String(fileNo++).padStart(20, '0')}.json`), ...actions };
}

/** A checkpoint part whose adds are columnar, and a guard that fails if replay reads them as objects. */
function columnarPart(adds: readonly AddFile[], removes: LogFileActions['removes'] = []): LogFileActions {
  const part = withAddColumns(logFile({ removes }), columnar(adds));
  Object.defineProperty(part, 'adds', {
    get: () => assert.fail('replay made objects of columnar adds'),
  });
  return part;
}

const paths = (files: readonly AddFile[]) => files.map((f) => f.path + (f.deletionVector ? '#dv' : '')).sort();

test('replay over columnar checkpoint parts keeps them columnar and agrees with replay over objects', () => {
  const newer = [
    logFile({ removes: [{ path: 'y/b.parquet', dataChange: true }], adds: [add('x/g.parquet')] }),
    // A remove of y/e.parquet without its DV does not remove the file that has one.
    logFile({ removes: [{ path: 'y/e.parquet', dataChange: true }, { path: 'x/c d.parquet', dataChange: true }] }),
  ];
  const cases: LogFileActions[][] = [
    [],
    newer,
    [logFile({ removes: [{ path: 'y/e.parquet', dataChange: true, deletionVector: ADDS[3].deletionVector }] })],
  ];
  for (const commits of cases) {
    const split = Math.floor(ADDS.length / 2);
    const asColumns = replay(ROOT, [...commits, columnarPart(ADDS.slice(0, split)), columnarPart(ADDS.slice(split))], commits.length);
    const asObjects = replay(ROOT, [...commits, logFile({ adds: ADDS.slice(0, split) }), logFile({ adds: ADDS.slice(split) })], commits.length);
    assert.deepEqual(paths(asColumns.files), paths(asObjects.files));
    assert.deepEqual(paths(asColumns.fileList.toArray()), paths(asObjects.files));
    assert.deepEqual(asColumns.tombstones, asObjects.tombstones);
  }
  // The checks above can fail: the commits do remove files.
  const removed = replay(ROOT, [...newer, columnarPart(ADDS)], newer.length);
  assert.deepEqual(paths(removed.files), ['x/a.parquet', 'x/f.parquet', 'x/g.parquet', 'y/e.parquet#dv']);
});

test("a columnar part's removes still supersede nothing newer and are kept as tombstones", () => {
  const s = replay(ROOT, [logFile({ adds: [add('x/gone.parquet')] }), columnarPart(ADDS.slice(0, 2), [{ path: 'x/gone.parquet', dataChange: false }])], 1);
  assert.deepEqual(paths(s.files), ['x/a.parquet', 'x/gone.parquet', 'y/b.parquet']);
  assert.deepEqual(s.tombstones, []);
});

/** A commit whose adds are columnar, guarded like `columnarPart`. */
const columnarCommit = (adds: readonly AddFile[], removes: LogFileActions['removes'] = []) => columnarPart(adds, removes);

test('replay over columnar commits records their keys: newer actions supersede, the first of a key wins, order is kept', () => {
  const dv = ADDS[3].deletionVector!;
  const history: [AddFile[], LogFileActions['removes']][] = [
    // Oldest first.
    [ADDS.slice(), []],
    [[add('x/g.parquet'), add('x/g.parquet', { size: 99 }), add('y/h.parquet')], [{ path: 'y/b.parquet', dataChange: true }]],
    // c added again under another spelling of its key; e with a new DV (its old one removed).
    [
      [add(`${ROOT}x/c%20d.parquet`, { size: 5 }), add('y/e.parquet', { deletionVector: { ...dv, pathOrInlineDv: 'cd' } })],
      [{ path: 'y/e.parquet', dataChange: true, deletionVector: dv }],
    ],
    [[], [{ path: 'y/h.parquet', dataChange: true }]],
  ];
  const newestFirst = (columns: boolean) =>
    history
      .map(([adds, removes]) => (columns ? columnarCommit(adds, removes) : logFile({ adds, removes })))
      .reverse();
  const asObjects = replay(ROOT, newestFirst(false));
  const asColumns = replay(ROOT, newestFirst(true));
  assert.deepEqual(asColumns.fileList.toArray(), asObjects.files);
  assert.deepEqual(asColumns.files, asObjects.files);
  assert.deepEqual(asColumns.tombstones, asObjects.tombstones);
  // What the log says, so that the agreement above means something.
  assert.deepEqual(
    asObjects.files.map((f) => `${f.path}:${f.size}${f.deletionVector ? `#${f.deletionVector.pathOrInlineDv}` : ''}`),
    [`${ROOT}x/c%20d.parquet:5`, 'y/e.parquet:11#cd', 'x/g.parquet:11', 'x/a.parquet:11', 'x/f.parquet:11'],
  );
  assert.deepEqual(asObjects.tombstones.map((r) => r.path), ['y/h.parquet', 'y/e.parquet', 'y/b.parquet']);
  // A checkpoint below columnar commits: its files superseded by them are dropped.
  const withCheckpoint = replay(ROOT, [...newestFirst(true).slice(0, 3), columnarPart(ADDS)], 3);
  assert.deepEqual(withCheckpoint.fileList.toArray(), asObjects.files);
});

test('replay uses key hashes attached to columnar commits, and only those that fit', () => {
  const commits = () => [columnarCommit([add('x/a.parquet', { size: 1 })]), columnarCommit([add('x/a.parquet', { size: 2 }), add('x/b.parquet')])];
  const sizes = (s: ReturnType<typeof replay>) => s.fileList.toArray().map((f) => `${f.path}:${f.size}`);
  assert.deepEqual(sizes(replay(ROOT, commits())), ['x/a.parquet:1', 'x/b.parquet:11']);
  // Hashes that say the two a's differ (a wrong hasher): trusted, so both are live ...
  const trusted = commits();
  trusted.forEach((f, k) => attachFileKeyHashes(f, { check: FILE_KEY_HASH_CHECK, tableRoot: ROOT, adds: Int32Array.from(f.addColumns!.toArray(), (_, i) => 10 * k + i + 1), removes: new Int32Array(0) }));
  assert.deepEqual(sizes(replay(ROOT, trusted)), ['x/a.parquet:1', 'x/a.parquet:2', 'x/b.parquet:11']);
  // ... unless their check, root or count does not fit: then replay hashes the keys itself.
  for (const misfit of [{ check: FILE_KEY_HASH_CHECK ^ 1 }, { tableRoot: 'file:///other/' }, { adds: new Int32Array(5) }]) {
    const fs = commits();
    fs.forEach((f, k) =>
      attachFileKeyHashes(f, { check: FILE_KEY_HASH_CHECK, tableRoot: ROOT, adds: Int32Array.from(f.addColumns!.toArray(), (_, i) => 10 * k + i + 1), removes: new Int32Array(0), ...misfit }),
    );
    assert.deepEqual(sizes(replay(ROOT, fs)), ['x/a.parquet:1', 'x/b.parquet:11'], JSON.stringify(Object.keys(misfit)));
  }
});

test('a columnar list keeps whole the adds its columns cannot hold, and null stats as null', () => {
  const odd = { ...add('y/odd.parquet'), size: '12', futureField: [1] } as unknown as AddFile;
  const list = columnarAddList({
    paths: JoinedStrings.split(['x/a.parquet\n\nx/n.parquet'], [3], '\n')!,
    size: Float64Array.of(11, 0, 11),
    modificationTime: Float64Array.of(7, 0, 7),
    dataChange: Uint8Array.of(1, 0, 0),
    partitionValues: Uint32Array.of(0, 0, 0),
    partitionValueSets: [{ p: 'x' }],
    statsIndex: Int32Array.of(-1, -1, -2),
    objectIndex: Int32Array.of(-1, 0, -1),
    objects: [odd],
  });
  assert.deepEqual(list.toArray(), [add('x/a.parquet'), odd, add('x/n.parquet', { dataChange: false, stats: null })]);
  assert.equal(list.get(1), odd);
  assert.equal(list.size(1), '12');
  assert.equal(list.path(1), 'y/odd.parquet');
  assert.deepEqual(list.partitionValues(1), { p: 'y' });
  assert.equal(list.stats(2), null);
  assert.equal(list.stats(0), undefined);
});
