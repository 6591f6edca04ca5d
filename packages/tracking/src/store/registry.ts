import { alreadyExists, invalidParameter, notFound } from '../errors.js';
import type { Row } from '../storage/tables.js';
import type { StoreContext } from './context.js';
import type { HttpMethod } from './endpoints.js';
import { int, keyValues, list, page, pageOffset, str, type RequestBody } from './request.js';
import { runRow } from './runs.js';
import { MODEL_VERSION_GRAMMAR, parseFilter, parseOrderBy, REGISTERED_MODEL_GRAMMAR, type OrderBy } from './search-filter.js';
import { compareValues, matches } from './search-match.js';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

export interface ModelVersionJson {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  status_message?: string;
  tags: { key: string; value: string }[];
  run_link: string;
  aliases: string[];
}

export interface RegisteredModelJson {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions: ModelVersionJson[];
  tags: { key: string; value: string }[];
  aliases: { alias: string; version: string }[];
}

const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export function modelRow(ctx: StoreContext, name: string): Row {
  const row = ctx.tables.rows.registeredModels.get(name);
  if (!row) throw notFound(`Registered Model with name=${name} not found`);
  return row;
}

export function versionRow(ctx: StoreContext, name: string, version: string | number): Row {
  modelRow(ctx, name);
  const v = Number(version);
  const row = Number.isSafeInteger(v) ? ctx.tables.rows.modelVersions.get(name, v) : undefined;
  if (!row) throw notFound(`Model Version (name=${name}, version=${String(version)}) not found`);
  return row;
}

function versionsOf(ctx: StoreContext, name: string): Row[] {
  return ctx.tables.rows.modelVersions.owned(name).sort((a, b) => Number(a.version) - Number(b.version));
}

export function modelVersionJson(ctx: StoreContext, row: Row): ModelVersionJson {
  const name = String(row.name);
  const version = Number(row.version);
  return {
    name,
    version: String(version),
    creation_timestamp: Number(row.creation_time),
    last_updated_timestamp: Number(row.last_updated_time),
    user_id: s(row.user_id),
    current_stage: s(row.current_stage) || 'None',
    description: s(row.description),
    source: s(row.source),
    run_id: s(row.run_id),
    status: s(row.status) || 'READY',
    ...(row.status_message ? { status_message: String(row.status_message) } : {}),
    tags: ctx.tables.rows.modelVersionTags.owned(name).filter((t) => Number(t.version) === version).map((t) => ({ key: s(t.key), value: s(t.value) })),
    run_link: s(row.run_link),
    aliases: ctx.tables.rows.aliases.owned(name).filter((a) => Number(a.version) === version).map((a) => s(a.alias)),
  };
}

/** The newest version in each stage (only the stages asked for, when given). */
function latestVersions(ctx: StoreContext, name: string, stages?: readonly string[]): Row[] {
  const latest = new Map<string, Row>();
  for (const v of versionsOf(ctx, name)) latest.set(s(v.current_stage) || 'None', v);
  const wanted = stages?.length ? new Set(stages.map(canonicalStage)) : undefined;
  return [...latest.values()].filter((v) => !wanted || wanted.has(s(v.current_stage) || 'None')).sort((a, b) => Number(a.version) - Number(b.version));
}

export function registeredModelJson(ctx: StoreContext, row: Row): RegisteredModelJson {
  const name = String(row.name);
  return {
    name,
    creation_timestamp: Number(row.creation_time),
    last_updated_timestamp: Number(row.last_updated_time),
    description: s(row.description),
    latest_versions: latestVersions(ctx, name).map((v) => modelVersionJson(ctx, v)),
    tags: ctx.tables.rows.registeredModelTags.owned(name).map((t) => ({ key: s(t.key), value: s(t.value) })),
    aliases: ctx.tables.rows.aliases.owned(name).map((a) => ({ alias: s(a.alias), version: String(a.version) })),
  };
}

function canonicalStage(stage: string): string {
  const found = STAGES.find((x) => x.toLowerCase() === stage.toLowerCase());
  if (!found) throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
  return found;
}

function checkModelName(name: string): void {
  if (name.trim() === '') throw invalidParameter('Registered model name cannot be empty.');
  if (name.includes('/')) throw invalidParameter(`Invalid name '${name}': registered model names cannot contain '/'`);
}

async function touchModel(ctx: StoreContext, name: string, patch: Row = {}): Promise<Row> {
  const next = { ...modelRow(ctx, name), ...patch, last_updated_time: ctx.clock() };
  await ctx.tables.put('registeredModels', next);
  return next;
}

async function createRegisteredModel(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  checkModelName(name);
  if (ctx.tables.rows.registeredModels.has(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
  const now = ctx.clock();
  const row: Row = { name, creation_time: now, last_updated_time: now, description: str(body, 'description') ?? null };
  const tags = keyValues(body, 'tags');
  await Promise.all([
    ctx.tables.put('registeredModels', row),
    tags.length ? ctx.tables.put('registeredModelTags', ...tags.map((t) => ({ name, key: t.key, value: t.value }))) : undefined,
  ]);
  return { registered_model: registeredModelJson(ctx, row) };
}

function getRegisteredModel(ctx: StoreContext, body: RequestBody) {
  return { registered_model: registeredModelJson(ctx, modelRow(ctx, str(body, 'name', true))) };
}

async function renameRegisteredModel(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  const newName = str(body, 'new_name', true);
  checkModelName(newName);
  const row = modelRow(ctx, name);
  if (newName === name) return { registered_model: registeredModelJson(ctx, row) };
  if (ctx.tables.rows.registeredModels.has(newName)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
  const t = ctx.tables;
  const moved = {
    versions: t.rows.modelVersions.owned(name),
    versionTags: t.rows.modelVersionTags.owned(name),
    modelTags: t.rows.registeredModelTags.owned(name),
    aliases: t.rows.aliases.owned(name),
  };
  const renamed = { ...row, name: newName, last_updated_time: ctx.clock() };
  const rename = (rows: Row[]) => rows.flatMap((r) => [{ kind: 'delete' as const, row: r }, { kind: 'put' as const, row: { ...r, name: newName } }]);
  await Promise.all([
    t.change('registeredModels', [{ kind: 'delete', row }, { kind: 'put', row: renamed }]),
    t.change('modelVersions', rename(moved.versions)),
    t.change('modelVersionTags', rename(moved.versionTags)),
    t.change('registeredModelTags', rename(moved.modelTags)),
    t.change('aliases', rename(moved.aliases)),
  ]);
  return { registered_model: registeredModelJson(ctx, renamed) };
}

async function updateRegisteredModel(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  modelRow(ctx, name);
  const row = await touchModel(ctx, name, { description: str(body, 'description') ?? null });
  return { registered_model: registeredModelJson(ctx, row) };
}

async function deleteRegisteredModel(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  const row = modelRow(ctx, name);
  const t = ctx.tables;
  await Promise.all([
    t.remove('registeredModels', row),
    t.remove('modelVersions', ...t.rows.modelVersions.owned(name)),
    t.remove('modelVersionTags', ...t.rows.modelVersionTags.owned(name)),
    t.remove('registeredModelTags', ...t.rows.registeredModelTags.owned(name)),
    t.remove('aliases', ...t.rows.aliases.owned(name)),
  ]);
  return {};
}

function sortRows(rows: Row[], order: readonly OrderBy[], value: (r: Row, o: OrderBy) => unknown): Row[] {
  return rows.sort((a, b) => {
    for (const o of order) {
      const c = compareValues(value(a, o), value(b, o), o.ascending);
      if (c !== 0) return c;
    }
    return 0;
  });
}

const TIME_COLUMN: Readonly<Record<string, string>> = {
  timestamp: 'creation_time',
  creation_timestamp: 'creation_time',
  last_updated_timestamp: 'last_updated_time',
};

function searchRegisteredModels(ctx: StoreContext, body: RequestBody) {
  const max = int(body, 'max_results') ?? 100;
  if (max < 1 || max > 1000) throw invalidParameter(`Invalid value ${max} for parameter 'max_results' supplied: must be between 1 and 1000`);
  const filter = parseFilter(REGISTERED_MODEL_GRAMMAR, str(body, 'filter') ?? '');
  const order = list(body, 'order_by').map((o) => parseOrderBy(REGISTERED_MODEL_GRAMMAR, String(o)));
  const value = (r: Row, c: { entity: string; key: string }) =>
    c.entity === 'tag' ? (ctx.tables.rows.registeredModelTags.get(String(r.name), c.key)?.value ?? undefined) : r[TIME_COLUMN[c.key] ?? c.key];
  const found = [...ctx.tables.rows.registeredModels.values()].filter((r) => filter.every((c) => matches(c, value(r, c))));
  sortRows(found, [...order, { entity: 'attribute', key: 'name', ascending: true }], value);
  const { items, next } = page(found, pageOffset(body), max);
  return { registered_models: items.map((r) => registeredModelJson(ctx, r)), ...(next ? { next_page_token: next } : {}) };
}

function getLatestVersions(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  modelRow(ctx, name);
  return { model_versions: latestVersions(ctx, name, list(body, 'stages').map(String)).map((v) => modelVersionJson(ctx, v)) };
}

async function createModelVersion(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  const source = str(body, 'source', true);
  modelRow(ctx, name);
  // A runs:/<id>/... source names its run even when run_id is not given.
  const runId = str(body, 'run_id') ?? /^runs:\/([^/]+)/.exec(source)?.[1];
  if (runId !== undefined) runRow(ctx, runId);
  const version = versionsOf(ctx, name).reduce((m, v) => Math.max(m, Number(v.version)), 0) + 1;
  const now = ctx.clock();
  const row: Row = {
    name,
    version,
    creation_time: now,
    last_updated_time: now,
    description: str(body, 'description') ?? null,
    user_id: null,
    current_stage: 'None',
    source,
    run_id: runId ?? null,
    run_link: str(body, 'run_link') ?? null,
    status: 'READY',
    status_message: null,
    storage_location: source,
  };
  const tags = keyValues(body, 'tags');
  await Promise.all([
    ctx.tables.put('modelVersions', row),
    tags.length ? ctx.tables.put('modelVersionTags', ...tags.map((t) => ({ name, version, key: t.key, value: t.value }))) : undefined,
    touchModel(ctx, name),
  ]);
  return { model_version: modelVersionJson(ctx, row) };
}

function getModelVersion(ctx: StoreContext, body: RequestBody) {
  return { model_version: modelVersionJson(ctx, versionRow(ctx, str(body, 'name', true), str(body, 'version', true))) };
}

async function updateModelVersion(ctx: StoreContext, body: RequestBody) {
  const row = versionRow(ctx, str(body, 'name', true), str(body, 'version', true));
  const next = { ...row, description: str(body, 'description') ?? null, last_updated_time: ctx.clock() };
  await ctx.tables.put('modelVersions', next);
  return { model_version: modelVersionJson(ctx, next) };
}

async function transitionStage(ctx: StoreContext, body: RequestBody) {
  const row = versionRow(ctx, str(body, 'name', true), str(body, 'version', true));
  const stage = canonicalStage(str(body, 'stage', true));
  const archive = body.archive_existing_versions === true || body.archive_existing_versions === 'true';
  const now = ctx.clock();
  const next = { ...row, current_stage: stage, last_updated_time: now };
  const others = archive && (stage === 'Staging' || stage === 'Production')
    ? versionsOf(ctx, String(row.name)).filter((v) => v.version !== row.version && v.current_stage === stage).map((v) => ({ ...v, current_stage: 'Archived', last_updated_time: now }))
    : [];
  await ctx.tables.put('modelVersions', next, ...others);
  return { model_version: modelVersionJson(ctx, next) };
}

async function deleteModelVersion(ctx: StoreContext, body: RequestBody) {
  const row = versionRow(ctx, str(body, 'name', true), str(body, 'version', true));
  const name = String(row.name);
  const t = ctx.tables;
  await Promise.all([
    t.remove('modelVersions', row),
    t.remove('modelVersionTags', ...t.rows.modelVersionTags.owned(name).filter((x) => x.version === row.version)),
    t.remove('aliases', ...t.rows.aliases.owned(name).filter((x) => x.version === row.version)),
  ]);
  return {};
}

const VERSION_COLUMN: Readonly<Record<string, string>> = { ...TIME_COLUMN, version_number: 'version', source_path: 'source' };

function searchModelVersions(ctx: StoreContext, body: RequestBody) {
  const max = int(body, 'max_results') ?? 10_000;
  if (max < 1 || max > 200_000) throw invalidParameter(`Invalid value ${max} for parameter 'max_results' supplied: must be between 1 and 200000`);
  const filter = parseFilter(MODEL_VERSION_GRAMMAR, str(body, 'filter') ?? '');
  const order = list(body, 'order_by').map((o) => parseOrderBy(MODEL_VERSION_GRAMMAR, String(o)));
  const value = (r: Row, c: { entity: string; key: string }) =>
    c.entity === 'tag'
      ? ctx.tables.rows.modelVersionTags.get(String(r.name), Number(r.version), c.key)?.value ?? undefined
      : r[VERSION_COLUMN[c.key] ?? c.key];
  const found = [...ctx.tables.rows.modelVersions.values()].filter((r) => filter.every((c) => matches(c, value(r, c))));
  sortRows(found, [...order, { entity: 'attribute', key: 'name', ascending: true }, { entity: 'attribute', key: 'version_number', ascending: false }], value);
  const { items, next } = page(found, pageOffset(body), max);
  return { model_versions: items.map((r) => modelVersionJson(ctx, r)), ...(next ? { next_page_token: next } : {}) };
}

/** Where a version's files are: its source, with a runs:/ URI resolved to the run's artifacts. */
export function versionArtifactUri(ctx: StoreContext, row: Row): string {
  const source = String(row.source);
  const m = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (!m) return source;
  const run = runRow(ctx, m[1]);
  return m[2] ? `${String(run.artifact_uri)}/${m[2]}` : String(run.artifact_uri);
}

function getDownloadUri(ctx: StoreContext, body: RequestBody) {
  return { artifact_uri: versionArtifactUri(ctx, versionRow(ctx, str(body, 'name', true), str(body, 'version', true))) };
}

async function setModelTag(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  modelRow(ctx, name);
  await ctx.tables.put('registeredModelTags', { name, key: str(body, 'key', true), value: str(body, 'value') ?? '' });
  return {};
}

async function deleteModelTag(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  const key = str(body, 'key', true);
  modelRow(ctx, name);
  const tag = ctx.tables.rows.registeredModelTags.get(name, key);
  if (!tag) throw notFound(`Registered model tag with name=${name}, key=${key} not found`);
  await ctx.tables.remove('registeredModelTags', tag);
  return {};
}

async function setVersionTag(ctx: StoreContext, body: RequestBody) {
  const row = versionRow(ctx, str(body, 'name', true), str(body, 'version', true));
  await ctx.tables.put('modelVersionTags', { name: row.name, version: row.version, key: str(body, 'key', true), value: str(body, 'value') ?? '' });
  return {};
}

async function deleteVersionTag(ctx: StoreContext, body: RequestBody) {
  const row = versionRow(ctx, str(body, 'name', true), str(body, 'version', true));
  const key = str(body, 'key', true);
  const tag = ctx.tables.rows.modelVersionTags.get(String(row.name), Number(row.version), key);
  if (!tag) throw notFound(`Model version tag with name=${String(row.name)}, version=${String(row.version)}, key=${key} not found`);
  await ctx.tables.remove('modelVersionTags', tag);
  return {};
}

function checkAlias(alias: string): void {
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw invalidParameter(`'${alias}' is reserved and cannot be used as an alias (not 'latest', nor v<number>).`);
  }
  if (!/^[\w-]+$/.test(alias) || alias.length > 255) throw invalidParameter(`Invalid alias '${alias}': letters, digits, '_' and '-' only`);
}

async function setAlias(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  const alias = str(body, 'alias', true);
  checkAlias(alias);
  const row = versionRow(ctx, name, str(body, 'version', true));
  await ctx.tables.put('aliases', { name, alias, version: row.version });
  return {};
}

async function deleteAlias(ctx: StoreContext, body: RequestBody) {
  const name = str(body, 'name', true);
  const alias = str(body, 'alias', true);
  modelRow(ctx, name);
  const row = ctx.tables.rows.aliases.get(name, alias);
  if (row) await ctx.tables.remove('aliases', row);
  return {};
}

/** The version an alias points at. */
export function versionByAlias(ctx: StoreContext, name: string, alias: string): Row {
  modelRow(ctx, name);
  const a = ctx.tables.rows.aliases.get(name, alias);
  if (!a) throw notFound(`Registered model alias ${alias} not found.`);
  return versionRow(ctx, name, Number(a.version));
}

function getByAlias(ctx: StoreContext, body: RequestBody) {
  return { model_version: modelVersionJson(ctx, versionByAlias(ctx, str(body, 'name', true), str(body, 'alias', true))) };
}

type Handler = (ctx: StoreContext, body: RequestBody) => unknown;
const r = (method: HttpMethod, path: string, handle: Handler) => ({ method, path, handle });

export const REGISTRY_ENDPOINTS: readonly { method: HttpMethod; path: string; handle: Handler }[] = [
  r('POST', 'registered-models/create', createRegisteredModel),
  r('GET', 'registered-models/get', getRegisteredModel),
  r('POST', 'registered-models/rename', renameRegisteredModel),
  r('PATCH', 'registered-models/update', updateRegisteredModel),
  r('DELETE', 'registered-models/delete', deleteRegisteredModel),
  r('GET', 'registered-models/search', searchRegisteredModels),
  r('POST', 'registered-models/get-latest-versions', getLatestVersions),
  r('GET', 'registered-models/get-latest-versions', getLatestVersions),
  r('POST', 'registered-models/set-tag', setModelTag),
  r('DELETE', 'registered-models/delete-tag', deleteModelTag),
  r('POST', 'registered-models/alias', setAlias),
  r('DELETE', 'registered-models/alias', deleteAlias),
  r('GET', 'registered-models/alias', getByAlias),
  r('POST', 'model-versions/create', createModelVersion),
  r('GET', 'model-versions/get', getModelVersion),
  r('PATCH', 'model-versions/update', updateModelVersion),
  r('DELETE', 'model-versions/delete', deleteModelVersion),
  r('GET', 'model-versions/search', searchModelVersions),
  r('GET', 'model-versions/get-download-uri', getDownloadUri),
  r('POST', 'model-versions/transition-stage', transitionStage),
  r('POST', 'model-versions/set-tag', setVersionTag),
  r('DELETE', 'model-versions/delete-tag', deleteVersionTag),
];
