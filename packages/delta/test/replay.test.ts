/// <reference types="node" />
/**
 * Log replay: which action decides a file's fate, how keys are made (canonical path plus the
 * deletion vector's id), and the precomputed-hash path giving exactly what the plain one gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddFile, RemoveFile } from '../src/actions/add.js';
import { emptyLogFileActions, type LogFileActions } from '../src/actions/columns.js';
import type { DeletionVectorDescriptor } from '../src/actions/deletion-vector.js';
import { dvUniqueId } from '../src/dv/descriptor.js';
import {
  attachFileKeyHashes,
  FILE_KEY_HASH_CHECK,
  FILE_KEY_HASHES,
  fileKeyHash,
  replay,
  type ReplayState,
} from '../src/replay/replay.js';
import { canonicalPath } from '../src/util/paths.js';
import { fileKey } from '../src/replay/file-key.js';

const ROOT = 'file:///t/';

const add = (path: string, extra: Partial<AddFile> = {}): AddFile => ({
  path,
  partitionValues: {},
  size: 1,
  modificationTime: 1,
  dataChange: true,
  ...extra,
});
const remove = (path: string, extra: Partial<RemoveFile> = {}): RemoveFile => ({ path, dataChange: true, ...extra });

let fileNo = 0;
function commit(actions: { adds?: AddFile[]; removes?: RemoveFile[] } & Partial<LogFileActions>): LogFileActions {
  const f = emptyLogFileActions(`${ROOT}_delta_log/${String(fileNo++).padStart(20, '0')}.json`);
  return { ...f, ...actions, adds: actions.adds ?? [], removes: actions.removes ?? [] };
}

const dv = (id: string, offset?: number): DeletionVectorDescriptor => ({
  storageType: 'u',
  pathOrInlineDv: id,
  ...(offset === undefined ? {} : { offset }),
  sizeInBytes: 10,
  cardinality: 2,
});

const live = (s: ReplayState) => s.files.map((f) => (f.deletionVector ? `${f.path}#${dvUniqueId(f.deletionVector)}` : f.path)).sort();
const dead = (s: ReplayState) => s.tombstones.map((f) => (f.deletionVector ? `${f.path}#${dvUniqueId(f.deletionVector)}` : f.path)).sort();

/** The replay algorithm as it was before hashing: a Set of key strings. */
function referenceReplay(tableRoot: string, newestFirst: readonly LogFileActions[]): { files: AddFile[]; tombstones: RemoveFile[] } {
  const seen = new Set<string>();
  const files: AddFile[] = [];
  const tombstones: RemoveFile[] = [];
  for (const f of newestFirst) {
    for (const r of f.removes) {
      const k = fileKey(tableRoot, r.path, r.deletionVector);
      if (!seen.has(k)) {
        seen.add(k);
        tombstones.push(r);
      }
    }
    for (const a of f.adds) {
      const k = fileKey(tableRoot, a.path, a.deletionVector);
      if (!seen.has(k)) {
        seen.add(k);
        files.push(a);
      }
    }
  }
  return { files, tombstones };
}

/** The same commits with hashes attached, computed by `hash` (the real one unless a test lies). */
function withHashes(newestFirst: LogFileActions[], hash = (key: string) => fileKeyHash(key), check = FILE_KEY_HASH_CHECK, root = ROOT): LogFileActions[] {
  return newestFirst.map((f) => {
    const copy = { ...f };
    attachFileKeyHashes(copy, {
      check,
      tableRoot: root,
      adds: Int32Array.from(f.adds, (a) => hash(fileKey(ROOT, a.path, a.deletionVector))),
      removes: Int32Array.from(f.removes, (r) => hash(fileKey(ROOT, r.path, r.deletionVector))),
    });
    return copy;
  });
}

function sameState(a: ReplayState, b: ReplayState): void {
  assert.deepEqual(a.files, b.files);
  assert.deepEqual(a.tombstones, b.tombstones);
  // The very same objects, in the same order.
  a.files.forEach((f, i) => assert.equal(f, b.files[i]));
  a.tombstones.forEach((f, i) => assert.equal(f, b.tombstones[i]));
  assert.deepEqual(a.txns, b.txns);
  assert.deepEqual(a.domains, b.domains);
  assert.equal(a.protocol, b.protocol);
  assert.equal(a.metadata, b.metadata);
}

test('the newest action for a key wins; a remove leaves a tombstone', () => {
  const newestFirst = [
    commit({ adds: [add('a')] }), // v3: re-added
    commit({ removes: [remove('a')], adds: [add('c')] }), // v2
    commit({ removes: [remove('b')] }), // v1
    commit({ adds: [add('a'), add('b')] }), // v0
  ];
  const s = replay(ROOT, newestFirst);
  assert.deepEqual(live(s), ['a', 'c']);
  assert.deepEqual(dead(s), ['b']);
  // The live 'a' is the newest add, not the first one.
  assert.equal(s.files.find((f) => f.path === 'a'), newestFirst[0].adds[0]);
});

test('remove then re-add in a later commit makes the file live again', () => {
  const s = replay(ROOT, [commit({ adds: [add('x', { size: 2 })] }), commit({ removes: [remove('x')] }), commit({ adds: [add('x')] })]);
  assert.deepEqual(live(s), ['x']);
  assert.equal(s.files[0].size, 2);
  assert.deepEqual(dead(s), []);
});

test('a remove in the same commit as an add of the same key wins (removes are read first)', () => {
  const s = replay(ROOT, [commit({ adds: [add('x')], removes: [remove('x')] })]);
  assert.deepEqual(live(s), []);
  assert.deepEqual(dead(s), ['x']);
});

test('checkpoint actions come last: any commit overrides them', () => {
  const checkpoint = commit({ adds: [add('a'), add('b')], removes: [remove('old')] });
  const s = replay(ROOT, [commit({ removes: [remove('a')] }), commit({ adds: [add('old')] }), checkpoint]);
  assert.deepEqual(live(s), ['b', 'old']);
  assert.deepEqual(dead(s), ['a']);
});

test('deletion vectors are part of the key', () => {
  // v0 adds p; v1 replaces it with p + dv1; v2 replaces that with p + dv2 (offset differs too).
  const s = replay(ROOT, [
    commit({ removes: [remove('p', { deletionVector: dv('abc') })], adds: [add('p', { deletionVector: dv('abc', 7) })] }),
    commit({ removes: [remove('p')], adds: [add('p', { deletionVector: dv('abc') })] }),
    commit({ adds: [add('p')] }),
  ]);
  assert.deepEqual(live(s), ['p#uabc@7']);
  assert.deepEqual(dead(s), ['p', 'p#uabc']);
});

test('an add with a DV does not replace the add without one unless that is removed', () => {
  const s = replay(ROOT, [commit({ adds: [add('p', { deletionVector: dv('d1') })] }), commit({ adds: [add('p')] })]);
  assert.deepEqual(live(s), ['p', 'p#ud1']);
});

test('one file named in different path forms is one key', () => {
  const forms = ['file:/t/dir/a%20b.parquet', 'file:///t/dir/a%20b.parquet', '/t/dir/a%20b.parquet', 'dir/a%20b.parquet', 'dir/a b.parquet'];
  for (const older of forms) {
    for (const newer of forms) {
      const s = replay(ROOT, [commit({ removes: [remove(newer)] }), commit({ adds: [add(older)] })]);
      assert.deepEqual(live(s), [], `${newer} should remove ${older}`);
      assert.deepEqual(dead(s), [newer]);
    }
  }
  // A file outside the table keeps its absolute key and does not clash with a relative one.
  const s = replay(ROOT, [commit({ removes: [remove('file:///elsewhere/a')] }), commit({ adds: [add('a'), add('/elsewhere/a')] })]);
  assert.deepEqual(live(s), ['a']);
  assert.equal(canonicalPath(ROOT, '/elsewhere/a'), 'file:///elsewhere/a');
});

test('txns keep the newest version per app; removed domains are dropped', () => {
  const s = replay(ROOT, [
    commit({ txns: [{ appId: 'app', version: 5 }], domainMetadata: [{ domain: 'd', configuration: '{}', removed: true }] }),
    commit({ txns: [{ appId: 'app', version: 4 }, { appId: 'other', version: 1 }], domainMetadata: [{ domain: 'd', configuration: '{"a":1}', removed: false }, { domain: 'e', configuration: '{}', removed: false }] }),
  ]);
  assert.equal(s.txns.get('app')?.version, 5);
  assert.equal(s.txns.get('other')?.version, 1);
  assert.deepEqual([...s.domains.keys()], ['e']);
});

/** A log of many files with every kind of conflict, in several path forms. */
function bigLog(seed: number): LogFileActions[] {
  let x = seed;
  const rnd = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  const forms = (p: string) => [p, `file:///t/${p}`, `file:/t/${p}`, `/t/${p}`][rnd(4)];
  const commits: LogFileActions[] = [];
  for (let c = 0; c < 30; c++) {
    const adds: AddFile[] = [];
    const removes: RemoveFile[] = [];
    const used = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const name = `part=${rnd(5)}/f${rnd(2000)}.parquet`;
      const withDv = rnd(4) === 0 ? dv(`id${rnd(3)}`, rnd(2) ? rnd(100) : undefined) : undefined;
      const key = `${name}|${withDv ? dvUniqueId(withDv) : ''}`;
      if (used.has(key)) continue; // one action per key within a commit
      used.add(key);
      if (rnd(3) === 0) removes.push(remove(forms(name), withDv ? { deletionVector: withDv } : {}));
      else adds.push(add(forms(name), { size: c * 1000 + i, ...(withDv ? { deletionVector: withDv } : {}) }));
    }
    commits.push(commit({ adds, removes }));
  }
  return commits.reverse();
}

test('replay matches a plain Set of keys on a large mixed log', () => {
  for (const seed of [1, 2, 3]) {
    const log = bigLog(seed);
    const s = replay(ROOT, log);
    const ref = referenceReplay(ROOT, log);
    assert.deepEqual(s.files, ref.files);
    assert.deepEqual(s.tombstones, ref.tombstones);
    assert.ok(s.files.length > 1000 && s.tombstones.length > 100);
  }
});

test('precomputed hashes give exactly the result of hashing in replay', () => {
  const log = bigLog(7);
  const plain = replay(ROOT, log);
  const hashed = withHashes(log);
  assert.ok((hashed[0] as unknown as Record<symbol, unknown>)[FILE_KEY_HASHES]);
  sameState(replay(ROOT, hashed), plain);
  // Hashes are not enumerable: they do not show in copies, JSON or comparisons.
  assert.deepEqual(Object.keys(hashed[0]), Object.keys(log[0]));
  assert.deepEqual(hashed[0], log[0]);
});

test('colliding hashes still compare keys', () => {
  const log = bigLog(11).slice(-4); // every probe walks the whole run of colliding entries: keep it small
  sameState(replay(ROOT, withHashes(log, () => 42)), replay(ROOT, log));
  sameState(replay(ROOT, withHashes(log, (k) => k.length & 3)), replay(ROOT, log));
});

test('hashes from another hasher, another root, or of the wrong length are ignored', () => {
  const log = bigLog(13);
  const plain = replay(ROOT, log);
  // These hashes would lose every dedup if replay trusted them.
  const wrong = (k: string) => fileKeyHash(k) ^ Math.floor(Math.random() * 0x7fffffff);
  sameState(replay(ROOT, withHashes(log, wrong, FILE_KEY_HASH_CHECK + 1)), plain);
  sameState(replay(ROOT, withHashes(log, wrong, FILE_KEY_HASH_CHECK, 'file:///other/')), plain);
  const short = withHashes(log, wrong).map((f) => ({ ...f, adds: f.adds.slice(1) }));
  sameState(replay(ROOT, short), replay(ROOT, log.map((f) => ({ ...f, adds: f.adds.slice(1) }))));
  // And they are trusted when they fit: wrong ones then change the result.
  assert.notDeepEqual(replay(ROOT, withHashes(log, wrong)).files.length, plain.files.length);
});

test('files with and without hashes mix', () => {
  const log = bigLog(17);
  const mixed = withHashes(log).map((f, i) => (i % 2 ? log[i] : f));
  sameState(replay(ROOT, mixed), replay(ROOT, log));
});

test('fileKeyHash is stable, and spreads similar keys over the low bits that pick a slot', () => {
  // Pinned: a JSON handler's workers compute the same function (their copy is checked against
  // FILE_KEY_HASH_CHECK at run time), so a change here must change both.
  assert.equal(fileKeyHash(''), -1421968373);
  assert.equal(fileKeyHash('a'), 444641715);
  assert.equal(fileKeyHash('part_10/file_10.parquet'), -1414765422);
  assert.equal(fileKeyHash('ä/€'), 600962055, 'UTF-16 code units beyond Latin-1');
  assert.equal(FILE_KEY_HASH_CHECK, 2096932249);
  // File names that differ in a few digits land in about as many of 256 slots as random
  // numbers would (~162 of 256); a hash that let some characters or bits drop out would
  // crowd them into a few slots and make every probe walk a long run.
  const slots = new Set(Array.from({ length: 256 }, (_, i) => fileKeyHash(`part-${String(i).padStart(5, '0')}.parquet`) & 255));
  assert.ok(slots.size >= 140, `${slots.size} of 256 slots used`);
});

test('checkpoint actions are taken as they are when no later commit touched a file, and reconciled when one did', () => {
  const cp1 = commit({ adds: [add('a'), add('b')], removes: [remove('old')] });
  const cp2 = commit({ adds: [add('c')] });
  const untouched = replay(ROOT, [commit({}), cp1, cp2], 1);
  assert.deepEqual(live(untouched), ['a', 'b', 'c']);
  assert.deepEqual(dead(untouched), ['old']);
  const touched = replay(ROOT, [commit({ removes: [remove('b')], adds: [add('d')] }), cp1, cp2], 1);
  assert.deepEqual(live(touched), ['a', 'c', 'd']);
  assert.deepEqual(dead(touched), ['b', 'old']);
  const later = commit({ removes: [remove('b')], adds: [add('d')] });
  // The same logs without the checkpoint hint go through the general path: same state.
  sameState(replay(ROOT, [later, cp1, cp2], 1), replay(ROOT, [later, cp1, cp2]));
  const empty = commit({});
  sameState(replay(ROOT, [empty, cp1, cp2], 1), replay(ROOT, [empty, cp1, cp2]));
});
