/**
 * Helpers for write tests on real directories: temporary tables, the log's versions and commit
 * actions, and listings of what a table directory holds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeltaError, type DeltaErrorCode } from '@loch/delta';

/** A fresh temporary directory; removed by `cleanup` (register it with t.after). */
export async function tempDir(prefix = 'loch-write-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file and directory under `dir`, relative, sorted (hidden temp files included). */
export async function listTree(dir: string): Promise<string[]> {
  const out = (await readdir(dir, { recursive: true })) as string[];
  return out.sort();
}

/** Data files (*.parquet outside _delta_log) under a table directory, relative paths. */
export async function parquetFilesOnDisk(dir: string): Promise<string[]> {
  return (await listTree(dir)).filter((p) => p.endsWith('.parquet') && !p.startsWith('_delta_log'));
}

/** Commit versions present in _delta_log, ascending. */
export async function commitVersions(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, '_delta_log'));
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d{20}\.json$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

export function assertContiguous(versions: readonly number[], from = 0): void {
  assert.ok(versions.length > 0, 'no commits');
  assert.equal(versions[0], from, `versions start at ${versions[0]}, not ${from}`);
  versions.forEach((v, i) => assert.equal(v, from + i, `gap in versions: ${versions.join(',')}`));
}

export type Action = Record<string, Record<string, unknown>>;

/** The actions of commit `version`, parsed, in file order. */
export async function commitActions(dir: string, version: number): Promise<Action[]> {
  const text = await readFile(join(dir, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Action);
}

export async function commitInfoOf(dir: string, version: number): Promise<Record<string, unknown>> {
  const ci = (await commitActions(dir, version)).find((a) => a.commitInfo)?.commitInfo;
  assert.ok(ci, `commit ${version} has no commitInfo`);
  return ci;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Local path of a table-relative (URI-escaped) add path. */
export function dataFilePath(tableUrl: string, addPath: string): string {
  return fileURLToPath(new URL(addPath, tableUrl));
}

/** Asserts that `p` rejects with a DeltaError of `code` whose message matches every pattern. */
export async function rejectsWith(p: Promise<unknown>, code: DeltaErrorCode, ...patterns: RegExp[]): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but the call succeeded`);
  assert.ok(isDeltaError(caught), `expected a DeltaError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** Rows sorted by their JSON text, for order-free comparison. */
export function sortRows<T>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
