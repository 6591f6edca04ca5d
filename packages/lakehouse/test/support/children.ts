/**
 * Writer child processes for the concurrency and crash tests (test/fixtures/writer.mjs), and the
 * checks run on a table after them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot, type Snapshot } from '@loch/delta';
import { localUrl, nodeEngine } from '@loch/engine-node';

/** The fixture lives in the source tree (tsc does not copy .mjs files to dist). */
export const WRITER_FIXTURE = fileURLToPath(new URL('../../../test/fixtures/writer.mjs', import.meta.url));

/** Rows in batch `batch` (as the fixture writes them). */
export const batchRows = (batch: number) => 1 + (batch % 17);

export interface Child {
  readonly proc: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first line starting with `prefix` (rejects if the child exits first). */
  waitFor(prefix: string): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWriter(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [WRITER_FIXTURE, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  const waiters: { prefix: string; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (line.startsWith(w.prefix)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`writer exited (${code ?? signal}) before '${w.prefix}'; stdout: ${lines.join(' | ')}; stderr: ${err}`));
      resolve({ code, signal });
    });
  });
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    waitFor(prefix: string) {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen) return Promise.resolve(seen);
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.reject(new Error(`writer already exited; stdout: ${lines.join(' | ')}; stderr: ${err}`));
      return new Promise((resolve, reject) => waiters.push({ prefix, resolve, reject }));
    },
  };
}

/** `committed <batch> <version>` lines of a child. */
export function committedBatches(child: Child): { batch: number; version: number }[] {
  return child.lines
    .filter((l) => l.startsWith('committed '))
    .map((l) => {
      const [, b, v] = l.split(' ');
      return { batch: Number(b), version: Number(v) };
    });
}

/** A scratch TMPDIR for children (killed writers leave their temporary files there). */
export async function scratchTmp(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-child-tmp-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A snapshot read from the JSON commits alone: the commit files are copied to a scratch table
 * with no checkpoint and no _last_checkpoint.
 */
export async function jsonOnlySnapshot(tableDir: string): Promise<Snapshot> {
  const scratch = await mkdtemp(join(tmpdir(), 'loch-json-only-'));
  try {
    await mkdir(join(scratch, '_delta_log'));
    for (const name of await readdir(join(tableDir, '_delta_log'))) {
      if (/^\d{20}\.json$/.test(name)) await copyFile(join(tableDir, '_delta_log', name), join(scratch, '_delta_log', name));
    }
    return await loadSnapshot(nodeEngine(), localUrl(scratch, true));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Drops null and undefined object fields, recursively: an absent optional field equals a null one. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = clean(x);
    return out;
  }
  return v;
}

/** The parts of a snapshot that replay must agree on, comparable with deepEqual. */
export function snapshotState(s: Snapshot) {
  return {
    version: s.version,
    protocol: clean(s.protocol),
    metadata: clean(s.metadata),
    files: s.files
      .map((a) => ({ path: a.path, partitionValues: a.partitionValues, size: a.size, modificationTime: a.modificationTime, stats: a.stats ?? null }))
      .sort((x, y) => (x.path < y.path ? -1 : 1)),
    txns: [...s.txns.values()].map((x) => ({ appId: x.appId, version: x.version })).sort((x, y) => (x.appId < y.appId ? -1 : 1)),
  };
}

export function assertSameState(a: Snapshot, b: Snapshot, what: string): void {
  const sa = snapshotState(a);
  const sb = snapshotState(b);
  assert.equal(sa.version, sb.version, `${what}: version`);
  assert.deepEqual(sa.protocol, sb.protocol, `${what}: protocol`);
  assert.deepEqual(sa.metadata, sb.metadata, `${what}: metadata`);
  assert.deepEqual(sa.txns, sb.txns, `${what}: txns`);
  assert.deepEqual(sa.files, sb.files, `${what}: files`);
}
