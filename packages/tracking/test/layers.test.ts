import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function imports(dir: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...imports(p));
    else if (name.endsWith('.ts')) {
      for (const m of readFileSync(p, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) out.push({ file: p, spec: m[1] });
    }
  }
  return out;
}

test('tracking sits below the server and the CLI: it imports neither', () => {
  const bad = imports(join(packages, 'tracking', 'src')).filter((i) => /^@loch\/(server|cli|console)/.test(i.spec));
  assert.deepEqual(bad, []);
});

test('the server imports no CLI code', () => {
  const bad = imports(join(packages, 'server', 'src')).filter((i) => /^@loch\/cli/.test(i.spec));
  assert.deepEqual(bad, []);
});
