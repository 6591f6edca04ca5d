/// <reference types="node" />
/**
 * The kernel is pure: it does no I/O of its own and depends on nothing. Every import in
 * packages/delta/src must be relative; no Node built-ins, DuckDB, or other Loch packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/delta, found from this file (compiled to packages/delta/dist/test/). */
function packageDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === '@loch/delta') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('packages/delta not found above the test file');
    dir = parent;
  }
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers in TypeScript source: import/export ... from, side-effect imports, import(), require(). */
export function specifiers(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\/\/\/\s*<reference\s+(?:types|path)\s*=\s*['"]([^'"]+)['"]/g,
  ];
  for (const re of patterns.slice(0, 4)) for (const m of text.matchAll(re)) out.push(m[1]);
  for (const m of source.matchAll(patterns[4])) out.push(m[1]);
  return [...new Set(out)];
}

const FORBIDDEN = /^(node:|fs$|fs\/|path$|os$|url$|child_process$|worker_threads$|crypto$|stream$|buffer$|zlib$|@duckdb\/|@loch\/|node$)/;

test('the specifier scanner finds every import form (self-check)', () => {
  const src = [
    "import { a } from 'node:fs';",
    "import type { B } from '@loch/engine-node';",
    "export * from './x.js';",
    "export { y } from '../y.js';",
    "import 'fs';",
    "const m = await import('@duckdb/node-api');",
    "const r = require('path');",
    '/// <reference types="node" />',
    'import {\n  c,\n  d,\n} from "os";',
  ].join('\n');
  assert.deepEqual(specifiers(src).sort(), ['../y.js', './x.js', '@duckdb/node-api', '@loch/engine-node', 'fs', 'node', 'node:fs', 'os', 'path'].sort());
});

test('no file in packages/delta/src imports node:, fs, @duckdb or @loch (the kernel stays pure)', () => {
  const src = path.join(packageDir(), 'src');
  const files = tsFiles(src);
  assert.ok(files.length >= 20, `expected the kernel's sources under ${src}, found ${files.length} files`);
  const offences: string[] = [];
  for (const f of files) {
    for (const s of specifiers(readFileSync(f, 'utf8'))) {
      const relative = s.startsWith('./') || s.startsWith('../');
      if (!relative || FORBIDDEN.test(s)) offences.push(`${path.relative(src, f)}: '${s}'`);
    }
  }
  assert.deepEqual(offences, [], `impure imports in the kernel:\n${offences.join('\n')}`);
});

test('the kernel does not reach for Node globals either', () => {
  const src = path.join(packageDir(), 'src');
  const offences: string[] = [];
  for (const f of tsFiles(src)) {
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const g of ['process.', 'Buffer.', '__dirname', '__filename', 'require(']) {
      if (code.includes(g)) offences.push(`${path.relative(src, f)}: ${g}`);
    }
  }
  assert.deepEqual(offences, []);
});

/** The import cycles among `files` (each a list of files, relative to `src`), type-only imports included. */
function importCycles(src: string, files: readonly string[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps = specifiers(readFileSync(f, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => path.resolve(path.dirname(f), s.replace(/\.js$/, '.ts')));
    graph.set(f, deps.filter((d) => files.includes(d)));
  }
  // Tarjan's strongly connected components: every component of more than one file is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      component.push(path.relative(src, w));
      if (w === v) break;
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}

test('the kernel has no import cycles (types included): engine/ below actions/, actions/ below dv/', () => {
  const src = path.join(packageDir(), 'src');
  assert.deepEqual(importCycles(src, tsFiles(src)), []);
});

test('the cycle finder finds a cycle (self-check)', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(path.join(tmpdir(), 'loch-cycles-'));
  try {
    await writeFile(path.join(dir, 'a.ts'), "import type { B } from './b.js';\n");
    await writeFile(path.join(dir, 'b.ts'), "import { c } from './c.js';\n");
    await writeFile(path.join(dir, 'c.ts'), "export type { A } from './a.js';\n");
    await writeFile(path.join(dir, 'd.ts'), "import { a } from './a.js';\n");
    assert.deepEqual(importCycles(dir, tsFiles(dir)), [['a.ts', 'b.ts', 'c.ts']]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
