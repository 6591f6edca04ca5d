import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, logModel, Tracking } from '@loch/tracking';
import { createScoringServer } from '../src/index.js';
import { startServer } from './helpers.js';

test('a model logged over HTTP, registered, aliased, loaded by each URI form and served over /invocations', async () => {
  const s = await startServer();
  try {
    const code = join(s.dir, 'score.mjs');
    await writeFile(code, `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export function load(dir) { return JSON.parse(readFileSync(join(dir, 'coef.json'), 'utf8')); }
export function predict(rows, c) { return rows.map((r) => c.w * r.temp + (r.offset ?? 0)); }
`);
    await writeFile(join(s.dir, 'coef.json'), JSON.stringify({ w: 10 }));
    const tracking = new Tracking({ uri: s.url });
    const info = await tracking.withRun({ experiment: 'iot', runName: 'fleet' }, (run) =>
      logModel(run, 'model', {
        module: code,
        artifacts: { 'coef.json': join(s.dir, 'coef.json') },
        signature: { inputs: [{ name: 'temp', type: 'double' }, { name: 'offset', type: 'double', optional: true }] },
        registeredModelName: 'iot',
      }),
    );
    await tracking.backend.call('registered-models/alias', { name: 'iot', alias: 'champion', version: '1' });
    for (const uri of [info.modelUri, 'models:/iot/1', 'models:/iot@champion']) {
      const m = await loadModel(uri, { tracking, cacheDir: join(s.dir, 'cache', encodeURIComponent(uri)) });
      assert.deepEqual(await m.predict([{ temp: 2 }]), [20], uri);
    }

    const model = await loadModel('models:/iot@champion', { tracking, cacheDir: join(s.dir, 'cache', 'serve') });
    const scoring = createScoringServer({ model, port: 0 });
    const url = await scoring.start();
    try {
      const invoke = async (body: unknown, type = 'application/json') => {
        const r = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
        return { status: r.status, json: (await r.json()) as any };
      };
      assert.deepEqual((await invoke({ dataframe_split: { columns: ['temp', 'offset'], data: [[1, 0.5], [2, 0]] } })).json, { predictions: [10.5, 20] });
      assert.deepEqual((await invoke({ dataframe_records: [{ temp: 3 }] })).json, { predictions: [30] });
      assert.deepEqual((await invoke({ instances: [{ temp: 4 }] })).json, { predictions: [40] });
      assert.deepEqual((await invoke({ inputs: { temp: [5, 6] } })).json, { predictions: [50, 60] });
      const errors: [unknown, RegExp][] = [
        [{ rows: [] }, /none of the keys dataframe_split, dataframe_records, instances, inputs/],
        [{ instances: [], inputs: [] }, /exactly one of/],
        [{ dataframe_split: { columns: ['temp'], data: [[1, 2]] } }, /data\[0\]' has 2 values for 1 columns/],
        [{ dataframe_records: [{ offset: 1 }] }, /missing input column 'temp'/],
        [{ dataframe_records: [{ temp: 'hot' }] }, /column 'temp' must be a number/],
        [{ inputs: { temp: [1, 2], offset: [1] } }, /'inputs.offset' has 1 values/],
        ['{"instances": [', /not valid JSON/],
      ];
      for (const [body, message] of errors) {
        const r = await invoke(body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.json.error_code, 'BAD_REQUEST');
        assert.match(r.json.message, message);
      }
      const csv = await invoke('temp\n1', 'text/csv');
      assert.equal(csv.status, 400);
      assert.match(csv.json.message, /application\/json/);
      assert.equal((await fetch(`${url}/ping`)).status, 200);
      assert.equal((await fetch(`${url}/health`)).status, 200);
      assert.match(await (await fetch(`${url}/version`)).text(), /\d+\.\d+\.\d+/);
    } finally {
      await scoring.stop();
    }
  } finally {
    await s.close();
  }
});
