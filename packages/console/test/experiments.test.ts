/**
 * The experiments and models pages in Chromium against a real `loch server`: runs compared side
 * by side and on one chart, a run's artifacts shown inline (text, JSON, an image), the model
 * registry with versions, stages, aliases and tags. Data is made through the MLflow REST API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS, startConsole, openPage, type Console } from './support.js';

let browser: Browser;
let c: Console;
let experimentId: string;
const runs: { id: string; name: string }[] = [];

async function mlflow(method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${c.url}/api/2.0/mlflow/${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = (await r.json()) as any;
  if (!r.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
  return json;
}

/** Uploads through the proxied artifact service, as `mlflow.log_artifact` does with --serve-artifacts. */
async function putArtifact(artifactUri: string, path: string, body: Buffer | string): Promise<void> {
  const rel = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
  const r = await fetch(`${c.url}/api/2.0/mlflow-artifacts/artifacts/${rel}/${path}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
  assert.equal(r.status, 200, await r.text());
}

async function makeRun(name: string, depth: number, scale: number): Promise<{ id: string; uri: string }> {
  const { run } = await mlflow('POST', 'runs/create', { experiment_id: experimentId, run_name: name });
  const metrics = Array.from({ length: 10 }, (_, step) => ({ key: 'rmse', value: scale / (step + 1), timestamp: Date.now(), step }));
  metrics.push(...Array.from({ length: 5 }, (_, step) => ({ key: 'auc', value: 0.5 + step * 0.05 * scale, timestamp: Date.now(), step })));
  await mlflow('POST', 'runs/log-batch', { run_id: run.info.run_id, metrics, params: [{ key: 'max_depth', value: String(depth) }, { key: 'model', value: 'gbt' }] });
  runs.push({ id: run.info.run_id, name });
  return { id: run.info.run_id, uri: run.info.artifact_uri };
}

before(async () => {
  browser = await launchChromium();
  c = await startConsole();
  ({ experiment_id: experimentId } = await mlflow('POST', 'experiments/create', { name: 'churn' }));
  const a = await makeRun('depth-4', 4, 1);
  await makeRun('depth-8', 8, 2);
  // A real PNG: Chromium's own screenshot of a small page.
  const page = await browser.newPage({ viewport: { width: 64, height: 48 } });
  await page.setContent('<body style="margin:0;background:#e8590c"></body>');
  const png = await page.screenshot();
  await page.close();
  await putArtifact(a.uri, 'notes.txt', 'trained on 2026-12 data\nno leakage found\n');
  await putArtifact(a.uri, 'eval/report.json', JSON.stringify({ auc: 0.91, folds: [0.9, 0.92] }));
  await putArtifact(a.uri, 'plots/loss.png', png);
  await mlflow('POST', 'registered-models/create', { name: 'churn-model', description: 'predicts churn', tags: [{ key: 'team', value: 'growth' }] });
  await mlflow('POST', 'model-versions/create', { name: 'churn-model', source: `runs:/${runs[0].id}/model`, run_id: runs[0].id, tags: [{ key: 'validated', value: 'yes' }] });
  await mlflow('POST', 'model-versions/create', { name: 'churn-model', source: `runs:/${runs[1].id}/model`, run_id: runs[1].id });
  await mlflow('POST', 'model-versions/transition-stage', { name: 'churn-model', version: '1', stage: 'Production', archive_existing_versions: false });
  await mlflow('POST', 'model-versions/transition-stage', { name: 'churn-model', version: '2', stage: 'Staging', archive_existing_versions: false });
  await mlflow('POST', 'registered-models/alias', { name: 'churn-model', alias: 'champion', version: '1' });
  await mlflow('POST', 'registered-models/alias', { name: 'churn-model', alias: 'challenger', version: '2' });
});

after(async () => {
  await browser?.close();
  await c?.close();
});

const open = (path: string): Promise<Page> => openPage(browser, c, path);

test('two runs are compared: params and metrics side by side, one chart with a line per run', async () => {
  const page = await open(`#/runs/${experimentId}`);
  try {
    await page.waitForSelector(`[data-test=select-${runs[1].id}]`);
    assert.equal(await page.locator('[data-test=compare-runs]').isDisabled(), true);
    await page.check(`[data-test=select-${runs[0].id}]`);
    await page.check(`[data-test=select-${runs[1].id}]`);
    await page.click('[data-test=compare-runs]');
    await page.waitForSelector('[data-test=compare-params]');
    const depth = await page.locator('[data-test=compare-params] tr[data-key=max_depth] td').allTextContents();
    assert.deepEqual(depth.sort(), ['4', '8']);
    assert.equal(await page.getAttribute('[data-test=compare-params] tr[data-key=max_depth]', 'class'), 'differs');
    assert.equal(await page.getAttribute('[data-test=compare-params] tr[data-key=model]', 'class'), '');
    assert.deepEqual((await page.locator('[data-test=compare-metrics] tr[data-key=rmse] td').allTextContents()).sort(), ['0.1', '0.2']);
    // The first metric alphabetically (auc: 5 steps per run), then rmse (10 steps per run).
    await page.waitForSelector('canvas[data-test=compare-chart][data-metric=auc]');
    assert.equal(await page.getAttribute('canvas[data-test=compare-chart]', 'data-series'), '2');
    assert.equal(await page.getAttribute('canvas[data-test=compare-chart]', 'data-points'), '10');
    await page.selectOption('[data-test=compare-metric]', 'rmse');
    await page.waitForSelector('canvas[data-test=compare-chart][data-metric=rmse]');
    assert.equal(await page.getAttribute('canvas[data-test=compare-chart]', 'data-points'), '20');
    await page.screenshot({ path: join(SCREENSHOTS, 'runs-compare.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test("a run's artifacts are listed and shown inline: text, JSON pretty-printed, an image", async () => {
  const page = await open(`#/runs/${experimentId}`);
  try {
    await page.click(`[data-test=run-${runs[0].id}]`);
    await page.waitForSelector('[data-test=artifacts] [data-test="artifact-notes.txt"]');
    await page.click('[data-test="artifact-notes.txt"]');
    await page.waitForSelector('[data-test=artifact-view][data-kind=text]');
    assert.equal(await page.textContent('[data-test=artifact-text]'), 'trained on 2026-12 data\nno leakage found\n');
    await page.click('[data-test="artifact-eval"]');
    await page.click('[data-test="artifact-eval/report.json"]');
    await page.waitForSelector('[data-test=artifact-view][data-kind=json]');
    assert.equal(await page.textContent('[data-test=artifact-text]'), JSON.stringify({ auc: 0.91, folds: [0.9, 0.92] }, null, 2));
    await page.click('[data-test="artifact-plots"]');
    await page.click('[data-test="artifact-plots/loss.png"]');
    await page.waitForSelector('[data-test=artifact-view][data-kind=image]');
    await page.waitForFunction("document.querySelector('[data-test=artifact-image]')?.naturalWidth > 0");
    assert.equal(await page.locator('[data-test=artifact-image]').evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth), 64);
    assert.equal(await page.getAttribute('canvas[data-test=metric-chart]', 'data-points'), '15');
    await page.screenshot({ path: join(SCREENSHOTS, 'run-artifacts.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('the model registry lists models; a model shows its versions with stages, aliases and tags', async () => {
  const page = await open('#/models');
  try {
    await page.waitForSelector('[data-test="model-churn-model"]');
    assert.match(await page.textContent('#page') ?? '', /@champion → v1/);
    await page.click('[data-test="model-churn-model"]');
    await page.waitForSelector('[data-test=model-name]');
    assert.equal(await page.textContent('[data-test=model-name]'), 'churn-model');
    assert.equal(await page.textContent('[data-test=stage-1]'), 'Production');
    assert.equal(await page.textContent('[data-test=stage-2]'), 'Staging');
    assert.equal(await page.textContent('[data-test=aliases-1]'), 'champion');
    assert.equal(await page.textContent('[data-test=aliases-2]'), 'challenger');
    assert.equal(await page.textContent('[data-test=tags-1]'), 'validated=yes');
    const text = await page.textContent('#page') ?? '';
    assert.match(text, /predicts churn/);
    assert.match(text, /teamgrowth/);
    assert.match(text, new RegExp(`runs:/${runs[0].id}/model`));
    await page.screenshot({ path: join(SCREENSHOTS, 'models.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
