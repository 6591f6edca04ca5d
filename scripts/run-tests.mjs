#!/usr/bin/env node
// Runs every compiled *.test.js under packages/*/dist/test and solutions/*/dist/test with Node's test runner. Test helpers
// live beside the tests, so the runner is given the test files, not the directories.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
for (const root of ['packages', 'solutions']) {
  if (!existsSync(root)) continue;
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'dist', 'test');
    if (existsSync(dir)) walk(dir);
  }
}
files.sort();
// A test that hangs fails after five minutes instead of holding up the whole run.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
