import { extendSqlStatements, tableUrl, tokenize, type Lakehouse, type SqlStatementOutcome } from '@loch/lakehouse';
import { join } from 'node:path';
import { streamingError } from '../errors.js';
import type { DatasetDef } from './definition.js';
import { checkpointDirOf } from './flow.js';
import { Pipeline, progressLine, resetStreamingTable, type DatasetUpdate } from './pipeline.js';
import { TokenCursor } from './tokens.js';

/**
 * Databricks SQL's streaming tables and materialized views as statements of `lake.sql` and
 * `loch sql`: `CREATE [OR REFRESH] STREAMING TABLE`, `CREATE [OR REPLACE | OR REFRESH]
 * MATERIALIZED VIEW`, `REFRESH STREAMING TABLE | MATERIALIZED VIEW name [FULL]`. A CREATE keeps
 * the statement beside the table (`_pipelines/definitions/`), so a later REFRESH, in another
 * process, runs the same query; each update is the one `loch pipeline run` makes of that table
 * (checkpoint under `_pipelines/checkpoints/`, what is new read exactly once, then it returns).
 */
export function installSqlStatements(): void {
  extendSqlStatements({
    name: 'streaming tables and materialized views',
    leading: [
      ['CREATE', 'STREAMING', 'TABLE'],
      ['CREATE', 'OR', 'REFRESH', 'STREAMING', 'TABLE'],
      ['CREATE', 'MATERIALIZED', 'VIEW'],
      ['CREATE', 'OR', 'REPLACE', 'MATERIALIZED', 'VIEW'],
      ['CREATE', 'OR', 'REFRESH', 'MATERIALIZED', 'VIEW'],
      ['REFRESH', 'STREAMING', 'TABLE'],
      ['REFRESH', 'MATERIALIZED', 'VIEW'],
    ],
    run: (text, { lake, number }) => runStatement(lake, text, `statement ${number}`),
  });
}

type Parsed =
  | { readonly kind: 'create'; readonly orRefresh: boolean; readonly ifNotExists: boolean }
  | { readonly kind: 'refresh'; readonly name: string; readonly dataset: 'streaming table' | 'materialized view'; readonly full: boolean };

function parseHead(text: string, where: string): Parsed {
  const c = new TokenCursor(tokenize(text, 'spark').filter((t) => t.kind !== 'space' && t.kind !== 'comment'), where);
  if (c.words('REFRESH')) {
    const dataset = c.words('STREAMING', 'TABLE') ? 'streaming table' : (c.expectWords('MATERIALIZED', 'VIEW'), 'materialized view');
    const name = c.name('the table name');
    const full = c.words('FULL');
    if (!c.atEnd()) c.fail(`expected the end of REFRESH ${dataset.toUpperCase()}`);
    return { kind: 'refresh', name, dataset, full };
  }
  c.expectWords('CREATE');
  const orRefresh = c.words('OR', 'REFRESH') || c.words('OR', 'REPLACE');
  if (!c.words('STREAMING', 'TABLE')) c.expectWords('MATERIALIZED', 'VIEW');
  return { kind: 'create', orRefresh, ifNotExists: c.words('IF', 'NOT', 'EXISTS') };
}

/** Where a dataset's defining statement is kept: beside its checkpoint, outside it (a full refresh forgets the checkpoint, not the definition). */
function definitionUrl(lake: Lakehouse, name: string): string {
  const dir = tableUrl(join(lake.dir, '_pipelines', 'definitions'));
  return `${dir.endsWith('/') ? dir : `${dir}/`}${name.toLowerCase().replace(/[^a-z0-9_.-]/g, '_')}.sql`;
}

async function readDefinition(lake: Lakehouse, name: string): Promise<string | undefined> {
  const url = definitionUrl(lake, name);
  if (!(await lake.engine.storage.exists(url))) return undefined;
  return new TextDecoder().decode(await lake.engine.storage.read(url));
}

/** Whether the table is not there (DROP TABLE, or never written); a table that cannot be read for another reason is there. */
async function tableAbsent(lake: Lakehouse, name: string): Promise<boolean> {
  try {
    await lake.table(name).snapshot();
    return false;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'DELTA_TABLE_NOT_FOUND') return true;
    throw e;
  }
}

/** A streaming table's checkpoint without its table is left from a table dropped before: its input is read again from the start. */
async function forgetCheckpoint(lake: Lakehouse, d: DatasetDef): Promise<void> {
  if (d.kind === 'streamingTable') await lake.engine.storage.deletePrefix(tableUrl(checkpointDirOf(lake, d.name)));
}

/** One dataset defined by `text`, as a one-table pipeline whose messages name the statement. */
function datasetOf(text: string, where: string): { pipe: Pipeline; d: DatasetDef } {
  const pipe = Pipeline.fromText(text, where, { name: 'sql' });
  return { pipe, d: pipe.def.datasets[0] };
}

async function runStatement(lake: Lakehouse, text: string, where: string): Promise<SqlStatementOutcome> {
  const head = parseHead(text, where);
  if (head.kind === 'refresh') return refresh(lake, head, where);
  const { pipe, d } = datasetOf(text, where);
  const absent = await tableAbsent(lake, d.name);
  if (!absent && !head.orRefresh) {
    if (head.ifNotExists) return { summary: `${kindOf(d)} ${d.name} already exists` };
    throw streamingError('PIPELINE_DATASET_EXISTS', `${where}: table ${d.name} already exists; write CREATE OR REFRESH to update it, or REFRESH ${kindOf(d).toUpperCase()} ${d.name}`);
  }
  if (absent) await forgetCheckpoint(lake, d);
  await lake.engine.storage.put(definitionUrl(lake, d.name), new TextEncoder().encode(text.trim()));
  return outcome(await pipe.updateDataset(lake, d));
}

async function refresh(lake: Lakehouse, head: Extract<Parsed, { kind: 'refresh' }>, where: string): Promise<SqlStatementOutcome> {
  const text = await readDefinition(lake, head.name);
  if (text === undefined) {
    throw streamingError('PIPELINE_DATASET_NOT_FOUND', `${where}: ${head.name} is not a ${head.dataset} of lake ${lake.dir} (no definition under _pipelines/definitions; create it with CREATE OR REFRESH ${head.dataset.toUpperCase()} ${head.name} AS SELECT ...)`);
  }
  const { pipe, d } = datasetOf(text, `${where} (REFRESH ${head.name})`);
  if (kindOf(d) !== head.dataset) throw streamingError('PIPELINE_DATASET_NOT_FOUND', `${where}: ${head.name} is a ${kindOf(d)}, not a ${head.dataset}`);
  if (head.full && d.kind === 'streamingTable') await resetStreamingTable(lake, d);
  else if (await tableAbsent(lake, d.name)) await forgetCheckpoint(lake, d);
  return outcome(await pipe.updateDataset(lake, d));
}

const kindOf = (d: DatasetDef) => (d.kind === 'streamingTable' ? 'streaming table' : 'materialized view');

function outcome(u: DatasetUpdate): SqlStatementOutcome {
  return { summary: progressLine('sql', u).replace(/^\[sql\] /, ''), ...(u.version !== undefined ? { version: u.version } : {}) };
}
