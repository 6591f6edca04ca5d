/**
 * Layer rules: the streaming package sits above the lakehouse and below the server, console and
 * CLI; it imports none of them, and nothing below it imports it (the lakehouse reaches streaming
 * only through its extension point, extendLakehouse).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Package names a file imports (`@loch/x`), comments left out. */
function lochImports(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:from\s*|import\s*\(?\s*)['"](@loch\/[a-z-]+)/g)) out.add(m[1]);
  return [...out];
}

function offences(pkg: string, forbidden: readonly string[]): string[] {
  const src = path.join(packages, pkg, 'src');
  const files = tsFiles(src);
  assert.ok(files.length > 0, `no sources under ${src}`);
  return files.flatMap((f) => lochImports(f).filter((i) => forbidden.includes(i)).map((i) => `${path.relative(packages, f)}: ${i}`));
}

test('streaming imports only the layers below it (never server, console, cli, tracking)', () => {
  assert.deepEqual(offences('streaming', ['@loch/server', '@loch/console', '@loch/cli', '@loch/tracking']), []);
});

test('no lower layer imports streaming (delta, engine-node, lakehouse)', () => {
  for (const pkg of ['delta', 'engine-node', 'lakehouse']) assert.deepEqual(offences(pkg, ['@loch/streaming']), [], pkg);
});

test('the import scanner sees the forms streaming code uses (self-check)', () => {
  const file = path.join(packages, 'streaming', 'src', 'index.ts');
  assert.ok(lochImports(file).includes('@loch/lakehouse'));
});
