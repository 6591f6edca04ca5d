/**
 * LocalStorage against the real filesystem: listing, reads, and put-if-absent, including a race
 * between processes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeltaError, loadSnapshot, type DeltaErrorCode } from '@loch/delta';
import { LocalStorage, localUrl, nodeEngine } from '@loch/engine-node';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'loch-local-storage-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, code: DeltaErrorCode, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isDeltaError(e), `expected a DeltaError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const storage = new LocalStorage();

test('localUrl makes file URLs; directories end in a slash', () => {
  assert.equal(localUrl('/tmp/a b'), 'file:///tmp/a%20b');
  assert.equal(localUrl('/tmp/a b', true), 'file:///tmp/a%20b/');
  assert.equal(localUrl('/tmp/x/', true), 'file:///tmp/x/');
});

test('list: files only, sorted by name, with sizes and times; a missing directory is empty', async () => {
  const d = await tempDir();
  const names = ['b.json', 'a.json', '00000000000000000010.json', '00000000000000000002.json', 'B.json', '_last_checkpoint', '.hidden'];
  for (const n of names) await writeFile(join(d, n), n);
  await mkdir(join(d, 'subdir'));
  await writeFile(join(d, 'subdir', 'nested.json'), 'x');
  await utimes(join(d, 'a.json'), 1_700_000_000, 1_700_000_000.5);

  const listed = await storage.list(localUrl(d, true));
  const got = listed.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1));
  assert.deepEqual(got, ['.hidden', '00000000000000000002.json', '00000000000000000010.json', 'B.json', '_last_checkpoint', 'a.json', 'b.json']);
  const a = listed.find((f) => f.path.endsWith('/a.json'))!;
  assert.equal(a.path, `${localUrl(d, true)}a.json`);
  assert.equal(a.size, 'a.json'.length);
  assert.equal(a.modificationTime, 1_700_000_000_500);
  // Without the trailing slash too.
  assert.deepEqual((await storage.list(localUrl(d))).map((f) => f.path), listed.map((f) => f.path));

  assert.deepEqual(await storage.list(localUrl(join(d, 'does-not-exist'), true)), []);
  assert.deepEqual(await storage.list(localUrl(join(d, 'a.json'), true)), [], 'a file is not a directory');

  // From a name on (what a log listing from the last checkpoint asks for): only names at or after it.
  const from = (await storage.list(localUrl(d, true), '00000000000000000010')).map((f) => f.path.slice(f.path.lastIndexOf('/') + 1));
  assert.deepEqual(from, ['00000000000000000010.json', 'B.json', '_last_checkpoint', 'a.json', 'b.json']);
});

test('list: names that need escaping come back as URLs that open them', async () => {
  const d = await tempDir();
  const names = ['a b.json', 'p%41.json', 'q#1.json', 'ü.json', 'x?y.json'];
  for (const n of names) await writeFile(join(d, n), `content of ${n}`);
  const listed = await storage.list(localUrl(d, true));
  assert.equal(listed.length, names.length);
  for (const f of listed) {
    const name = decodeURIComponent(f.path.slice(f.path.lastIndexOf('/') + 1));
    assert.ok(names.includes(name), name);
    assert.equal(dec(await storage.read(f.path)), `content of ${name}`);
  }
});

test('list: sorted in byte order (UTF-8), not UTF-16 code unit order', async () => {
  const d = await tempDir();
  // U+FF61 is EF BD A1 in UTF-8, U+1F600 is F0 9F 98 80: byte order puts U+FF61 first, while
  // JavaScript's string comparison (UTF-16: FF61 vs D83D) puts the emoji first.
  const names = ['\u{1F600}.json', '\uFF61.json', 'z.json', 'é.json'];
  for (const n of names) await writeFile(join(d, n), n);
  const got = (await storage.list(localUrl(d, true))).map((f) => decodeURIComponent(f.path.slice(f.path.lastIndexOf('/') + 1)));
  assert.deepEqual(got, ['z.json', 'é.json', '\uFF61.json', '\u{1F600}.json']);
});

test('list: a symbolic link to a file is listed as a file; one to a directory is not', async () => {
  const d = await tempDir();
  const other = await tempDir();
  await writeFile(join(other, 'target.json'), '{"x":1}');
  await writeFile(join(d, 'real.json'), 'r');
  await symlink(join(other, 'target.json'), join(d, 'linked.json'));
  await symlink(other, join(d, 'linked-dir'));
  await symlink(join(other, 'gone.json'), join(d, 'dangling.json'));
  const listed = await storage.list(localUrl(d, true));
  assert.deepEqual(listed.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)), ['linked.json', 'real.json']);
  assert.equal(listed[0].size, 7);
});

test('read and readRange', async () => {
  const d = await tempDir();
  const url = localUrl(join(d, 'f.bin'));
  await writeFile(join(d, 'f.bin'), Buffer.from('0123456789'));
  assert.equal(dec(await storage.read(url)), '0123456789');
  assert.equal(dec(await storage.readRange(url, 0, 4)), '0123');
  assert.equal(dec(await storage.readRange(url, 3, 4)), '3456');
  assert.equal(dec(await storage.readRange(url, 8, 10)), '89', 'a range past the end is cut short');
  assert.equal((await storage.readRange(url, 20, 5)).length, 0);
  assert.equal((await storage.readRange(url, 2, 0)).length, 0);
});

test('reading a missing file fails with DELTA_FILE_NOT_FOUND naming it', async () => {
  const d = await tempDir();
  const url = localUrl(join(d, 'missing.json'));
  await rejectsWith(storage.read(url), 'DELTA_FILE_NOT_FOUND', /missing\.json/);
  await rejectsWith(storage.readRange(url, 0, 10), 'DELTA_FILE_NOT_FOUND', /missing\.json/);
  await rejectsWith(storage.read(localUrl(join(d, 'no-dir', 'x.json'))), 'DELTA_FILE_NOT_FOUND');
});

test('only file: URLs are accepted', async () => {
  await rejectsWith(storage.read('s3://bucket/key'), 'DELTA_INVALID_ARGUMENT', /s3:\/\/bucket\/key/);
  await rejectsWith(storage.list('mem:///t/'), 'DELTA_INVALID_ARGUMENT');
});

async function allEntries(d: string): Promise<string[]> {
  return (await readdir(d)).sort();
}

test('putIfAbsent writes a new file (creating directories) and refuses an existing one', async () => {
  const d = await tempDir();
  const url = localUrl(join(d, '_delta_log', '00000000000000000000.json'));
  await storage.putIfAbsent(url, enc('first'));
  assert.equal(await readFile(join(d, '_delta_log', '00000000000000000000.json'), 'utf8'), 'first');
  await rejectsWith(storage.putIfAbsent(url, enc('second')), 'DELTA_FILE_ALREADY_EXISTS', /00000000000000000000\.json/);
  assert.equal(dec(await storage.read(url)), 'first', 'the loser does not touch the file');
  assert.deepEqual(await allEntries(join(d, '_delta_log')), ['00000000000000000000.json'], 'no temporary files are left');
  assert.equal(await storage.exists(url), true);
});

test('putIfAbsent refuses a path that exists as anything', async () => {
  const d = await tempDir();
  await mkdir(join(d, 'adir'));
  await rejectsWith(storage.putIfAbsent(localUrl(join(d, 'adir')), enc('x')), 'DELTA_FILE_ALREADY_EXISTS');
  assert.deepEqual(await allEntries(d), ['adir']);
});

test('put replaces; delete removes (and ignores a missing file); exists', async () => {
  const d = await tempDir();
  const url = localUrl(join(d, '_last_checkpoint'));
  assert.equal(await storage.exists(url), false);
  await storage.put(url, enc('{"version":1}'));
  await storage.put(url, enc('{"version":2}'));
  assert.equal(dec(await storage.read(url)), '{"version":2}');
  assert.deepEqual(await allEntries(d), ['_last_checkpoint']);
  await storage.delete(url);
  assert.equal(await storage.exists(url), false);
  await storage.delete(url);
  await storage.put(localUrl(join(d, 'new', 'dir', 'f')), enc('x'));
  assert.equal(await readFile(join(d, 'new', 'dir', 'f'), 'utf8'), 'x');
});

test('putIfAbsent: concurrent writers in one process, exactly one wins per path', async () => {
  const d = await tempDir();
  const paths = Array.from({ length: 20 }, (_, i) => localUrl(join(d, `${String(i).padStart(20, '0')}.json`)));
  const writers = 8;
  const results = await Promise.all(
    paths.flatMap((p) =>
      Array.from({ length: writers }, (_, w) =>
        storage.putIfAbsent(p, enc(`writer ${w} `.repeat(10_000))).then(
          () => ({ p, w, won: true }),
          (e: unknown) => {
            assert.ok(isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS'), String(e));
            return { p, w, won: false };
          },
        ),
      ),
    ),
  );
  for (const p of paths) {
    const winners = results.filter((r) => r.p === p && r.won);
    assert.equal(winners.length, 1, `${p}: ${winners.length} winners`);
    assert.equal(dec(await storage.read(p)), `writer ${winners[0].w} `.repeat(10_000));
  }
  assert.equal((await allEntries(d)).length, paths.length, 'no temporary files are left');
});

/**
 * The child: waits for "go" on stdin, then tries putIfAbsent on every path, and prints one JSON
 * line with the indexes it won and any unexpected error.
 */
const CHILD = `
const [, moduleUrl, dir, id, count, size] = process.argv;
const { LocalStorage, localUrl } = await import(moduleUrl);
const storage = new LocalStorage();
process.stdout.write('ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const won = [];
const errors = [];
const body = (i) => new TextEncoder().encode(('child ' + id + ' path ' + i + ' ').padEnd(Number(size), String.fromCharCode(97 + Number(id))) + '\\n');
for (let i = 0; i < Number(count); i++) {
  const name = String(i).padStart(20, '0') + '.json';
  try {
    await storage.putIfAbsent(localUrl(dir + '/' + name), body(i));
    won.push(i);
  } catch (e) {
    if (e?.code !== 'DELTA_FILE_ALREADY_EXISTS') errors.push(String(e?.code) + ': ' + e?.message);
  }
}
process.stdout.write(JSON.stringify({ id: Number(id), won, errors }) + '\\n');
process.stdin.destroy();
`;

function expectedBody(id: number, i: number, size: number): string {
  return `child ${id} path ${i} `.padEnd(size, String.fromCharCode(97 + id)) + '\n';
}

test('putIfAbsent: a race between processes has exactly one winner per path, and complete files', async () => {
  const d = await tempDir();
  const moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve('@loch/engine-node')).href;
  const children = 6;
  const count = 60;
  const size = 64 * 1024;
  const procs = Array.from({ length: children }, (_, id) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', CHILD, moduleUrl, d, String(id), String(count), String(size)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let markReady: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    child.stdout.on('data', (b) => {
      stdout += b;
      if (stdout.startsWith('ready\n')) markReady();
    });
    child.stderr.on('data', (b) => (stderr += b));
    const done = new Promise<{ id: number; won: number[]; errors: string[] }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`child ${id} exited ${code}: ${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      });
    });
    return { child, ready, done };
  });
  // Release them together once every child has loaded and says it is ready.
  await Promise.race([Promise.all(procs.map((p) => p.ready)), Promise.all(procs.map((p) => p.done))]);
  for (const p of procs) p.child.stdin.write('go\n');
  const reports = await Promise.all(procs.map((p) => p.done));

  for (const r of reports) assert.deepEqual(r.errors, [], `child ${r.id} saw unexpected errors`);
  const winnerOf = new Map<number, number>();
  for (const r of reports) {
    for (const i of r.won) {
      assert.ok(!winnerOf.has(i), `path ${i} won by both child ${winnerOf.get(i)} and child ${r.id}`);
      winnerOf.set(i, r.id);
    }
  }
  assert.equal(winnerOf.size, count, 'every path has a winner');
  for (let i = 0; i < count; i++) {
    const text = await readFile(join(d, `${String(i).padStart(20, '0')}.json`), 'utf8');
    assert.equal(text.length, size + 1, `path ${i} is complete`);
    assert.equal(text, expectedBody(winnerOf.get(i)!, i, size), `path ${i} holds its winner's content`);
  }
  const entries = await allEntries(d);
  assert.equal(entries.length, count, `no temporary files are left: ${entries.filter((e) => e.startsWith('.')).join(', ')}`);
});

test('loadSnapshot over LocalStorage: a missing _delta_log and an empty one are told apart', async () => {
  const engine = nodeEngine({ json: { threads: 0 } });
  try {
    const d = await tempDir();
    await rejectsWith(loadSnapshot(engine, localUrl(d, true)), 'DELTA_TABLE_NOT_FOUND', /no _delta_log under/);
    await rejectsWith(loadSnapshot(engine, localUrl(join(d, 'nope'), true)), 'DELTA_TABLE_NOT_FOUND', /nope/);
    await mkdir(join(d, '_delta_log'));
    await rejectsWith(loadSnapshot(engine, localUrl(d, true)), 'DELTA_TABLE_NOT_FOUND', /no commits or checkpoints in .*_delta_log/);
    // A gap in a real log directory.
    const log = join(d, '_delta_log');
    await writeFile(join(log, '00000000000000000000.json'), '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n{"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[]}","partitionColumns":[]}}\n');
    await writeFile(join(log, '00000000000000000002.json'), '{"commitInfo":{}}\n');
    await rejectsWith(loadSnapshot(engine, localUrl(d, true)), 'DELTA_VERSIONS_NOT_CONTIGUOUS', /missing version 1 /);
    await writeFile(join(log, '00000000000000000001.json'), '{"commitInfo":{}}\n');
    assert.equal((await loadSnapshot(engine, localUrl(d, true))).version, 2);
  } finally {
    await engine.close();
  }
});
