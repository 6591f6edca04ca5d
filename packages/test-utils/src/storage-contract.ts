/**
 * The StorageHandler contract as one test suite, run against every storage the project has (see
 * packages/engine-node/test/storage-contract.test.ts): what the log, the operations and the
 * catalog rely on — byte-ordered listings, listing from a key, recursive listing, head,
 * put-if-absent under races, streams, copies and deletes, and the errors for missing files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isDeltaError, type StorageHandler } from '@loch/delta';
import { rejectsWith } from './errors.js';

export interface StorageFixture {
  readonly storage: StorageHandler;
  /** A new, empty directory URL (ending in `/`) for one test. */
  freshRoot(): Promise<string>;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The key of a listed file relative to `root`, decoded. */
const keyOf = (root: string, path: string) => decodeURIComponent(path.slice(root.length));

async function* chunksOf(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) {
    yield enc(p);
    await new Promise((r) => setImmediate(r));
  }
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return dec(Buffer.concat(parts));
}

/** Every racer tries `attempt`; exactly one may win, the others get DELTA_FILE_ALREADY_EXISTS. */
async function race(racers: number, attempt: (i: number) => Promise<void>): Promise<number> {
  const outcomes = await Promise.all(
    Array.from({ length: racers }, (_, i) =>
      attempt(i).then(
        () => true,
        (e: unknown) => {
          assert.ok(isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS'), `a losing racer failed otherwise: ${String(e)}`);
          return false;
        },
      ),
    ),
  );
  const winners = outcomes.flatMap((won, i) => (won ? [i] : []));
  assert.equal(winners.length, 1, `${winners.length} racers won`);
  return winners[0];
}

/** Registers the contract's tests for one storage, named `name`. */
export function storageContract(name: string, fixture: StorageFixture): void {
  const { storage } = fixture;
  const it = (what: string, fn: (root: string) => Promise<void>) => test(`${name}: ${what}`, async () => fn(await fixture.freshRoot()));

  it('list: files directly inside, sorted in UTF-8 byte order, from a name on', async (root) => {
    // U+FF61 is EF BD A1 in UTF-8 and U+1F600 is F0 9F 98 80: byte order puts U+FF61 first, while
    // JavaScript's string comparison (UTF-16 code units FF61 vs D83D) puts the emoji first.
    const names = ['b.json', 'a.json', '00000000000000000010.json', '00000000000000000002.json', 'B.json', '_last_checkpoint', '\u{1F600}.json', '\uFF61.json', 'é.json'];
    for (const n of names) await storage.put(root + encodeURIComponent(n), enc(n));
    await storage.put(`${root}sub/nested.json`, enc('x'));
    const listed = await storage.list(root);
    assert.deepEqual(
      listed.map((f) => keyOf(root, f.path)),
      ['00000000000000000002.json', '00000000000000000010.json', 'B.json', '_last_checkpoint', 'a.json', 'b.json', 'é.json', '\uFF61.json', '\u{1F600}.json'],
    );
    const a = listed.find((f) => keyOf(root, f.path) === 'a.json')!;
    assert.equal(a.size, 'a.json'.length);
    assert.ok(a.modificationTime > 0);
    assert.deepEqual((await storage.list(root.slice(0, -1))).map((f) => f.path), listed.map((f) => f.path), 'without the trailing slash too');
    const from = (await storage.list(root, '00000000000000000010')).map((f) => keyOf(root, f.path));
    assert.deepEqual(from.slice(0, 2), ['00000000000000000010.json', 'B.json'], 'a store may return more, never fewer');
    assert.ok(!from.includes('00000000000000000002.json'));
    assert.deepEqual(await storage.list(`${root}missing/`), [], 'a directory that does not exist lists as empty');
  });

  it('listRecursive: every file at any depth, in byte order of the whole key, from a key on', async (root) => {
    const keys = ['a/x', 'a-b', 'a0', 'a/b/c=1/part-0.parquet', 'a/b/c=1/part-1.parquet', 'z/deep/er/file', '_delta_log/00000000000000000000.json'];
    for (const k of keys) await storage.put(root + k, enc(k));
    const all = await storage.listRecursive(root);
    // '-' (0x2D) < '/' (0x2F) < '0' (0x30): a-b, then everything under a/, then a0.
    assert.deepEqual(all.map((f) => keyOf(root, f.path)), ['_delta_log/00000000000000000000.json', 'a-b', 'a/b/c=1/part-0.parquet', 'a/b/c=1/part-1.parquet', 'a/x', 'a0', 'z/deep/er/file']);
    for (const f of all) assert.equal(dec(await storage.read(f.path)), keyOf(root, f.path), 'a listed path opens the file');
    const from = await storage.listRecursive(root, 'a/b/c=1/part-1');
    assert.deepEqual(from.map((f) => keyOf(root, f.path)), ['a/b/c=1/part-1.parquet', 'a/x', 'a0', 'z/deep/er/file']);
    assert.deepEqual((await storage.listRecursive(`${root}a/`)).map((f) => keyOf(`${root}a/`, f.path)), ['b/c=1/part-0.parquet', 'b/c=1/part-1.parquet', 'x']);
    assert.deepEqual((await storage.listRecursive(`${root}a`)).length, 3, 'without the trailing slash too, and not a-b or a0');
    assert.deepEqual(await storage.listRecursive(`${root}nothing/`), []);
  });

  it('listDirectories: the names of the prefixes directly inside that hold files, in byte order', async (root) => {
    const keys = ['t2/_delta_log/00000000000000000000.json', 't1/part-0.parquet', 'a b/x/y/z.json', 'T0/f', 'file.json', 'sub-file'];
    for (const k of keys) await storage.put(root + k.split('/').map(encodeURIComponent).join('/'), enc(k));
    assert.deepEqual(await storage.listDirectories(root), ['T0', 'a b', 't1', 't2']);
    assert.deepEqual(await storage.listDirectories(`${root}t2`), ['_delta_log'], 'without the trailing slash too');
    assert.deepEqual(await storage.listDirectories(`${root}t1/`), [], 'files only: no directories');
    assert.deepEqual(await storage.listDirectories(`${root}missing/`), [], 'a prefix that holds nothing has none');
  });

  it('isDirectory: whether a prefix holds files below it', async (root) => {
    const keys = ['t/_delta_log/00000000000000000000.json', 't/part-0.parquet', 'a b/x/y.json', 'tx'];
    for (const k of keys) await storage.put(root + k.split('/').map(encodeURIComponent).join('/'), enc(k));
    assert.equal(await storage.isDirectory(`${root}t/_delta_log/`), true);
    assert.equal(await storage.isDirectory(`${root}t/_delta_log`), true, 'without the trailing slash too');
    assert.equal(await storage.isDirectory(`${root}a%20b/x/`), true, 'a name that needs escaping');
    assert.equal(await storage.isDirectory(`${root}a%20b/`), true, 'files deeper down count');
    assert.equal(await storage.isDirectory(`${root}t/part-0.parquet`), false, 'a file is not one');
    assert.equal(await storage.isDirectory(`${root}t/_delta`), false, 'nor the start of a name');
    assert.equal(await storage.isDirectory(`${root}missing/`), false);
  });

  it('names that need escaping come back as paths that open them', async (root) => {
    const names = ['a b.json', 'p%41.json', 'q#1.json', 'ü.json', 'k=v w', 'x?y.json'];
    for (const n of names) await storage.putIfAbsent(`${root}d/${encodeURIComponent(n)}`, enc(`content of ${n}`));
    const listed = await storage.listRecursive(root);
    assert.deepEqual(listed.map((f) => keyOf(`${root}d/`, f.path)).sort(), [...names].sort());
    for (const f of listed) assert.equal(dec(await storage.read(f.path)), `content of ${keyOf(`${root}d/`, f.path)}`);
  });

  it('head and exists: a file has its size; a missing file or a bare prefix has none', async (root) => {
    await storage.put(`${root}dir/f.bin`, enc('0123456789'));
    const meta = await storage.head(`${root}dir/f.bin`);
    assert.equal(meta?.path, `${root}dir/f.bin`);
    assert.equal(meta?.size, 10);
    assert.equal(meta?.modificationTime, (await storage.list(`${root}dir/`))[0].modificationTime);
    assert.equal(await storage.head(`${root}dir/missing.bin`), undefined);
    assert.equal(await storage.head(`${root}nowhere/f.bin`), undefined);
    assert.equal(await storage.head(`${root}dir`), undefined, 'a directory is not a file');
    assert.equal(await storage.exists(`${root}dir/f.bin`), true);
    assert.equal(await storage.exists(`${root}dir/missing.bin`), false);
  });

  it('read, readRange and readStream; a missing file fails with DELTA_FILE_NOT_FOUND naming it', async (root) => {
    const url = `${root}f.bin`;
    await storage.put(url, enc('0123456789'));
    assert.equal(dec(await storage.read(url)), '0123456789');
    assert.equal(dec(await storage.readRange(url, 3, 4)), '3456');
    assert.equal(dec(await storage.readRange(url, 8, 10)), '89', 'a range past the end is cut short');
    assert.equal((await storage.readRange(url, 20, 5)).length, 0);
    assert.equal(await readAll(storage.readStream(url)), '0123456789');
    const big = 'x'.repeat(300_000) + 'end';
    await storage.put(`${root}big.bin`, enc(big));
    assert.equal(await readAll(storage.readStream(`${root}big.bin`)), big);
    const gone = `${root}missing.json`;
    await rejectsWith(storage.read(gone), 'DELTA_FILE_NOT_FOUND', /missing\.json/);
    await rejectsWith(storage.readRange(gone, 0, 10), 'DELTA_FILE_NOT_FOUND', /missing\.json/);
    await rejectsWith(readAll(storage.readStream(gone)), 'DELTA_FILE_NOT_FOUND', /missing\.json/);
    await rejectsWith(storage.read(`${root}no-dir/x.json`), 'DELTA_FILE_NOT_FOUND');
  });

  it('putIfAbsent refuses an existing file and leaves it alone; put replaces', async (root) => {
    const url = `${root}_delta_log/00000000000000000000.json`;
    await storage.putIfAbsent(url, enc('first'));
    await rejectsWith(storage.putIfAbsent(url, enc('second')), 'DELTA_FILE_ALREADY_EXISTS', /00000000000000000000\.json/);
    assert.equal(dec(await storage.read(url)), 'first');
    await storage.put(`${root}_delta_log/_last_checkpoint`, enc('{"version":1}'));
    await storage.put(`${root}_delta_log/_last_checkpoint`, enc('{"version":2}'));
    assert.equal(dec(await storage.read(`${root}_delta_log/_last_checkpoint`)), '{"version":2}');
    assert.deepEqual((await storage.list(`${root}_delta_log/`)).map((f) => keyOf(`${root}_delta_log/`, f.path)), ['00000000000000000000.json', '_last_checkpoint'], 'nothing else is left beside them');
  });

  it('putIfAbsent: of racing writers exactly one wins each path, and its bytes are the file', async (root) => {
    for (let p = 0; p < 10; p++) {
      const url = `${root}${String(p).padStart(20, '0')}.json`;
      const body = (w: number) => `writer ${w} `.repeat(5_000);
      const winner = await race(8, (w) => storage.putIfAbsent(url, enc(body(w))));
      assert.equal(dec(await storage.read(url)), body(winner));
    }
    assert.equal((await storage.list(root)).length, 10);
  });

  it('writeStream: chunks make the file; put-if-absent unless overwrite; a failed stream leaves nothing', async (root) => {
    const url = `${root}part=1/data.parquet`;
    await storage.writeStream(url, chunksOf('one ', 'two ', 'three'));
    assert.equal(dec(await storage.read(url)), 'one two three');
    await rejectsWith(storage.writeStream(url, chunksOf('other')), 'DELTA_FILE_ALREADY_EXISTS', /data\.parquet/);
    assert.equal(dec(await storage.read(url)), 'one two three');
    await storage.writeStream(url, chunksOf('replaced'), { overwrite: true });
    assert.equal(dec(await storage.read(url)), 'replaced');

    const failing = async function* (): AsyncIterable<Uint8Array> {
      yield enc('half');
      throw new Error('source broke');
    };
    await assert.rejects(storage.writeStream(`${root}broken.bin`, failing()), /source broke/);
    assert.equal(await storage.head(`${root}broken.bin`), undefined, 'no partial file');
    assert.deepEqual((await storage.listRecursive(root)).map((f) => keyOf(root, f.path)), ['part=1/data.parquet'], 'nothing left behind');

    const winner = await race(6, (w) => storage.writeStream(`${root}raced.bin`, chunksOf(`w${w}-`, 'x'.repeat(10_000))));
    assert.equal(dec(await storage.read(`${root}raced.bin`)), `w${winner}-${'x'.repeat(10_000)}`);
  });

  it('copy: put-if-absent at the target unless overwrite; a missing source fails naming it', async (root) => {
    await storage.put(`${root}src/a.parquet`, enc('alpha'));
    await storage.copy(`${root}src/a.parquet`, `${root}dst/deep/a.parquet`);
    assert.equal(dec(await storage.read(`${root}dst/deep/a.parquet`)), 'alpha');
    assert.equal(dec(await storage.read(`${root}src/a.parquet`)), 'alpha', 'the source stays');
    await storage.put(`${root}src/b.parquet`, enc('beta'));
    await rejectsWith(storage.copy(`${root}src/b.parquet`, `${root}dst/deep/a.parquet`), 'DELTA_FILE_ALREADY_EXISTS', /a\.parquet/);
    assert.equal(dec(await storage.read(`${root}dst/deep/a.parquet`)), 'alpha');
    await storage.copy(`${root}src/b.parquet`, `${root}dst/deep/a.parquet`, { overwrite: true });
    assert.equal(dec(await storage.read(`${root}dst/deep/a.parquet`)), 'beta');
    await rejectsWith(storage.copy(`${root}src/missing.parquet`, `${root}dst/m.parquet`), 'DELTA_FILE_NOT_FOUND', /missing\.parquet/);
    assert.equal(await storage.exists(`${root}dst/m.parquet`), false);

    for (let i = 0; i < 4; i++) await storage.put(`${root}src/${i}`, enc(`source ${i}`));
    const winner = await race(4, (i) => storage.copy(`${root}src/${i}`, `${root}dst/raced`));
    assert.equal(dec(await storage.read(`${root}dst/raced`)), `source ${winner}`);
  });

  it('delete and deletePrefix: gone, a missing file is no error, siblings with a longer name stay', async (root) => {
    for (const k of ['t/a/1', 't/a/b/2', 't/ab/3', 't/a.json', 'keep']) await storage.put(root + k, enc(k));
    await storage.delete(`${root}t/a.json`);
    await storage.delete(`${root}t/a.json`);
    await storage.delete(`${root}never/was`);
    await storage.deletePrefix(`${root}t/a/`);
    await storage.deletePrefix(`${root}t/nothing/`);
    assert.deepEqual((await storage.listRecursive(root)).map((f) => keyOf(root, f.path)), ['keep', 't/ab/3']);
    await storage.deletePrefix(`${root}t`);
    assert.deepEqual((await storage.listRecursive(root)).map((f) => keyOf(root, f.path)), ['keep']);
  });

  it('renamePrefix: every file moves to the same keys under the new prefix; a taken or empty prefix is refused', async (root) => {
    for (const k of ['lake/a/_delta_log/0.json', 'lake/a/p=1/f.parquet', 'lake/ab/keep', 'lake/b/taken']) await storage.put(root + k, enc(k));
    await storage.renamePrefix(`${root}lake/a/`, `${root}other/schema.db/c/`);
    assert.deepEqual((await storage.listRecursive(root)).map((f) => keyOf(root, f.path)), [
      'lake/ab/keep',
      'lake/b/taken',
      'other/schema.db/c/_delta_log/0.json',
      'other/schema.db/c/p=1/f.parquet',
    ]);
    assert.equal(dec(await storage.read(`${root}other/schema.db/c/p=1/f.parquet`)), 'lake/a/p=1/f.parquet');
    await rejectsWith(storage.renamePrefix(`${root}other/schema.db/c/`, `${root}lake/b/`), 'DELTA_FILE_ALREADY_EXISTS');
    await rejectsWith(storage.renamePrefix(`${root}lake/a/`, `${root}lake/z/`), 'DELTA_FILE_NOT_FOUND');
    assert.equal((await storage.listRecursive(`${root}other/`)).length, 2, 'a refused rename moves nothing');
  });

  it('removeEmptyDirectories: files and the directories holding them stay', async (root) => {
    for (const k of ['p=1/f', 'p=2/q=1/f', 'p=2/q=2/f', '_delta_log/0.json']) await storage.put(root + k, enc(k));
    await storage.delete(`${root}p=2/q=1/f`);
    await storage.delete(`${root}p=1/f`);
    const removed = await storage.removeEmptyDirectories(root, (dir) => dir === '_delta_log');
    assert.ok(removed >= 0);
    assert.deepEqual((await storage.listRecursive(root)).map((f) => keyOf(root, f.path)), ['_delta_log/0.json', 'p=2/q=2/f']);
    await storage.put(`${root}p=1/again`, enc('a file can go where a directory was removed'));
    assert.equal(dec(await storage.read(`${root}p=1/again`)), 'a file can go where a directory was removed');
  });

  it('localPath, where the store has one, holds the same bytes', async (root) => {
    await storage.put(`${root}sub/f.bin`, enc('local bytes'));
    const local = storage.localPath?.(`${root}sub/f.bin`);
    if (local === undefined) return;
    assert.equal(await readFile(local, 'utf8'), 'local bytes');
  });
}
