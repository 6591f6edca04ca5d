import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeModelDir } from '@loch/tracking';
import { loch, repo, tempDir } from './support.js';

const bin = join(repo, 'packages/cli/bin/loch.js');

/** Starts `loch <args>` and resolves once it printed `listening on <url>`. */
async function listening(args: string[]): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`loch ${args.join(' ')} exited (${code}): ${stderr}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test('loch server prints its address, serves the MLflow API over the lake and stops on SIGTERM', async () => {
  const dir = await tempDir();
  try {
    const s = await listening(['server', '--lake', join(dir, 'lake'), '--port', '0']);
    const r = await fetch(`${s.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"cli"}' });
    assert.deepEqual(await r.json(), { experiment_id: '1' });
    const page = await fetch(`${s.url}/`);
    assert.match(await page.text(), /<title>Loch console<\/title>/);
    const stmt = await fetch(`${s.url}/api/2.0/sql/statements`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"statement":"SELECT 1 AS one"}' });
    assert.deepEqual(((await stmt.json()) as any).result.data_array, [['1']]);
    assert.equal(await s.stop(), 0);
    const out = await loch('sql', "SELECT name FROM mlflow.experiments ORDER BY experiment_id", '--lake', join(dir, 'lake'));
    assert.equal(out.stdout, '{"name":"Default"}\n{"name":"cli"}\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loch models serve scores a model directory over /invocations', async () => {
  const dir = await tempDir();
  try {
    const module = join(dir, 'double.mjs');
    await writeFile(module, 'export function predict(rows) { return rows.map((r) => 2 * r.x); }\n');
    await writeModelDir(join(dir, 'model'), { module, signature: { inputs: [{ name: 'x', type: 'long' }] } });
    const s = await listening(['models', 'serve', '-m', join(dir, 'model'), '--port', '0', '--lake', join(dir, 'lake')]);
    const r = await fetch(`${s.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"dataframe_records":[{"x":2},{"x":5}]}' });
    assert.deepEqual(await r.json(), { predictions: [4, 10] });
    assert.equal(await s.stop(), 0);
    const missing = await loch('models', 'serve', '-m', 'models:/nothing/1', '--lake', join(dir, 'lake'), '--port', '0');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /^RESOURCE_DOES_NOT_EXIST: Registered Model with name=nothing not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
