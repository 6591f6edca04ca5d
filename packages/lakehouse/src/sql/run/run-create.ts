import { deltaError, type Snapshot } from '@loch/delta';
import { resolve } from 'node:path';
import { sqlIdent } from '@loch/engine-node';
import { cloneTable } from '../../ops/clone.js';
import { createTable } from '../../ops/create.js';
import { duckType } from '../../values/duck-types.js';
import { latestSnapshotOrUndefined } from '../../ops/write.js';
import { describeQuery, type SessionContext } from './context.js';
import { sqlError } from '../errors.js';
import { runCreateSource } from './run-create-source.js';
import type { CreateStatement } from '../parse/statements.js';
import type { TableTarget } from '../plan/scan-views.js';

export interface CreateOutcome {
  readonly summary: string;
  readonly version?: number;
}

/** CREATE TABLE with columns, CREATE TABLE ... AS SELECT, or CREATE TABLE name LOCATION of an existing table. */
export async function runCreate(ctx: SessionContext, st: CreateStatement): Promise<CreateOutcome> {
  if (st.source) return runCreateSource(ctx, st);
  const { target, register } = await createTarget(ctx, st);
  const label = `${st.replace === 'only' ? 'REPLACE' : st.replace === 'orCreate' ? 'CREATE OR REPLACE' : 'CREATE'} TABLE ${target.display}`;
  let outcome: CreateOutcome;
  const existing = st.replace ? await latestSnapshotOrUndefined(target.table.engine, target.url) : undefined;
  if (st.replace === 'only' && !existing) throw deltaError('DELTA_TABLE_NOT_FOUND', `${label}: there is no table to replace`);
  if (st.clone) outcome = await cloneInto(ctx, st, target, label);
  else if (st.like) outcome = await createLike(ctx, st, target, label, existing);
  else if (existing) outcome = await replaceTable(ctx, st, target, label, existing);
  else if (st.query !== undefined) outcome = await createAsSelect(ctx, st, target, label);
  else if (st.columns) {
    const columns = st.columns;
    const result = await createTable(target.table.engine, target.url, target.table.name, {
      schema: { kind: 'struct', fields: columns },
      partitionBy: partitionNames(st.partitionBy, columns.map((f) => f.name), target.display),
      configuration: st.properties,
      ...(st.comment !== undefined ? { description: st.comment } : {}),
      ifNotExists: st.ifNotExists,
    });
    outcome = { summary: result.created ? `${label}: version ${result.version}` : `${label}: exists (version ${result.version})`, version: result.version };
  } else {
    if (st.location === undefined) throw sqlError(`${label} needs columns, AS SELECT, or the LOCATION of an existing table`);
    const snapshot = await target.table.snapshot();
    outcome = { summary: `${label}: registered ${target.location} (version ${snapshot.version})`, version: snapshot.version };
  }
  if (register && st.table.kind === 'name') await ctx.names.lake.register(ctx.names.resolve(st.table), target.location);
  return outcome;
}

/** Where the table goes; `register` when a lake name must remember a LOCATION outside the lake. */
async function createTarget(ctx: SessionContext, st: CreateStatement): Promise<{ target: TableTarget; register: boolean }> {
  const named = await ctx.views.target(st.table);
  if (st.location === undefined) return { target: named, register: false };
  const at = await ctx.views.target({ kind: 'path', path: st.location });
  const same = resolve(at.location) === resolve(named.location);
  if (st.table.kind === 'path') {
    if (!same) throw sqlError(`CREATE TABLE delta.\`${st.table.path}\` cannot also have LOCATION '${st.location}'`);
    return { target: named, register: false };
  }
  if (!same && (await ctx.names.has(st.table))) {
    if (st.ifNotExists) return { target: named, register: false };
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${named.display} already exists at ${named.location}`);
  }
  return { target: { ...at, display: st.table.name }, register: !same };
}

async function createAsSelect(ctx: SessionContext, st: CreateStatement, target: TableTarget, label: string): Promise<CreateOutcome> {
  if (st.ifNotExists) {
    const existing = await latestSnapshotOrUndefined(target.table.engine, target.url);
    if (existing) return { summary: `${label}: exists (version ${existing.version})`, version: existing.version };
  }
  const q = await ctx.views.prepare(st.query!);
  const { names } = await describeQuery(ctx, q.sql);
  const partitionBy = partitionNames(st.partitionBy, names, target.display);
  const shared = await ctx.views.shareable(q.sql);
  let result;
  try {
    result = await target.table.write(shared.sql, {
      mode: st.ifNotExists ? 'ignore' : 'errorIfExists',
      partitionBy,
      configuration: st.properties,
      ...(st.comment !== undefined ? { description: st.comment } : {}),
      operation: 'CREATE TABLE AS SELECT',
      operationParameters: {
        isManaged: 'false',
        ...(st.comment !== undefined ? { description: st.comment } : {}),
        partitionBy: JSON.stringify(partitionBy),
        properties: JSON.stringify(st.properties),
      },
    });
  } finally {
    await shared.release();
  }
  if (result.kind === 'committed') return { summary: `${label}: ${rowCount(result.metrics.numOutputRows ?? 0)} (version ${result.version})`, version: result.version };
  if (result.kind === 'ignored') return { summary: `${label}: exists (version ${result.version})`, version: result.version };
  throw sqlError(`${label}: the write was skipped`);
}

/** CREATE [OR REPLACE] TABLE t [SHALLOW | DEEP] CLONE source: see ops/clone.ts. */
async function cloneInto(ctx: SessionContext, st: CreateStatement, target: TableTarget, label: string): Promise<CreateOutcome> {
  const clone = st.clone!;
  const source = await ctx.views.target(clone.source);
  const r = await cloneTable(target.table.engine, source.url, target.url, target.display, {
    deep: clone.deep,
    ...(clone.version !== undefined ? { version: clone.version } : {}),
    ...(clone.timestamp !== undefined ? { timestamp: clone.timestamp } : {}),
    configuration: st.properties,
    replace: st.replace !== undefined,
    ifNotExists: st.ifNotExists,
  });
  if (!r.cloned) return { summary: `${label}: exists (version ${r.version})`, version: r.version };
  return { summary: `${label}: ${clone.deep ? 'deep' : 'shallow'} clone of ${source.display}, ${r.metrics.sourceNumOfFiles} files${clone.deep ? ' copied' : ''} (version ${r.version})`, version: r.version };
}

/** CREATE TABLE t LIKE source: the source's columns, partitioning, comment and properties; no rows. */
async function createLike(ctx: SessionContext, st: CreateStatement, target: TableTarget, label: string, existing: Snapshot | undefined): Promise<CreateOutcome> {
  const source = await (await ctx.views.target(st.like!)).table.snapshot();
  if (st.replace && existing) {
    // CREATE OR REPLACE ... LIKE: the replace path with the source's definition and no rows.
    const like = { ...st, like: undefined, columns: source.schema.fields, partitionBy: st.partitionBy.length > 0 ? st.partitionBy : source.partitionColumns, properties: { ...source.metadata.configuration, ...st.properties } };
    return replaceTable(ctx, like, target, label, existing);
  }
  const result = await createTable(target.table.engine, target.url, target.table.name, {
    schema: source.schema,
    partitionBy: source.partitionColumns,
    configuration: { ...source.metadata.configuration, ...st.properties },
    ...(typeof (st.comment ?? source.metadata.description) === 'string' ? { description: (st.comment ?? source.metadata.description)! } : {}),
    ifNotExists: st.ifNotExists,
  });
  return { summary: result.created ? `${label}: version ${result.version}` : `${label}: exists (version ${result.version})`, version: result.version };
}

/**
 * CREATE OR REPLACE / REPLACE TABLE of an existing table: one commit that removes every file and
 * writes the new schema, partitioning, properties and (AS SELECT) rows. The table keeps its id and
 * history, as in Delta: readers of older versions still see the old table.
 */
async function replaceTable(ctx: SessionContext, st: CreateStatement, target: TableTarget, label: string, existing: Snapshot): Promise<CreateOutcome> {
  let data: string;
  let names: readonly string[];
  let release = async () => undefined as void;
  if (st.query !== undefined) {
    const q = await ctx.views.prepare(st.query);
    names = (await describeQuery(ctx, q.sql)).names;
    const shared = await ctx.views.shareable(q.sql);
    data = shared.sql;
    release = shared.release;
  } else if (st.columns) {
    names = st.columns.map((f) => f.name);
    data = `SELECT ${st.columns.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')} WHERE false`;
  } else {
    throw sqlError(`${label} needs columns or AS SELECT`);
  }
  const partitionBy = partitionNames(st.partitionBy, names, target.display);
  const operation = st.query !== undefined ? `${st.replace === 'only' ? 'REPLACE' : 'CREATE OR REPLACE'} TABLE AS SELECT` : `${st.replace === 'only' ? 'REPLACE' : 'CREATE OR REPLACE'} TABLE`;
  let result;
  try {
    result = await target.table.write(data, {
      mode: 'overwrite',
      overwriteSchema: true,
      ...(st.columns ? { schema: { kind: 'struct', fields: st.columns } } : {}),
      partitionBy,
      configuration: st.properties,
      ...(st.comment !== undefined ? { description: st.comment } : {}),
      operation,
      // The table found to replace: a writer that commits meanwhile conflicts rather than being lost.
      snapshot: existing,
      operationParameters: {
        isManaged: String(st.location === undefined && st.table.kind === 'name'),
        ...(st.comment !== undefined ? { description: st.comment } : {}),
        partitionBy: JSON.stringify(partitionBy),
        properties: JSON.stringify(st.properties),
      },
    });
  } finally {
    await release();
  }
  if (result.kind !== 'committed') throw sqlError(`${label}: the write was skipped`);
  const rows = st.query !== undefined ? `${rowCount(result.metrics.numOutputRows ?? 0)} ` : '';
  return { summary: `${label}: replaced, ${rows}(version ${result.version})`, version: result.version };
}

/** PARTITIONED BY names matched to the columns case-insensitively, as Spark resolves them. */
function partitionNames(wanted: readonly string[], columns: readonly string[], table: string): string[] {
  return wanted.map((p) => {
    const found = columns.find((c) => c === p) ?? columns.find((c) => c.toLowerCase() === p.toLowerCase());
    if (found === undefined) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table}: partition column '${p}' is not among the columns (${columns.join(', ')})`);
    return found;
  });
}

const rowCount = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
