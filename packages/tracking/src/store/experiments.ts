import { alreadyExists, invalidParameter, notFound } from '../errors.js';
import type { Row } from '../storage/tables.js';
import { ACTIVE, ARTIFACTS_SCHEME, DELETED, type StoreContext } from './context.js';
import { keyValues, int, page, pageOffset, str, list, type RequestBody } from './request.js';
import { parseExperimentFilter, parseExperimentOrder, type Comparison } from './search-filter.js';
import { compareValues, matches } from './search-match.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

export interface ExperimentJson {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
  tags: { key: string; value: string }[];
}

export function experimentJson(ctx: StoreContext, row: Row): ExperimentJson {
  const id = String(row.experiment_id);
  return {
    experiment_id: id,
    name: String(row.name),
    artifact_location: String(row.artifact_location),
    lifecycle_stage: String(row.lifecycle_stage),
    last_update_time: Number(row.last_update_time),
    creation_time: Number(row.creation_time),
    tags: ctx.tables.rows.experimentTags.owned(id).map((t) => ({ key: String(t.key), value: String(t.value) })),
  };
}

export function experimentRow(ctx: StoreContext, id: string): Row {
  const row = ctx.tables.rows.experiments.get(id);
  if (!row) throw notFound(`No Experiment with id=${id} exists`);
  return row;
}

function byName(ctx: StoreContext, name: string): Row | undefined {
  let deleted: Row | undefined;
  for (const r of ctx.tables.rows.experiments.values()) {
    if (r.name !== name) continue;
    if (r.lifecycle_stage === ACTIVE) return r;
    deleted ??= r;
  }
  return deleted;
}

function checkName(name: string): void {
  if (name.trim() === '') throw invalidParameter("Invalid experiment name: ''");
  if (name.length > 500) throw invalidParameter(`Experiment name '${name.slice(0, 40)}...' is longer than 500 characters`);
}

/** Makes the Default experiment (id 0) when the lake has none, as MLflow's stores do. */
export async function ensureDefaultExperiment(ctx: StoreContext): Promise<void> {
  if (ctx.tables.rows.experiments.has(DEFAULT_EXPERIMENT_ID)) return;
  const now = ctx.clock();
  await ctx.tables.put('experiments', {
    experiment_id: DEFAULT_EXPERIMENT_ID,
    name: DEFAULT_EXPERIMENT_NAME,
    artifact_location: `${ARTIFACTS_SCHEME}/${DEFAULT_EXPERIMENT_ID}`,
    lifecycle_stage: ACTIVE,
    creation_time: now,
    last_update_time: now,
  });
}

export async function createExperiment(ctx: StoreContext, body: RequestBody): Promise<{ experiment_id: string }> {
  const name = str(body, 'name', true);
  checkName(name);
  const tags = keyValues(body, 'tags');
  if (byName(ctx, name)) throw alreadyExists(`Experiment '${name}' already exists.`);
  let max = -1;
  for (const r of ctx.tables.rows.experiments.values()) max = Math.max(max, Number(r.experiment_id) || 0);
  const id = String(max + 1);
  const now = ctx.clock();
  const location = str(body, 'artifact_location') ?? `${ARTIFACTS_SCHEME}/${id}`;
  await Promise.all([
    ctx.tables.put('experiments', { experiment_id: id, name, artifact_location: location, lifecycle_stage: ACTIVE, creation_time: now, last_update_time: now }),
    tags.length ? ctx.tables.put('experimentTags', ...tags.map((t) => ({ experiment_id: id, key: t.key, value: t.value }))) : undefined,
  ]);
  return { experiment_id: id };
}

export function getExperiment(ctx: StoreContext, body: RequestBody): { experiment: ExperimentJson } {
  return { experiment: experimentJson(ctx, experimentRow(ctx, str(body, 'experiment_id', true))) };
}

export function getExperimentByName(ctx: StoreContext, body: RequestBody): { experiment: ExperimentJson } {
  const name = str(body, 'experiment_name', true);
  const row = byName(ctx, name);
  if (!row) throw notFound(`Could not find experiment with name '${name}'`);
  return { experiment: experimentJson(ctx, row) };
}

async function touch(ctx: StoreContext, row: Row, patch: Row): Promise<void> {
  await ctx.tables.put('experiments', { ...row, ...patch, last_update_time: ctx.clock() });
}

export async function updateExperiment(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const row = experimentRow(ctx, str(body, 'experiment_id', true));
  const name = str(body, 'new_name');
  if (name === undefined) return {};
  checkName(name);
  if (row.lifecycle_stage !== ACTIVE) throw invalidParameter(`Cannot rename a non-active experiment ${row.experiment_id}.`);
  const other = byName(ctx, name);
  if (other && other.experiment_id !== row.experiment_id) throw alreadyExists(`Experiment '${name}' already exists.`);
  await touch(ctx, row, { name });
  return {};
}

async function setStage(ctx: StoreContext, body: RequestBody, stage: string): Promise<Record<string, never>> {
  const row = experimentRow(ctx, str(body, 'experiment_id', true));
  if (stage === DELETED && row.experiment_id === DEFAULT_EXPERIMENT_ID) {
    throw invalidParameter('Cannot delete the default experiment (id 0); it is required by MLflow.');
  }
  await touch(ctx, row, { lifecycle_stage: stage });
  // MLflow marks an experiment's runs with the experiment; runs keep their own stage.
  return {};
}

export const deleteExperiment = (ctx: StoreContext, body: RequestBody) => setStage(ctx, body, DELETED);
export const restoreExperiment = (ctx: StoreContext, body: RequestBody) => setStage(ctx, body, ACTIVE);

export async function setExperimentTag(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const row = experimentRow(ctx, str(body, 'experiment_id', true));
  if (row.lifecycle_stage !== ACTIVE) throw invalidParameter(`The experiment ${row.experiment_id} must be in the 'active' state.`);
  const key = str(body, 'key', true);
  await ctx.tables.put('experimentTags', { experiment_id: row.experiment_id, key, value: str(body, 'value') ?? '' });
  return {};
}

export async function deleteExperimentTag(ctx: StoreContext, body: RequestBody): Promise<Record<string, never>> {
  const row = experimentRow(ctx, str(body, 'experiment_id', true));
  const key = str(body, 'key', true);
  const tag = ctx.tables.rows.experimentTags.get(String(row.experiment_id), key);
  if (!tag) throw notFound(`No tag with name: ${key} in experiment with id ${row.experiment_id}`);
  await ctx.tables.remove('experimentTags', tag);
  return {};
}

/** ViewType: ACTIVE_ONLY (1, default), DELETED_ONLY (2), ALL (3); by name or number. */
export function viewTypeStages(v: unknown): Set<string> {
  const s = v === undefined || v === null || v === '' ? 'ACTIVE_ONLY' : String(v).toUpperCase();
  if (s === 'ACTIVE_ONLY' || s === '1') return new Set([ACTIVE]);
  if (s === 'DELETED_ONLY' || s === '2') return new Set([DELETED]);
  if (s === 'ALL' || s === '3') return new Set([ACTIVE, DELETED]);
  throw invalidParameter(`Invalid view type '${String(v)}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`);
}

export function searchExperiments(ctx: StoreContext, body: RequestBody): { experiments: ExperimentJson[]; next_page_token?: string } {
  const max = int(body, 'max_results') ?? 1000;
  if (max < 1 || max > 50_000) throw invalidParameter(`Invalid value ${max} for parameter 'max_results' supplied: must be between 1 and 50000`);
  const stages = viewTypeStages(body.view_type);
  const filter: Comparison[] = parseExperimentFilter(str(body, 'filter') ?? '');
  const order = list(body, 'order_by').map((o) => parseExperimentOrder(String(o)));
  const rows = [...ctx.tables.rows.experiments.values()].filter((r) => stages.has(String(r.lifecycle_stage)));
  const lookup = (r: Row) => (c: { entity: string; key: string }) => {
    if (c.entity === 'tag') return ctx.tables.rows.experimentTags.get(String(r.experiment_id), c.key)?.value ?? undefined;
    return r[c.key] ?? undefined;
  };
  const found = rows.filter((r) => filter.every((c) => matches(c, lookup(r)(c))));
  const keys = [...order, { entity: 'attribute', key: 'creation_time', ascending: false }, { entity: 'attribute', key: 'experiment_id', ascending: false }];
  found.sort((a, b) => {
    for (const k of keys) {
      const va = k.key === 'experiment_id' ? Number(a.experiment_id) : lookup(a)(k);
      const vb = k.key === 'experiment_id' ? Number(b.experiment_id) : lookup(b)(k);
      const c = compareValues(va, vb, k.ascending);
      if (c !== 0) return c;
    }
    return 0;
  });
  const { items, next } = page(found, pageOffset(body), max);
  return { experiments: items.map((r) => experimentJson(ctx, r)), ...(next ? { next_page_token: next } : {}) };
}
