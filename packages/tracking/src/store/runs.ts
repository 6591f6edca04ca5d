import { randomBytes } from 'node:crypto';
import { invalidParameter, notFound } from '../errors.js';
import type { Row } from '../storage/tables.js';
import { toDouble } from '../storage/tracking-tables.js';
import type { Change } from '../storage/table-writer.js';
import { ACTIVE, DELETED, type StoreContext } from './context.js';
import { experimentRow, DEFAULT_EXPERIMENT_ID } from './experiments.js';
import { checkKey, double, int, keyValues, list, pageOffset, pageToken, runIdOf, str, type RequestBody } from './request.js';
import { randomRunName } from './run-names.js';

export const RUN_NAME_TAG = 'mlflow.runName';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const USER_TAG = 'mlflow.user';

const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const MAX_PARAM_VALUE = 6000;
const MAX_TAG_VALUE = 8000;

export interface MetricJson {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface RunInfoJson {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface RunJson {
  info: RunInfoJson;
  data: { metrics: MetricJson[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
  inputs: { dataset_inputs: unknown[] };
}

/**
 * A run id: 32 hex digits as MLflow's, the first 12 the creation time in milliseconds, so that
 * the runs of one period sort together and compacted metric files cover narrow id ranges.
 */
export function newRunId(now: number): string {
  return now.toString(16).padStart(12, '0').slice(-12) + randomBytes(10).toString('hex');
}

/** A double as protobuf's JSON form writes it: non-finite values as strings. */
export function jsonDouble(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export function runRow(ctx: StoreContext, id: string): Row {
  const row = ctx.tables.rows.runs.get(id);
  if (!row) throw notFound(`Run with id=${id} not found`);
  return row;
}

function activeRun(ctx: StoreContext, id: string): Row {
  const row = runRow(ctx, id);
  if (row.lifecycle_stage !== ACTIVE) {
    throw invalidParameter(`The run ${id} must be in the 'active' state. Current state is ${String(row.lifecycle_stage)}.`);
  }
  return row;
}

export function runInfoJson(row: Row): RunInfoJson {
  const id = String(row.run_uuid);
  return {
    run_id: id,
    run_uuid: id,
    run_name: String(row.run_name ?? ''),
    experiment_id: String(row.experiment_id),
    user_id: String(row.user_id ?? ''),
    status: String(row.status),
    start_time: Number(row.start_time),
    ...(row.end_time !== null && row.end_time !== undefined ? { end_time: Number(row.end_time) } : {}),
    artifact_uri: String(row.artifact_uri),
    lifecycle_stage: String(row.lifecycle_stage),
  };
}

export function runJson(ctx: StoreContext, row: Row): RunJson {
  const id = String(row.run_uuid);
  const t = ctx.tables;
  const kv = (r: Row) => ({ key: String(r.key), value: String(r.value ?? '') });
  return {
    info: runInfoJson(row),
    data: {
      metrics: [...(t.latestMetrics.get(id)?.values() ?? [])].map((m) => ({ key: m.key, value: jsonDouble(m.value), timestamp: m.timestamp, step: m.step })),
      params: t.rows.params.owned(id).map(kv),
      tags: t.rows.tags.owned(id).map(kv),
    },
    inputs: { dataset_inputs: t.rows.inputs.owned(id).map(datasetInputJson) },
  };
}

function datasetInputJson(r: Row): unknown {
  const tags = JSON.parse(String(r.tags ?? '{}')) as Record<string, string>;
  return {
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    dataset: {
      name: r.dataset_name,
      digest: r.dataset_digest,
      source_type: r.dataset_source_type,
      source: r.dataset_source,
      ...(r.dataset_schema !== null ? { schema: r.dataset_schema } : {}),
      ...(r.dataset_profile !== null ? { profile: r.dataset_profile } : {}),
    },
  };
}

function checkTag(key: string, value: string): void {
  checkKey('Tag', key);
  if (value.length > MAX_TAG_VALUE) throw invalidParameter(`Tag '${key}' has a value of ${value.length} characters; the limit is ${MAX_TAG_VALUE}`);
}

export async function createRun(ctx: StoreContext, body: RequestBody): Promise<{ run: RunJson }> {
  const experimentId = str(body, 'experiment_id') ?? DEFAULT_EXPERIMENT_ID;
  const experiment = experimentRow(ctx, experimentId);
  if (experiment.lifecycle_stage !== ACTIVE) {
    throw invalidParameter(`The experiment ${experimentId} must be in the 'active' state. Current state is ${String(experiment.lifecycle_stage)}.`);
  }
  const tags = keyValues(body, 'tags');
  for (const t of tags) checkTag(t.key, t.value);
  const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
  const given = str(body, 'run_name');
  if (given !== undefined && tagName !== undefined && given !== tagName) {
    throw invalidParameter(`Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${given}', ${RUN_NAME_TAG}='${tagName}').`);
  }
  const now = ctx.clock();
  const id = newRunId(now);
  const runName = given ?? tagName ?? randomRunName();
  const userId = str(body, 'user_id') ?? tags.find((t) => t.key === USER_TAG)?.value ?? '';
  const row: Row = {
    run_uuid: id,
    run_name: runName,
    experiment_id: experimentId,
    user_id: userId,
    status: 'RUNNING',
    start_time: int(body, 'start_time') ?? now,
    end_time: null,
    lifecycle_stage: ACTIVE,
    artifact_uri: `${String(experiment.artifact_location).replace(/\/+$/, '')}/${id}/artifacts`,
    deleted_time: null,
  };
  const allTags = new Map(tags.map((t) => [t.key, t.value]));
  allTags.set(RUN_NAME_TAG, runName);
  await Promise.all([
    ctx.tables.put('runs', row),
    ctx.tables.put('tags', ...[...allTags].map(([key, value]) => ({ run_uuid: id, key, value }))),
  ]);
  return { run: runJson(ctx, row) };
}

export function getRun(ctx: StoreContext, body: RequestBody): { run: RunJson } {
  return { run: runJson(ctx, runRow(ctx, runIdOf(body))) };
}

export async function updateRun(ctx: StoreContext, body: RequestBody): Promise<{ run_info: RunInfoJson }> {
  const row = activeRun(ctx, runIdOf(body));
  const status = str(body, 'status');
  if (status !== undefined && !RUN_STATUSES.includes(status)) {
    throw invalidParameter(`Invalid value '${status}' for parameter 'status': expected one of ${RUN_STATUSES.join(', ')}`);
  }
  const endTime = int(body, 'end_time');
  const runName = str(body, 'run_name');
  const next: Row = {
    ...row,
    ...(status !== undefined ? { status } : {}),
    ...(endTime !== undefined ? { end_time: endTime } : {}),
    ...(runName !== undefined ? { run_name: runName } : {}),
  };
  await Promise.all([
    ctx.tables.put('runs', next),
    runName !== undefined ? ctx.tables.put('tags', { run_uuid: row.run_uuid, key: RUN_NAME_TAG, value: runName }) : undefined,
  ]);
  return { run_info: runInfoJson(next) };
}

async function setLifecycle(ctx: StoreContext, body: RequestBody, stage: string): Promise<Record<string, never>> {
  const row = runRow(ctx, runIdOf(body));
  await ctx.tables.put('runs', { ...row, lifecycle_stage: stage, deleted_time: stage === DELETED ? ctx.clock() : null });
  return {};
}

export const deleteRun = (ctx: StoreContext, body: RequestBody) => setLifecycle(ctx, body, DELETED);
export const restoreRun = (ctx: StoreContext, body: RequestBody) => setLifecycle(ctx, body, ACTIVE);

interface MetricIn {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

function metricOf(body: RequestBody): MetricIn {
  const key = str(body, 'key', true);
  checkKey('Metric', key);
  return { key, value: double(body, 'value'), timestamp: int(body, 'timestamp', true), step: int(body, 'step') ?? 0 };
}

/** Params to write: new ones only; the same value again is fine, a different one an error. */
function newParams(ctx: StoreContext, runId: string, params: readonly { key: string; value: string }[]): Row[] {
  const seen = new Map<string, string>();
  const out: Row[] = [];
  for (const p of params) {
    checkKey('Param', p.key);
    if (p.value.length > MAX_PARAM_VALUE) throw invalidParameter(`Param '${p.key}' has a value of ${p.value.length} characters; the limit is ${MAX_PARAM_VALUE}`);
    const old = ctx.tables.rows.params.get(runId, p.key)?.value ?? seen.get(p.key);
    if (old !== undefined && old !== null) {
      if (old !== p.value) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${String(old)}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
      continue;
    }
    seen.set(p.key, p.value);
    out.push({ run_uuid: runId, key: p.key, value: p.value });
  }
  return out;
}

async function writeData(ctx: StoreContext, runId: string, data: { metrics: readonly MetricIn[]; params: readonly Row[]; tags: readonly { key: string; value: string }[] }): Promise<void> {
  const metricChanges: Change[] = data.metrics.map((m) => ({ kind: 'put', row: { run_uuid: runId, ...m } }));
  for (const m of data.metrics) ctx.tables.noteMetric(runId, m);
  const tagRows = data.tags.map((t) => ({ run_uuid: runId, key: t.key, value: t.value }));
  await Promise.all([
    metricChanges.length ? ctx.tables.write('metrics', metricChanges) : undefined,
    data.params.length ? ctx.tables.put('params', ...data.params) : undefined,
    tagRows.length ? ctx.tables.put('tags', ...tagRows) : undefined,
    data.tags.some((t) => t.key === RUN_NAME_TAG) ? renameFromTag(ctx, runId, data.tags) : undefined,
  ]);
}

/** Setting the mlflow.runName tag renames the run, as in MLflow. */
async function renameFromTag(ctx: StoreContext, runId: string, tags: readonly { key: string; value: string }[]): Promise<void> {
  const name = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)!.value;
  const row = runRow(ctx, runId);
  if (row.run_name !== name) await ctx.tables.put('runs', { ...row, run_name: name });
}

export async function logMetric(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const runId = runIdOf(body);
  const metric = metricOf(body);
  activeRun(ctx, runId);
  await writeData(ctx, runId, { metrics: [metric], params: [], tags: [] });
  return {};
}

export async function logParam(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const runId = runIdOf(body);
  const key = str(body, 'key', true);
  const value = str(body, 'value') ?? '';
  activeRun(ctx, runId);
  await writeData(ctx, runId, { metrics: [], params: newParams(ctx, runId, [{ key, value }]), tags: [] });
  return {};
}

export async function setTag(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const runId = runIdOf(body);
  const tag = { key: str(body, 'key', true), value: str(body, 'value') ?? '' };
  checkTag(tag.key, tag.value);
  activeRun(ctx, runId);
  await writeData(ctx, runId, { metrics: [], params: [], tags: [tag] });
  return {};
}

export async function deleteTag(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const runId = runIdOf(body);
  const key = str(body, 'key', true);
  activeRun(ctx, runId);
  const tag = ctx.tables.rows.tags.get(runId, key);
  if (!tag) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  await ctx.tables.remove('tags', tag);
  return {};
}

export async function logBatch(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const runId = runIdOf(body);
  const rawMetrics = list(body, 'metrics');
  const params = keyValues(body, 'params');
  const tags = keyValues(body, 'tags');
  if (rawMetrics.length > 1000) throw invalidParameter(`A batch logging request can contain at most 1000 metrics. Got ${rawMetrics.length} metrics.`);
  if (params.length > 100) throw invalidParameter(`A batch logging request can contain at most 100 params. Got ${params.length} params.`);
  if (tags.length > 100) throw invalidParameter(`A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`);
  const total = rawMetrics.length + params.length + tags.length;
  if (total > 1000) throw invalidParameter(`A batch logging request can contain at most 1000 metrics, params, and tags in total. Got ${total}.`);
  const metrics = rawMetrics.map((m, i) => {
    if (!m || typeof m !== 'object') throw invalidParameter(`Invalid value for metrics[${i}]: expected an object with key, value, timestamp and step`);
    return metricOf(m as RequestBody);
  });
  for (const t of tags) checkTag(t.key, t.value);
  activeRun(ctx, runId);
  // Everything is checked before anything is written.
  await writeData(ctx, runId, { metrics, params: newParams(ctx, runId, params), tags });
  return {};
}

export async function logInputs(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const runId = runIdOf(body);
  activeRun(ctx, runId);
  const rows = list(body, 'datasets').map((d, i) => {
    const input = (d ?? {}) as RequestBody;
    const ds = (input.dataset ?? {}) as RequestBody;
    if (typeof input.dataset !== 'object' || input.dataset === null) throw invalidParameter(`Missing value for required parameter 'datasets[${i}].dataset'.`);
    const tags = Object.fromEntries(keyValues(input, 'tags').map((t) => [t.key, t.value]));
    return {
      run_uuid: runId,
      dataset_name: str(ds, 'name', true),
      dataset_digest: str(ds, 'digest', true),
      dataset_source_type: str(ds, 'source_type', true),
      dataset_source: str(ds, 'source', true),
      dataset_schema: str(ds, 'schema') ?? null,
      dataset_profile: str(ds, 'profile') ?? null,
      tags: JSON.stringify(tags),
    } satisfies Row;
  });
  if (rows.length) await ctx.tables.put('inputs', ...rows);
  return {};
}

export async function getMetricHistory(ctx: StoreContext, body: RequestBody): Promise<{ metrics: MetricJson[]; next_page_token?: string }> {
  const runId = runIdOf(body);
  const key = str(body, 'metric_key', true);
  runRow(ctx, runId);
  const max = int(body, 'max_results');
  const offset = pageOffset(body);
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const limit = max === undefined ? '' : ` LIMIT ${max + 1} OFFSET ${offset}`;
  const [result] = await ctx.tables.lake.sql(
    `SELECT key, value, timestamp, step FROM mlflow.metrics WHERE run_uuid = ${lit(runId)} AND key = ${lit(key)} ORDER BY timestamp, step, value${limit}`,
  );
  const metrics = result.rows.map((r) => ({ key, value: jsonDouble(toDouble(r.value)), timestamp: Number(r.timestamp), step: Number(r.step) }));
  if (max === undefined || metrics.length <= max) return { metrics };
  return { metrics: metrics.slice(0, max), next_page_token: pageToken(offset + max) };
}
