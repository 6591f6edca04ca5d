/**
 * The Node JSON handler against the kernel's single-thread parser: the same actions whatever the
 * split into pieces, the threads and the storage, the same errors (file and absolute line), and
 * key hashes that replay can trust.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalPath,
  dvUniqueId,
  isDeltaError,
  MemoryStorage,
  parseJsonLog,
  replay,
  type FileMeta,
  type LogFileActions,
  type StorageHandler,
} from '@loch/delta';
import { LocalStorage, localUrl, NodeJsonHandler, type JsonHandlerOptions } from '@loch/engine-node';
import { fileKeyHash, FILE_KEY_HASHES } from '@loch/delta';

const dirs: string[] = [];
const handlers: NodeJsonHandler[] = [];
after(async () => {
  for (const h of handlers) await h.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function handler(storage: StorageHandler, options: JsonHandlerOptions): NodeJsonHandler {
  const h = new NodeJsonHandler(storage, options);
  handlers.push(h);
  return h;
}

/** A table directory holding `files` (name → text) in its `_delta_log/`. */
async function writeLog(files: Record<string, string>): Promise<{ root: string; metas: FileMeta[]; memory: MemoryStorage }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-json-handler-'));
  dirs.push(dir);
  await mkdir(join(dir, '_delta_log'));
  const root = localUrl(dir, true);
  const memory = new MemoryStorage();
  const metas: FileMeta[] = [];
  for (const [name, text] of Object.entries(files)) {
    const bytes = Buffer.from(text, 'utf8');
    await writeFile(join(dir, '_delta_log', name), bytes);
    const path = `${root}_delta_log/${name}`;
    await memory.put(path, new Uint8Array(bytes));
    metas.push({ path, size: bytes.length, modificationTime: 0 });
  }
  return { root, metas, memory };
}

/** Deterministic pseudo-random numbers. */
function random(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6b43a9b5) >>> 0;
    x ^= x >>> 13;
    return x % n;
  };
}

const dvJson = (id: string, offset?: number) =>
  `{"storageType":"u","pathOrInlineDv":"${id}"${offset === undefined ? '' : `,"offset":${offset}`},"sizeInBytes":36,"cardinality":2}`;

/** One log line of a kind picked by `rnd`: mostly the common add shape, and every odd one. */
function line(rnd: (n: number) => number, i: number, root: string): string {
  const p = `part=${rnd(50)}`;
  const name = `${p}/part-${String(i).padStart(5, '0')}-c000.snappy.parquet`;
  const common = (path: string, rest = '') =>
    `{"add":{"path":${JSON.stringify(path)},"partitionValues":{"part":"${p.slice(5)}"},"size":${rnd(1e9)},"modificationTime":${1.7e12 + rnd(1e9)},"dataChange":${rnd(2) ? 'true' : 'false'}${rest}}}`;
  const stats = JSON.stringify({ numRecords: rnd(1000), minValues: { a: rnd(10), s: 'x"y\\z' }, maxValues: { a: 99 }, nullCount: { a: 0 } });
  switch (rnd(40)) {
    case 0:
      return common(name, `,"stats":${JSON.stringify(stats)}`);
    case 1:
      return common(name, ',"stats":null');
    case 2:
      return common(name, ',"stats":"{}"');
    case 3:
      return common(`dir é/${name}`); // non-ASCII
    case 4:
      return common(`a%20b/${name}`); // escapes: canonical form differs
    case 5:
      return common(`${root}${name}`); // absolute URL inside the table
    case 6:
      return common(`/elsewhere/${name}`); // absolute path outside it
    case 7:
      return common(`./${name}`);
    case 8:
      return `{"add":{"path":"a\\u0041${i}","partitionValues":{},"size":1,"modificationTime":2,"dataChange":true}}`; // JSON escape
    case 9:
      return `{"add":{"path":"${name}","partitionValues":{"part":null,"__proto__":"x","k":"1","k":"2"},"size":-0,"modificationTime":-5,"dataChange":true}}`;
    case 10:
      return `{"add":{"path":"${name}","partitionValues":{},"size":1e3,"modificationTime":1.5,"dataChange":true}}`;
    case 11:
      return `{"add":{"path":"${name}","partitionValues":{},"size":12345678901234567890,"modificationTime":9007199254740993,"dataChange":true}}`;
    case 12:
      return `{"add":{"path":"${name}","size":3,"partitionValues":{"part":"1"},"modificationTime":4,"dataChange":true}}`; // key order
    case 13:
      return common(name, `,"tags":{"INSERTION_TIME":"${rnd(1e6)}"}`);
    case 14:
      return common(name, `,"deletionVector":${dvJson(`dv${rnd(5)}`, rnd(2) ? rnd(100) : undefined)}`);
    case 15:
      return common(name, ',"baseRowId":7,"defaultRowCommitVersion":3,"futureField":[1,2]');
    case 16:
      return ` ${common(name)} `; // whitespace around
    case 17:
      return `${common(name)}\r`; // CRLF
    case 18:
      return '';
    case 19:
      return '   \t';
    case 20:
      return `{"remove":{"path":"${name}","deletionTimestamp":${1.7e12 + i},"dataChange":true,"extendedFileMetadata":true,"partitionValues":{"part":"1"},"size":5}}`;
    case 21:
      return `{"remove":{"path":"${root}${name}","dataChange":false,"deletionVector":${dvJson('dv1', 4)}}}`;
    case 22:
      return `{"txn":{"appId":"app-${rnd(3)}","version":${i},"lastUpdated":5}}`;
    case 23:
      return `{"domainMetadata":{"domain":"d${rnd(3)}","configuration":"{}","removed":${rnd(2) ? 'true' : 'false'}}}`;
    case 24:
      return `{"cdc":{"path":"_change_data/${name}","partitionValues":{},"size":1,"dataChange":false}}`;
    case 25:
      return `{"commitInfo":{"timestamp":${i},"operation":"WRITE","operationParameters":{"mode":"Append"}}}`;
    case 26:
      return `{"futureAction":{"x":${i}}}`;
    case 27:
      return common(`${p}//${name}`);
    case 28:
      return `{"add":{"path":"${name}\u007f","partitionValues":{"p":"\\t"},"size":1,"modificationTime":2,"dataChange":true}}`;
    case 29:
      return `{"add":{"path":"","partitionValues":{},"size":0,"modificationTime":0,"dataChange":true}}`;
    case 30:
      return common(name, ',"stats":"{\\u0022\\u00e9\\uD83D\\ude00\\ud800\\u0022:1}\\/\\b\\f\\n\\r\\t\\\\"'); // every escape, a lone surrogate
    case 31:
      return common(name, i % 100 === 0 ? `,"stats":"${'s'.repeat(70_000)}"` : ''); // now and then, longer than a packed part
    default:
      return common(name);
  }
}

/** A log of several files, megabytes in all, with every kind of line, some very long. */
async function mixedLog(seed: number) {
  const rnd = random(seed);
  const files: Record<string, string> = {};
  let n = 0;
  const placeholder = 'file:///ROOT/';
  for (let f = 0; f < 5; f++) {
    const lines: string[] = [];
    if (f === 0) {
      lines.push('{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}');
      lines.push(`{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":${JSON.stringify(JSON.stringify({ type: 'struct', fields: [] }))},"partitionColumns":["part"],"configuration":{}}}`);
    }
    const count = f === 1 ? 50 : 9000 + rnd(4000);
    for (let i = 0; i < count; i++) lines.push(line(rnd, n++, placeholder));
    if (f === 2) {
      // Lines longer than the margin read past a piece (64 KiB).
      const big = 'v'.repeat(200_000);
      lines.splice(100, 0, `{"add":{"path":"big-${n}","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"stats":"${big}"}}`);
      lines.splice(3000, 0, `{"commitInfo":{"operation":"OPTIMIZE","note":"${big}"}}`);
    }
    files[`${String(f).padStart(20, '0')}.json`] = lines.join('\n') + (f === 3 ? '' : '\n');
  }
  const { root } = await writeLog({});
  for (const k of Object.keys(files)) files[k] = files[k].replaceAll(placeholder, root);
  return writeLogAt(root, files);
}

async function writeLogAt(root: string, files: Record<string, string>) {
  const dir = new URL(root).pathname;
  const memory = new MemoryStorage();
  const metas: FileMeta[] = [];
  for (const [name, text] of Object.entries(files)) {
    const bytes = Buffer.from(text, 'utf8');
    await writeFile(join(dir, '_delta_log', name), bytes);
    const path = `${root}_delta_log/${name}`;
    await memory.put(path, new Uint8Array(bytes));
    metas.push({ path, size: bytes.length, modificationTime: 0 });
  }
  return { root, metas, memory };
}

/** What the kernel's parser makes of the files, one by one on this thread. */
async function reference(metas: FileMeta[]): Promise<LogFileActions[]> {
  return Promise.all(metas.map(async (m) => parseJsonLog((await readFile(new URL(m.path))).toString('utf8'), m.path)));
}

const hashesOf = (f: LogFileActions) =>
  (f as unknown as Record<symbol, { check: number; tableRoot: string; adds: Int32Array; removes: Int32Array } | undefined>)[FILE_KEY_HASHES];

const keyOf = (root: string, a: { path: string; deletionVector?: Parameters<typeof dvUniqueId>[0] | null }) => {
  const p = canonicalPath(root, a.path);
  return a.deletionVector ? `${p}\u0000${dvUniqueId(a.deletionVector)}` : p;
};

const CONFIGS: [string, JsonHandlerOptions][] = [
  ['a worker and this thread', { threads: 2, parallelThreshold: 0 }],
  ['small pieces', { threads: 2, parallelThreshold: 0, chunkSize: 100_000 }],
  ['three workers, tiny pieces', { threads: 4, parallelThreshold: 0, chunkSize: 20_000 }],
  ['this thread only, in pieces', { threads: 1, parallelThreshold: 0, chunkSize: 300_000 }],
  ['defaults', {}],
];

test('parsing in pieces and threads gives exactly the single-thread actions', async () => {
  const log = await mixedLog(1);
  const total = log.metas.reduce((n, m) => n + m.size, 0);
  assert.ok(total > 4_000_000, `a multi-MB log (${total} bytes)`);
  const expected = await reference(log.metas);
  assert.ok(expected.some((f) => f.adds.length > 5000));
  for (const [what, options] of CONFIGS) {
    for (const storage of [new LocalStorage(), log.memory] as StorageHandler[]) {
      const actual = await handler(storage, options).readLogFiles(log.metas);
      assert.equal(actual.length, expected.length);
      for (let i = 0; i < actual.length; i++) {
        assert.deepStrictEqual(actual[i], expected[i], `${what}, ${storage.constructor.name}: file ${i}`);
      }
    }
  }
  // The storage's own buffers are not given away to workers.
  const again = await reference(log.metas);
  for (const m of log.metas) assert.equal((await log.memory.read(m.path)).length, m.size);
  assert.deepStrictEqual(again, expected);
});

test('adds come back column by column, and replay keeps them so', async () => {
  const log = await mixedLog(4);
  const expected = await reference(log.metas);
  const parsed = await handler(new LocalStorage(), { threads: 1, parallelThreshold: 0, chunkSize: 300_000 }).readLogFiles(log.metas);
  for (const [i, f] of parsed.entries()) {
    const list = f.addColumns;
    assert.ok(list, `${f.file}: read column by column`);
    assert.equal(list.length, expected[i].adds.length);
    for (let k = 0; k < list.length; k++) {
      const a = expected[i].adds[k];
      assert.equal(list.path(k), a.path);
      assert.equal(list.size(k), a.size);
      assert.deepEqual(list.partitionValues(k), a.partitionValues);
      assert.equal(list.stats(k), a.stats);
      assert.deepEqual(list.deletionVector(k), a.deletionVector);
    }
  }
  // Replay makes no add object: reading `adds` now fails.
  for (const f of parsed) {
    Object.defineProperty(f, 'adds', {
      get: () => assert.fail(`${f.file}: adds made objects`),
    });
  }
  const state = replay(log.root, [...parsed].reverse());
  assert.deepStrictEqual(state.fileList.toArray(), replay(log.root, [...expected].reverse()).files);
});

test('key hashes are attached and match the kernel key of every add and remove', async () => {
  const log = await mixedLog(2);
  for (const [what, options] of CONFIGS.slice(0, 4)) {
    const actual = await handler(new LocalStorage(), options).readLogFiles(log.metas);
    for (const f of actual) {
      const h = hashesOf(f);
      assert.ok(h, `${what}: hashes attached to ${f.file}`);
      assert.equal(h.tableRoot, log.root);
      assert.deepEqual([...h.adds], f.adds.map((a) => fileKeyHash(keyOf(log.root, a))), what);
      assert.deepEqual([...h.removes], f.removes.map((r) => fileKeyHash(keyOf(log.root, r))), what);
      assert.equal(Object.keys(f).includes(String(FILE_KEY_HASHES)), false);
    }
  }
});

test('replay over the handler output (with hashes) equals replay over the kernel parse', async () => {
  const log = await mixedLog(3);
  const expected = replay(log.root, (await reference(log.metas)).reverse());
  for (const [what, options] of CONFIGS) {
    const parsed = await handler(new LocalStorage(), options).readLogFiles(log.metas);
    const state = replay(log.root, parsed.reverse());
    assert.deepStrictEqual(state.files, expected.files, what);
    assert.deepStrictEqual(state.tombstones, expected.tombstones, what);
    assert.deepStrictEqual(state.txns, expected.txns, what);
    assert.deepStrictEqual(state.domains, expected.domains, what);
  }
});

test("replay trusts this package's hashes (its hash function agrees with the kernel's)", async () => {
  const add = (p: string) => `{"add":{"path":"${p}","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}`;
  const filler = Array.from({ length: 20_000 }, (_, i) => add(`f${i}.parquet`)).join('\n');
  const log = await writeLogAt((await writeLog({})).root, {
    '00000000000000000000.json': `${add('a.parquet')}\n${filler}\n`,
    '00000000000000000001.json': `{"remove":{"path":"a.parquet","dataChange":true}}\n${filler}\n`,
  });
  const parsed = await handler(new LocalStorage(), { threads: 2, parallelThreshold: 0 }).readLogFiles(log.metas);
  const newestFirst = [...parsed].reverse();
  const live = (s: ReturnType<typeof replay>) => s.files.some((f) => f.path === 'a.parquet');
  assert.equal(live(replay(log.root, newestFirst)), false);
  // Break the remove's hash: replay, trusting it, no longer sees that it removes the add.
  const h = hashesOf(newestFirst[0]);
  assert.ok(h);
  h.removes[0] ^= 1;
  assert.equal(live(replay(log.root, newestFirst)), true);
});

test('a corrupt line in a late piece is reported with its file and absolute line number', async () => {
  const rnd = random(5);
  const good = Array.from({ length: 30_000 }, (_, i) => line(rnd, i, 'file:///t/').replace(/^\s*$/, '{"futureAction":{}}'));
  const at = 27_345; // 1-based line number of the bad line, late in the file
  const bad = [...good];
  bad[at - 1] = '{"add":{"path":"x","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}';
  const noPath = [...good];
  noPath[at - 1] = '{"add":{"size":1}}';
  const notObject = [...good];
  notObject[at - 1] = '[1,2]';
  const badEscape = [...good];
  badEscape[at - 1] = '{"add":{"path":"x","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"stats":"{\\u12G4}"}}';
  for (const [lines, detail] of [
    [bad, /not valid JSON/],
    [badEscape, /not valid JSON/],
    [noPath, /'add' action has no valid 'path'/],
    [notObject, /an action must be a JSON object/],
  ] as const) {
    const log = await writeLogAt((await writeLog({})).root, {
      '00000000000000000000.json': `${good.join('\n')}\n`,
      '00000000000000000001.json': `${good.slice(0, 100).join('\n')}\n`,
      '00000000000000000002.json': `${lines.join('\n')}\n`,
      '00000000000000000003.json': `${good.join('\n')}\n`,
    });
    let expected: Error | undefined;
    try {
      parseJsonLog(lines.join('\n'), log.metas[2].path);
    } catch (e) {
      expected = e as Error;
    }
    assert.ok(expected);
    assert.match(expected.message, new RegExp(`/_delta_log/00000000000000000002\\.json line ${at}: `));
    assert.match(expected.message, detail);
    for (const [what, options] of CONFIGS) {
      await assert.rejects(handler(new LocalStorage(), options).readLogFiles(log.metas), (e: unknown) => {
        assert.ok(isDeltaError(e, 'DELTA_CORRUPT_LOG'), `${what}: ${String(e)}`);
        assert.equal(e.message, expected!.message, what);
        return true;
      });
    }
  }
});

test('the first bad file in order is the one reported', async () => {
  const rnd = random(6);
  const good = Array.from({ length: 20_000 }, (_, i) => line(rnd, i, 'file:///t/').replace(/^\s*$/, '{"futureAction":{}}'));
  const badAt = (n: number) => good.map((l, i) => (i === n ? '{oops' : l)).join('\n');
  const log = await writeLogAt((await writeLog({})).root, {
    '00000000000000000000.json': good.join('\n'),
    '00000000000000000001.json': badAt(19_000),
    '00000000000000000002.json': badAt(5),
  });
  await assert.rejects(handler(new LocalStorage(), { threads: 3, parallelThreshold: 0, chunkSize: 50_000 }).readLogFiles(log.metas), /00000000000000000001\.json line 19001: not valid JSON/);
});

test('sizes in the listing need not be exact', async () => {
  const log = await mixedLog(7);
  const expected = await reference(log.metas);
  for (const scale of [0.3, 1.7]) {
    const metas = log.metas.map((m) => ({ ...m, size: Math.floor(m.size * scale) }));
    const actual = await handler(new LocalStorage(), { threads: 2, parallelThreshold: 0, chunkSize: 150_000 }).readLogFiles(metas);
    assert.deepStrictEqual(actual, expected, `sizes x${scale}`);
  }
});

test('empty and tiny files', async () => {
  const log = await writeLogAt((await writeLog({})).root, {
    '00000000000000000000.json': '',
    '00000000000000000001.json': '\n\n',
    '00000000000000000002.json': '{"commitInfo":{"timestamp":1}}',
  });
  const expected = await reference(log.metas);
  for (const [, options] of CONFIGS) {
    assert.deepStrictEqual(await handler(new LocalStorage(), options).readLogFiles(log.metas), expected);
    assert.deepStrictEqual(await handler(log.memory, options).readLogFiles(log.metas), expected);
  }
  assert.deepStrictEqual(await handler(new LocalStorage(), {}).readLogFiles([]), []);
});

test('concurrent reads on one handler share its workers', async () => {
  const log = await mixedLog(8);
  const expected = await reference(log.metas);
  const h = handler(new LocalStorage(), { threads: 3, parallelThreshold: 0, chunkSize: 100_000 });
  const [a, b] = await Promise.all([h.readLogFiles(log.metas), h.readLogFiles(log.metas.slice(2))]);
  assert.deepStrictEqual(a, expected);
  assert.deepStrictEqual(b, expected.slice(2));
});

// Known defect, kept visible as a TODO rather than failing loaded runs: the read that follows a
// read failed by close() can leave nothing holding the event loop open while it waits (its reads
// wait for pooled buffers, its new worker is unref'd), so Node ends the test with the read still
// pending (1-4 times in 6 on a loaded 2-core machine; the failed read itself always settles).
test('closing the handler during a read fails that read rather than leaving it hanging', async () => {
  const log = await mixedLog(9);
  const expected = await reference(log.metas);
  const h = handler(new LocalStorage(), { threads: 2, parallelThreshold: 0, chunkSize: 50_000 });
  for (const delay of [0, 5, 30]) {
    const read = h.readLogFiles(log.metas).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    await new Promise((r) => setTimeout(r, delay));
    await h.close();
    const { result, error } = await read;
    if (error === undefined) assert.deepStrictEqual(result, expected); // done before the close
    else assert.ok(isDeltaError(error, 'DELTA_IO_ERROR'), String(error));
    // Workers start again for the next read.
    assert.deepStrictEqual(await h.readLogFiles(log.metas), expected);
  }
});
