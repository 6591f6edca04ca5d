import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lakehouse } from '@loch/lakehouse/core';
import { Tracking, TrackingStore, loadModel, logModel, registerModel } from '../src/index.js';

async function withLake(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-client-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('embedded: runs, nested runs, withRun ending FAILED, artifacts, all readable with SQL', () =>
  withLake(async (dir) => {
    const lake = join(dir, 'lake');
    const tracking = new Tracking({ uri: lake });
    const parentId = await tracking.withRun({ experiment: 'training', runName: 'session' }, async (parent) => {
      await tracking.logParams({ devices: 2, model: 'linear' });
      for (const device of ['d1', 'd2']) {
        await tracking.withRun({ runName: device, tags: { device } }, async (child) => {
          for (let step = 0; step < 3; step++) await child.logMetric('rmse', 1 / (step + 1), { step });
        });
      }
      await tracking.logText('hello', 'notes/readme.txt');
      await tracking.logDict({ a: 1 }, 'config.json');
      return parent.id;
    });
    await assert.rejects(tracking.withRun({ experiment: 'training', runName: 'broken' }, async () => { throw new Error('boom'); }), /boom/);
    await tracking.close();

    const store = await TrackingStore.open(lake);
    try {
      const exp = ((await store.call('GET', 'experiments/get-by-name', { experiment_name: 'training' })) as any).experiment.experiment_id;
      const children = (await store.call('POST', 'runs/search', { experiment_ids: [exp], filter: `tags.mlflow.parentRunId = '${parentId}'` })) as any;
      assert.deepEqual(children.runs.map((r: any) => r.info.run_name).sort(), ['d1', 'd2']);
      assert.ok(children.runs.every((r: any) => r.info.status === 'FINISHED'));
      const failed = (await store.call('POST', 'runs/search', { experiment_ids: [exp], filter: "attributes.run_name = 'broken'" })) as any;
      assert.equal(failed.runs[0].info.status, 'FAILED');
      const parent = ((await store.call('GET', 'runs/get', { run_id: parentId })) as any).run;
      assert.equal(parent.info.status, 'FINISHED');
      assert.equal(parent.data.tags.find((t: any) => t.key === 'mlflow.parentRunId'), undefined);
      const files = ((await store.call('GET', 'artifacts/list', { run_id: parentId })) as any).files.map((f: any) => f.path);
      assert.deepEqual(files, ['config.json', 'notes']);
      const dirOf = join(lake, 'mlflow-artifacts', exp, parentId, 'artifacts');
      assert.equal(await readFile(join(dirOf, 'notes', 'readme.txt'), 'utf8'), 'hello');
    } finally {
      await store.close();
    }
    const [rows] = await Lakehouse.open(lake).sql(
      `SELECT t.value AS device, count(*) AS points FROM mlflow.metrics m JOIN mlflow.tags t ON t.run_uuid = m.run_uuid AND t.key = 'device' GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(rows.rows, [{ device: 'd1', points: 3 }, { device: 'd2', points: 3 }]);
  }));

test('a model logged, registered, aliased and loaded back by each URI form', () =>
  withLake(async (dir) => {
    const lake = join(dir, 'lake');
    const code = join(dir, 'linear.mjs');
    await writeFile(code, `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export function load(dir) { return JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8')); }
export function predict(rows, w) { return rows.map((r) => w.a * r.x + w.b); }
`);
    await writeFile(join(dir, 'weights.json'), JSON.stringify({ a: 2, b: 1 }));
    const tracking = new Tracking({ uri: lake });
    const info = await tracking.withRun({ runName: 'train' }, (run) =>
      logModel(run, 'model', {
        module: code,
        artifacts: { 'weights.json': join(dir, 'weights.json') },
        signature: { inputs: [{ name: 'x', type: 'double' }], outputs: [{ type: 'double' }] },
        inputExample: [{ x: 1 }],
        registeredModelName: 'linear',
      }),
    );
    assert.equal(info.registeredModelVersion?.version, '1');
    const v2 = await registerModel(tracking, info.modelUri, 'linear');
    assert.equal(v2.version, '2');
    await tracking.backend.call('registered-models/alias', { name: 'linear', alias: 'champion', version: '2' });
    await tracking.backend.call('model-versions/transition-stage', { name: 'linear', version: '1', stage: 'Staging' });
    for (const uri of [info.modelUri, 'models:/linear/1', 'models:/linear@champion', 'models:/linear/Staging', 'models:/linear/latest']) {
      const model = await loadModel(uri, { tracking });
      assert.deepEqual(await model.predict([{ x: 1 }, { x: 3 }]), [3, 7], uri);
      assert.equal(JSON.parse(model.metadata.signature!.inputs)[0].name, 'x');
    }
    const model = await loadModel(info.modelUri, { tracking });
    const example = JSON.parse(await readFile(join(model.dir, 'input_example.json'), 'utf8'));
    assert.deepEqual(example, { columns: ['x'], data: [[1]] });
    await assert.rejects(loadModel('models:/linear@nobody', { tracking }), /alias nobody not found/);
    await assert.rejects(loadModel('models:/missing/1', { tracking }), /Registered Model with name=missing not found/);
    await tracking.close();
  }));
