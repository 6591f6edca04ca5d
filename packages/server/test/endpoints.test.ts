import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Running } from './helpers.js';

let s: Running;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s.close();
});

async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const r = await s.call(method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.json)}`);
  return r.json;
}

async function err(method: string, path: string, body: unknown, status: number, code: string, message?: RegExp): Promise<void> {
  const r = await s.call(method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.json)}`);
  assert.equal(r.json.error_code, code);
  if (message) assert.match(r.json.message, message);
}

test('experiments: create, get, get-by-name, search, update, tags, delete, restore', async () => {
  const { experiment_id: id } = await ok('POST', 'experiments/create', { name: 'exp-a', tags: [{ key: 'team', value: 'ml' }] });
  await err('POST', 'experiments/create', { name: 'exp-a' }, 400, 'RESOURCE_ALREADY_EXISTS');
  await err('POST', 'experiments/create', {}, 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
  const { experiment } = await ok('GET', 'experiments/get', { experiment_id: id });
  assert.deepEqual(experiment.tags, [{ key: 'team', value: 'ml' }]);
  assert.equal(experiment.artifact_location, `mlflow-artifacts:/${id}`);
  assert.equal(experiment.lifecycle_stage, 'active');
  assert.equal((await ok('GET', 'experiments/get-by-name', { experiment_name: 'exp-a' })).experiment.experiment_id, id);
  await err('GET', 'experiments/get-by-name', { experiment_name: 'nope' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('POST', 'experiments/create', { name: 'exp-b' });
  const found = await ok('POST', 'experiments/search', { filter: "name LIKE 'exp-%' and tags.team = 'ml'" });
  assert.deepEqual(found.experiments.map((e: any) => e.name), ['exp-a']);
  const paged = await ok('GET', 'experiments/search', { max_results: 1, order_by: 'name ASC' });
  assert.equal(paged.experiments[0].name, 'Default');
  const next = await ok('GET', 'experiments/search', { max_results: 1, order_by: 'name ASC', page_token: paged.next_page_token });
  assert.equal(next.experiments[0].name, 'exp-a');
  await ok('POST', 'experiments/update', { experiment_id: id, new_name: 'exp-renamed' });
  assert.equal((await ok('GET', 'experiments/get', { experiment_id: id })).experiment.name, 'exp-renamed');
  await ok('POST', 'experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'dev' });
  await ok('POST', 'experiments/delete-experiment-tag', { experiment_id: id, key: 'team' });
  assert.deepEqual((await ok('GET', 'experiments/get', { experiment_id: id })).experiment.tags, [{ key: 'stage', value: 'dev' }]);
  await err('POST', 'experiments/delete-experiment-tag', { experiment_id: id, key: 'team' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('POST', 'experiments/delete', { experiment_id: id });
  assert.equal((await ok('GET', 'experiments/get', { experiment_id: id })).experiment.lifecycle_stage, 'deleted');
  const deleted = await ok('POST', 'experiments/search', { view_type: 'DELETED_ONLY' });
  assert.deepEqual(deleted.experiments.map((e: any) => e.experiment_id), [id]);
  await err('POST', 'runs/create', { experiment_id: id }, 400, 'INVALID_PARAMETER_VALUE', /must be in the 'active' state/);
  await ok('POST', 'experiments/restore', { experiment_id: id });
  assert.equal((await ok('GET', 'experiments/get', { experiment_id: id })).experiment.lifecycle_stage, 'active');
  await err('POST', 'experiments/delete', { experiment_id: '0' }, 400, 'INVALID_PARAMETER_VALUE');
});

test('runs: create, get, log, update, search, history, delete, restore', async () => {
  const { experiment_id: exp } = await ok('POST', 'experiments/create', { name: 'runs-exp' });
  const { run } = await ok('POST', 'runs/create', { experiment_id: exp, run_name: 'first', start_time: 1000, tags: [{ key: 'k', value: 'v' }] });
  const id = run.info.run_id;
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(run.info.run_uuid, id);
  assert.equal(run.info.status, 'RUNNING');
  assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${exp}/${id}/artifacts`);
  assert.deepEqual(run.data.tags.map((t: any) => t.key).sort(), ['k', 'mlflow.runName']);
  await ok('POST', 'runs/log-metric', { run_id: id, key: 'loss', value: 0.9, timestamp: 10, step: 0 });
  await ok('POST', 'runs/log-metric', { run_uuid: id, key: 'loss', value: 0.4, timestamp: 20, step: 1 });
  await ok('POST', 'runs/log-metric', { run_id: id, key: 'odd', value: 'NaN', timestamp: 20 });
  await err('POST', 'runs/log-metric', { run_id: id, key: 'loss', value: 'high', timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /'value'/);
  await err('POST', 'runs/log-metric', { run_id: id, key: 'loss', value: 1 }, 400, 'INVALID_PARAMETER_VALUE', /'timestamp'/);
  await err('POST', 'runs/log-metric', { run_id: 'missing', key: 'loss', value: 1, timestamp: 1 }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' });
  await ok('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' });
  await err('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' }, 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/);
  await ok('POST', 'runs/set-tag', { run_id: id, key: 'k', value: 'w' });
  await ok('POST', 'runs/set-tag', { run_id: id, key: 'gone', value: 'x' });
  await ok('POST', 'runs/delete-tag', { run_id: id, key: 'gone' });
  await err('POST', 'runs/delete-tag', { run_id: id, key: 'gone' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('POST', 'runs/log-batch', {
    run_id: id,
    metrics: [{ key: 'acc', value: 0.7, timestamp: 30, step: 2 }, { key: 'acc', value: 0.8, timestamp: 40, step: 3 }],
    params: [{ key: 'depth', value: '4' }],
    tags: [{ key: 'batch', value: 'yes' }],
  });
  await err('POST', 'runs/log-batch', { run_id: id, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'x' })) }, 400, 'INVALID_PARAMETER_VALUE', /at most 100 params/);
  await err('POST', 'runs/log-batch', { run_id: id, metrics: Array.from({ length: 1001 }, () => ({ key: 'm', value: 1, timestamp: 1 })) }, 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics/);
  await err('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'fresh', value: 'a' }, { key: 'lr', value: '9' }] }, 400, 'INVALID_PARAMETER_VALUE');
  await ok('POST', 'runs/log-inputs', {
    run_id: id,
    datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: '/data/iris.csv' } }],
  });
  const got = (await ok('GET', 'runs/get', { run_id: id })).run;
  const metrics = Object.fromEntries(got.data.metrics.map((m: any) => [m.key, m]));
  assert.deepEqual(metrics.loss, { key: 'loss', value: 0.4, timestamp: 20, step: 1 });
  assert.equal(metrics.acc.value, 0.8);
  assert.equal(metrics.odd.value, 'NaN');
  assert.deepEqual(got.data.params.map((p: any) => `${p.key}=${p.value}`).sort(), ['depth=4', 'lr=0.1'], 'a rejected batch writes nothing');
  assert.equal(got.data.tags.find((t: any) => t.key === 'k').value, 'w');
  assert.equal(got.inputs.dataset_inputs[0].dataset.name, 'iris');
  assert.deepEqual(got.inputs.dataset_inputs[0].tags, [{ key: 'mlflow.data.context', value: 'training' }]);
  const history = await ok('GET', 'metrics/get-history', { run_id: id, metric_key: 'loss' });
  assert.deepEqual(history.metrics.map((m: any) => [m.value, m.step]), [[0.9, 0], [0.4, 1]]);
  const page1 = await ok('GET', 'metrics/get-history', { run_id: id, metric_key: 'loss', max_results: 1 });
  assert.equal(page1.metrics.length, 1);
  const page2 = await ok('GET', 'metrics/get-history', { run_id: id, metric_key: 'loss', max_results: 1, page_token: page1.next_page_token });
  assert.deepEqual(page2.metrics.map((m: any) => m.value), [0.4]);
  assert.equal(page2.next_page_token, undefined);
  const updated = await ok('POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
  assert.equal(updated.run_info.status, 'FINISHED');
  assert.equal(updated.run_info.end_time, 5000);
  assert.equal(updated.run_info.run_name, 'renamed');
  await err('POST', 'runs/update', { run_id: id, status: 'DONE' }, 400, 'INVALID_PARAMETER_VALUE', /status/);
  const { run: second } = await ok('POST', 'runs/create', { experiment_id: exp, start_time: 2000 });
  await ok('POST', 'runs/log-metric', { run_id: second.info.run_id, key: 'loss', value: 0.2, timestamp: 1 });
  const search = async (body: object) => (await ok('POST', 'runs/search', { experiment_ids: [exp], ...body })).runs?.map((r: any) => r.info.run_id) ?? [];
  assert.deepEqual(await search({}), [second.info.run_id, id], 'newest start time first');
  assert.deepEqual(await search({ filter: 'metrics.loss < 0.3' }), [second.info.run_id]);
  assert.deepEqual(await search({ filter: "params.lr = '0.1' and attributes.status = 'FINISHED'" }), [id]);
  assert.deepEqual(await search({ filter: "dataset.context = 'training'" }), [id]);
  assert.deepEqual(await search({ order_by: ['metrics.loss DESC'] }), [id, second.info.run_id]);
  assert.deepEqual(await search({ filter: "tags.`mlflow.runName` = 'renamed'" }), [id]);
  const paged = await ok('POST', 'runs/search', { experiment_ids: [exp], max_results: 1 });
  assert.ok(paged.next_page_token);
  await err('POST', 'runs/search', { experiment_ids: [exp], filter: 'metrics.loss < high' }, 400, 'INVALID_PARAMETER_VALUE');
  await ok('POST', 'runs/delete', { run_id: id });
  assert.equal((await ok('GET', 'runs/get', { run_id: id })).run.info.lifecycle_stage, 'deleted');
  assert.deepEqual(await search({}), [second.info.run_id]);
  assert.deepEqual(await search({ run_view_type: 'DELETED_ONLY' }), [id]);
  await err('POST', 'runs/log-metric', { run_id: id, key: 'x', value: 1, timestamp: 1 }, 400, 'INVALID_PARAMETER_VALUE', /'active' state/);
  await ok('POST', 'runs/restore', { run_id: id });
  assert.equal((await ok('GET', 'runs/get', { run_id: id })).run.info.lifecycle_stage, 'active');
});

test('artifacts: the proxied service (PUT, GET, list) and artifacts/list', async () => {
  const { run } = await ok('POST', 'runs/create', { experiment_id: '0' });
  const root = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
  const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${root}/plots/corr.txt`, { method: 'PUT', body: 'matrix' });
  assert.equal(put.status, 200);
  const json = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${root}/meta.json`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  assert.equal(json.status, 200);
  const got = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${root}/plots/corr.txt`);
  assert.equal(await got.text(), 'matrix');
  const missing = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${root}/nope.txt`);
  assert.equal(missing.status, 404);
  const escape = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent('../..')}`);
  assert.equal(escape.status, 400);
  const listed = (await (await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/plots`)}`)).json()) as any;
  assert.deepEqual(listed.files, [{ path: `${root}/plots/corr.txt`, is_dir: false, file_size: 6 }]);
  const top = await ok('GET', 'artifacts/list', { run_id: run.info.run_id });
  assert.equal(top.root_uri, run.info.artifact_uri);
  assert.deepEqual(top.files, [{ path: 'meta.json', is_dir: false, file_size: 7 }, { path: 'plots', is_dir: true }]);
  assert.deepEqual((await ok('GET', 'artifacts/list', { run_id: run.info.run_id, path: 'plots' })).files, [{ path: 'plots/corr.txt', is_dir: false, file_size: 6 }]);
});

test('registry: models, versions, stages, tags, aliases, search, download URI', async () => {
  const { run } = await ok('POST', 'runs/create', { experiment_id: '0' });
  const created = await ok('POST', 'registered-models/create', { name: 'iot', description: 'per device', tags: [{ key: 'owner', value: 'ops' }] });
  assert.equal(created.registered_model.name, 'iot');
  await err('POST', 'registered-models/create', { name: 'iot' }, 400, 'RESOURCE_ALREADY_EXISTS');
  const v1 = (await ok('POST', 'model-versions/create', { name: 'iot', source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id })).model_version;
  assert.equal(v1.version, '1');
  assert.equal(v1.current_stage, 'None');
  assert.equal(v1.status, 'READY');
  const v2 = (await ok('POST', 'model-versions/create', { name: 'iot', source: `runs:/${run.info.run_id}/model`, tags: [{ key: 't', value: '1' }] })).model_version;
  assert.equal(v2.version, '2');
  await err('POST', 'model-versions/create', { name: 'nope', source: 'x' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal((await ok('GET', 'model-versions/get', { name: 'iot', version: '2' })).model_version.tags[0].value, '1');
  await err('GET', 'model-versions/get', { name: 'iot', version: '9' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('PATCH', 'model-versions/update', { name: 'iot', version: '1', description: 'first' });
  assert.equal((await ok('GET', 'model-versions/get', { name: 'iot', version: '1' })).model_version.description, 'first');
  await ok('POST', 'model-versions/transition-stage', { name: 'iot', version: '1', stage: 'production' });
  await ok('POST', 'model-versions/transition-stage', { name: 'iot', version: '2', stage: 'Production', archive_existing_versions: true });
  assert.equal((await ok('GET', 'model-versions/get', { name: 'iot', version: '1' })).model_version.current_stage, 'Archived');
  await err('POST', 'model-versions/transition-stage', { name: 'iot', version: '1', stage: 'Gold' }, 400, 'INVALID_PARAMETER_VALUE');
  const latest = await ok('POST', 'registered-models/get-latest-versions', { name: 'iot', stages: ['Production'] });
  assert.deepEqual(latest.model_versions.map((v: any) => v.version), ['2']);
  await ok('POST', 'registered-models/alias', { name: 'iot', alias: 'champion', version: '2' });
  await err('POST', 'registered-models/alias', { name: 'iot', alias: 'latest', version: '2' }, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal((await ok('GET', 'registered-models/alias', { name: 'iot', alias: 'champion' })).model_version.version, '2');
  const model = (await ok('GET', 'registered-models/get', { name: 'iot' })).registered_model;
  assert.deepEqual(model.aliases, [{ alias: 'champion', version: '2' }]);
  assert.deepEqual(model.tags, [{ key: 'owner', value: 'ops' }]);
  assert.deepEqual(model.latest_versions.map((v: any) => `${v.version}:${v.current_stage}`), ['1:Archived', '2:Production']);
  assert.deepEqual((await ok('GET', 'model-versions/get', { name: 'iot', version: '2' })).model_version.aliases, ['champion']);
  assert.equal((await ok('GET', 'model-versions/get-download-uri', { name: 'iot', version: '2' })).artifact_uri, `${run.info.artifact_uri}/model`);
  await ok('POST', 'registered-models/set-tag', { name: 'iot', key: 'tier', value: 'gold' });
  await ok('DELETE', 'registered-models/delete-tag', { name: 'iot', key: 'owner' });
  await ok('POST', 'model-versions/set-tag', { name: 'iot', version: '1', key: 'checked', value: 'yes' });
  await ok('DELETE', 'model-versions/delete-tag', { name: 'iot', version: '2', key: 't' });
  await ok('PATCH', 'registered-models/update', { name: 'iot', description: 'fleet' });
  await ok('POST', 'registered-models/create', { name: 'other' });
  const search = await ok('GET', 'registered-models/search', { filter: "name LIKE 'io%'" });
  assert.deepEqual(search.registered_models.map((m: any) => m.name), ['iot']);
  assert.equal(search.registered_models[0].description, 'fleet');
  assert.deepEqual(search.registered_models[0].tags, [{ key: 'tier', value: 'gold' }]);
  const versions = await ok('GET', 'model-versions/search', { filter: `run_id = '${run.info.run_id}'` });
  assert.deepEqual(versions.model_versions.map((v: any) => v.version), ['2', '1']);
  const renamed = await ok('POST', 'registered-models/rename', { name: 'iot', new_name: 'fleet' });
  assert.equal(renamed.registered_model.name, 'fleet');
  assert.deepEqual(renamed.registered_model.aliases, [{ alias: 'champion', version: '2' }]);
  await err('GET', 'registered-models/get', { name: 'iot' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal((await ok('GET', 'model-versions/get', { name: 'fleet', version: '1' })).model_version.tags[0].key, 'checked');
  await ok('DELETE', 'registered-models/alias', { name: 'fleet', alias: 'champion' });
  await err('GET', 'registered-models/alias', { name: 'fleet', alias: 'champion' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('DELETE', 'model-versions/delete', { name: 'fleet', version: '1' });
  await err('GET', 'model-versions/get', { name: 'fleet', version: '1' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('DELETE', 'registered-models/delete', { name: 'fleet' });
  await err('GET', 'registered-models/get', { name: 'fleet' }, 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.deepEqual((await ok('GET', 'model-versions/search', { filter: "name = 'fleet'" })).model_versions, []);
});

test('everything written is in the Delta tables, readable with SQL after a restart', async () => {
  const { run } = await ok('POST', 'runs/create', { experiment_id: '0', run_name: 'durable' });
  await ok('POST', 'runs/log-metric', { run_id: run.info.run_id, key: 'm', value: 3, timestamp: 1, step: 7 });
  await ok('POST', 'runs/set-tag', { run_id: run.info.run_id, key: 'mlflow.runName', value: 'durable-2' });
  const [result] = await s.server.lake.sql(`SELECT r.run_name, m.value, m.step FROM mlflow.runs r JOIN mlflow.metrics m USING (run_uuid) WHERE run_uuid = '${run.info.run_id}'`);
  assert.deepEqual(result.rows, [{ run_name: 'durable-2', value: 3, step: 7 }]);
});
