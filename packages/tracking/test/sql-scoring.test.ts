/** Models scored in SQL: lake.udf.registerModel, MLflow's spark_udf. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lakehouse } from '@loch/lakehouse';
import { Tracking, logModel, type ModelSignature } from '../src/index.js';

async function withLake(fn: (dir: string, lake: Lakehouse, tracking: Tracking) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-sql-scoring-'));
  const tracking = new Tracking({ uri: join(dir, 'lake') });
  try {
    await fn(dir, Lakehouse.open(join(dir, 'lake')), tracking);
  } finally {
    await tracking.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Logs a model whose module is `code` and registers it as `name`, version 1 aliased champion. */
async function logged(dir: string, tracking: Tracking, name: string, code: string, signature?: ModelSignature): Promise<void> {
  const module = join(dir, `${name}.mjs`);
  await writeFile(module, code);
  await writeFile(join(dir, 'weights.json'), JSON.stringify({ a: 2, b: 1 }));
  await tracking.withRun({ runName: name }, (run) =>
    logModel(run, 'model', { module, artifacts: { 'weights.json': join(dir, 'weights.json') }, ...(signature ? { signature } : {}), registeredModelName: name }),
  );
  await tracking.backend.call('registered-models/alias', { name, alias: 'champion', version: '1' });
}

const LINEAR = `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export function load(dir) { return JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8')); }
export async function predict(rows, w) { await new Promise((r) => setTimeout(r, 1)); return rows.map((r) => w.a * r.x + w.b * r.n); }
`;

test('a registered model scores rows in SQL by alias, with its signature as the arguments, batch by batch', () =>
  withLake(async (dir, lake, tracking) => {
    await logged(dir, tracking, 'linear', LINEAR, {
      inputs: [{ name: 'x', type: 'double' }, { name: 'n', type: 'long' }],
      outputs: [{ type: 'double' }],
    });
    await lake.sql('CREATE TABLE points AS SELECT id * 0.5 AS x, id AS n FROM range(5000) AS t(id)');
    const score = await lake.udf.registerModel('score', 'models:/linear@champion');
    const [r] = await lake.sql('SELECT count(*) AS n, sum(score(x, n)) AS total, max(score(x, n)) AS top FROM points');
    // 2 * 0.5 * id + id = 2 * id, summed over 0..4999.
    assert.deepEqual(r.rows, [{ n: 5000, total: 2 * (4999 * 5000) / 2, top: 2 * 4999 }]);
    const rows = await lake.read('points').filter('n < 2').select('n', `${score('x', 'n')} AS y`).orderBy('n').toRows();
    assert.deepEqual(rows, [{ n: 0, y: 0 }, { n: 1, y: 2 }]);
  }));

test('a model without a signature, a missing model and a failing predict give coded errors naming the model or UDF', () =>
  withLake(async (dir, lake, tracking) => {
    await logged(dir, tracking, 'bare', LINEAR);
    await assert.rejects(lake.udf.registerModel('s', 'models:/bare/1'), (e: Error & { code?: string }) => e.code === 'LOCH_UDF_INVALID' && /models:\/bare\/1 has no input signature/.test(e.message));
    await assert.rejects(lake.udf.registerModel('s', 'models:/nothing/1'), /Registered Model with name=nothing not found/);
    await logged(dir, tracking, 'broken', `export function predict(rows) { if (rows.some((r) => r.x > 2)) throw new Error('x out of range'); return rows.map(() => 0); }`, {
      inputs: [{ name: 'x', type: 'double' }],
    });
    await lake.udf.registerModel('risky', 'models:/broken@champion');
    const [ok] = await lake.sql('SELECT risky(1.0) AS y');
    assert.deepEqual(ok.rows, [{ y: 0 }]);
    await assert.rejects(lake.sql('SELECT risky(3.0) AS y'), (e: Error & { code?: string }) => e.code === 'LOCH_UDF_FAILED' && /risky/.test(e.message) && /x out of range/.test(e.message));
  }));
