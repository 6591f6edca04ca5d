import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withConnection, sqlString } from '@loch/engine-node';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../../../..');
export const golden = resolve(repo, '../shared/conformance/delta-golden');
const bin = join(repo, 'packages/cli/bin/loch.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `loch` binary. */
export function loch(...args: string[]): Promise<Run> {
  return lochIn(undefined, ...args);
}

/** Runs the real `loch` binary in `cwd` (where the default lake, ./lake, lives). */
export function lochIn(cwd: string | undefined, ...args: string[]): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { ...(cwd !== undefined ? { cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

export const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

export async function tempDir(prefix = 'loch-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A copy of a golden table, safe to damage. */
export async function copyGolden(name: string): Promise<string> {
  const dir = join(await tempDir(), name);
  await cp(join(golden, name, 'delta'), dir, { recursive: true });
  return dir;
}

/**
 * A one-file Delta table whose data is what `select` returns (DuckDB SQL), with the given Delta
 * schema: enough to check value encodings end to end.
 */
export async function tableFromSql(schema: object, select: string): Promise<string> {
  const dir = await tempDir('loch-table-');
  const file = join(dir, 'part-00000.parquet');
  await withConnection((c) => c.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`));
  const size = (await stat(file)).size;
  await mkdir(join(dir, '_delta_log'));
  const lines = [
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    { metaData: { id: 'test', format: { provider: 'parquet', options: {} }, schemaString: JSON.stringify(schema), partitionColumns: [], configuration: {} } },
    { add: { path: 'part-00000.parquet', partitionValues: {}, size, modificationTime: Date.now(), dataChange: true } },
  ];
  await writeFile(join(dir, '_delta_log', '00000000000000000000.json'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
}
