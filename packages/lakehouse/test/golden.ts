import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory up from here whose package.json has workspaces. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).workspaces) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

export const goldenDir = resolve(repoRoot(), '../shared/conformance/delta-golden');

export interface GoldenCase {
  readonly name: string;
  readonly expect: 'match' | 'match-with-note' | 'open' | 'error';
  readonly note?: string;
  readonly table: string;
  readonly expected: string;
}

export function goldenCases(): GoldenCase[] {
  const manifest = JSON.parse(readFileSync(join(goldenDir, 'manifest.json'), 'utf8')) as {
    cases: Record<string, { expect: GoldenCase['expect']; note?: string }>;
  };
  return Object.entries(manifest.cases).map(([name, c]) => ({
    name,
    expect: c.expect,
    note: c.note,
    table: join(goldenDir, name, 'delta'),
    expected: join(goldenDir, name, 'expected'),
  }));
}
