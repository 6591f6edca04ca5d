import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer } from './helpers.js';

/** The npm `mlflow` client (v2.x), an implementation of MLflow's REST API that is not ours. */
const MLflow = createRequire(import.meta.url)('mlflow') as new (o: { endpoint: string }) => any;

test('the npm mlflow client drives a Loch server', async (t) => {
  // The client prints every request body it sends; keep the test output readable.
  t.mock.method(console, 'log', () => undefined);
  const s = await startServer();
  try {
    const { Experiments, Runs, Metrics, Artifacts } = new MLflow({ endpoint: s.url });
    const { experiment_id } = await Experiments.create({ name: 'from-npm' });
    assert.equal((await Experiments.get({ experiment_id })).experiment.name, 'from-npm');
    await Experiments.update({ experiment_id, new_name: 'from-npm-2' });
    const { run } = await Runs.create({ experiment_id, start_time: Date.now(), tags: [{ key: 'client', value: 'npm' }] });
    const run_id = run.info.run_id;
    await Runs.logParameter({ run_id, key: 'alpha', value: '0.5' });
    await Runs.logMetric({ run_id, key: 'rmse', value: 0.8, timestamp: Date.now(), step: 0 });
    await Runs.logMetric({ run_id, key: 'rmse', value: 0.6, timestamp: Date.now(), step: 1 });
    await Runs.logBatch({ run_id, metrics: [{ key: 'r2', value: 0.9, timestamp: Date.now(), step: 1 }], params: [{ key: 'l1', value: '0.1' }], tags: [{ key: 'kind', value: 'linear' }] });
    await Runs.setTag({ run_id, key: 'temp', value: 'x' });
    await Runs.deleteTag({ run_id, key: 'temp' });
    const got = (await Runs.get({ run_id })).run;
    assert.deepEqual(Object.fromEntries(got.data.metrics.map((m: any) => [m.key, m.value])), { rmse: 0.6, r2: 0.9 });
    assert.deepEqual(Object.fromEntries(got.data.params.map((p: any) => [p.key, p.value])), { alpha: '0.5', l1: '0.1' });
    assert.equal(got.data.tags.some((x: any) => x.key === 'temp'), false);
    const history = await Metrics.getHistory({ run_id, metric_key: 'rmse' });
    assert.deepEqual(history.metrics.map((m: any) => m.value), [0.8, 0.6]);
    const { runs } = await Runs.search({ experiment_ids: [experiment_id], filter: "metrics.rmse < 0.7 and params.alpha = '0.5'" });
    assert.deepEqual(runs.map((r: any) => r.info.run_id), [run_id]);
    await Runs.update({ run_id, status: 'FINISHED', end_time: Date.now() });
    assert.equal((await Runs.get({ run_id })).run.info.status, 'FINISHED');
    const listed = await Artifacts.list({ run_id });
    assert.equal(listed.root_uri, run.info.artifact_uri);
    await Runs.delete({ run_id });
    await Runs.restore({ run_id });
    await Experiments.delete({ experiment_id });
    await Experiments.restore({ experiment_id });
    // Errors reach the client as MLflow's JSON.
    await assert.rejects(Runs.logParameter({ run_id, key: 'alpha', value: '0.7' }), /INVALID_PARAMETER_VALUE/);
    await assert.rejects(Runs.get({ run_id: 'nope' }), /RESOURCE_DOES_NOT_EXIST/);
  } finally {
    await s.close();
  }
});
