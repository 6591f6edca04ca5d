/**
 * What is particular to LocalStorage (the contract every storage keeps is in
 * storage-contract.test.ts): file URLs, symbolic links, modification times, directories, no
 * temporary files left behind, and put-if-absent raced between processes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSnapshot } from '@loch/delta';
import { rejectsWith } from '@loch/test-utils';
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

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const storage = new LocalStorage();

test('localUrl makes file URLs; directories end in a slash', () => {
  assert.equal(localUrl('/tmp/a b'), 'file:///tmp/a%20b');
  assert.equal(localUrl('/tmp/a b', true), 'file:///tmp/a%20b/');
  assert.equal(localUrl('/tmp/x/', true), 'file:///tmp/x/');
});

test('list: hidden files are listed; modification times keep milliseconds', async () => {
  const d = await tempDir();
  for (const n of ['a.json', '.hidden']) await writeFile(join(d, n), n);
  await utimes(join(d, 'a.json'), 1_700_000_000, 1_700_000_000.5);
  const listed = await storage.list(localUrl(d, true));
  assert.deepEqual(listed.map((f) => f.path), [`${localUrl(d, true)}.hidden`, `${localUrl(d, true)}a.json`]);
  assert.equal(listed[1].modificationTime, 1_700_000_000_500);
  assert.deepEqual(await storage.list(localUrl(join(d, 'a.json'), true)), [], 'a file is not a directory');
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

test('only file: URLs are accepted', async () => {
  await rejectsWith(storage.read('s3://bucket/key'), 'DELTA_INVALID_ARGUMENT', /s3:\/\/bucket\/key/);
  await rejectsWith(storage.list('mem:///t/'), 'DELTA_INVALID_ARGUMENT');
});

async function allEntries(d: string): Promise<string[]> {
  return (await readdir(d)).sort();
}

test('putIfAbsent, writeStream and copy leave no temporary files, won or lost', async () => {
  const d = await tempDir();
  const url = localUrl(join(d, '_delta_log', '00000000000000000000.json'));
  await storage.putIfAbsent(url, enc('first'));
  await rejectsWith(storage.putIfAbsent(url, enc('second')), 'DELTA_FILE_ALREADY_EXISTS');
  await rejectsWith(storage.writeStream(url, (async function* () {
    yield enc('third');
  })()), 'DELTA_FILE_ALREADY_EXISTS');
  await rejectsWith(storage.copy(url, url), 'DELTA_FILE_ALREADY_EXISTS');
  await rejectsWith(storage.copy(localUrl(join(d, 'gone')), localUrl(join(d, '_delta_log', 'x'))), 'DELTA_FILE_NOT_FOUND', /gone/);
  assert.deepEqual(await allEntries(join(d, '_delta_log')), ['00000000000000000000.json']);
});

test('putIfAbsent refuses a path that exists as anything', async () => {
  const d = await tempDir();
  await mkdir(join(d, 'adir'));
  await rejectsWith(storage.putIfAbsent(localUrl(join(d, 'adir')), enc('x')), 'DELTA_FILE_ALREADY_EXISTS');
  assert.deepEqual(await allEntries(d), ['adir']);
});

test('removeEmptyDirectories removes directories left empty, deepest first, and spares the kept ones', async () => {
  const d = await tempDir();
  for (const p of ['p=1/q=1', 'p=1/q=2', 'p=2', '_delta_log', '.staging/x']) await mkdir(join(d, p), { recursive: true });
  await writeFile(join(d, 'p=1', 'q=2', 'f.parquet'), 'x');
  await writeFile(join(d, '_delta_log', '0.json'), '{}');
  const removed = await storage.removeEmptyDirectories(localUrl(d, true), (dir) => dir.startsWith('.'));
  assert.equal(removed, 2, 'p=1/q=1 and p=2');
  assert.deepEqual(await allEntries(d), ['.staging', '_delta_log', 'p=1']);
  assert.deepEqual(await allEntries(join(d, 'p=1')), ['q=2']);
});

test('localPath: the path of a file: URL; none for other schemes', () => {
  assert.equal(storage.localPath(localUrl('/tmp/a b/c=1/f.parquet')), '/tmp/a b/c=1/f.parquet');
  assert.equal(storage.localPath('s3://bucket/key'), undefined);
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
