import { duckDbHasTable, type SessionContext } from './context.js';
import { applyConf } from './session-conf.js';
import type { Statement, TableName } from '../parse/statements.js';
import { doneResult, rowsResult, type StatementResult } from './result.js';
import { runCreate } from './run-create.js';
import { describeDetail, describeHistory, showConf, type Listing } from './run-describe.js';
import { runDelete, runMerge, runUpdate, type WriteOutcome } from './run-dml.js';
import { runInsert } from './run-insert.js';
import { runInsertDirectory } from './run-insert-directory.js';
import { runAlter, runFsck, runOptimize, runRestore, runVacuum } from './run-maintenance.js';
import { runConvert, runDropTable, runRenameTable, runTruncate } from './run-drop.js';
import { describeColumn, describeTable, showColumns, showCreateTable, showPartitions, showTblProperties } from './run-show.js';
import { runAnalyze, runAnalyzeTables } from './run-analyze.js';
import { runCopyInto } from './run-copy-into.js';
import { runExtension } from './statement-extensions.js';
import { alterSchema, createSchema, describeCatalog, describeSchema, dropSchema, showCatalogs, showSchemas, showTables, use } from './run-catalog.js';

/** What a runner has to hand: the session and the ways a statement's result is made. */
export interface Run {
  readonly ctx: SessionContext;
  readonly base: { readonly statement: string; readonly number: number; readonly kind: Statement['kind'] };
  /** The statement as a DuckDB query (a statement about a table only DuckDB has, say). */
  query(): Promise<StatementResult>;
  /** Rows of a listing (SHOW, DESCRIBE). */
  listed(l: Listing): StatementResult;
  /** Rows and summary of a write that also reports rows (MERGE, OPTIMIZE, ...). */
  wrote(o: WriteOutcome): StatementResult;
  /** A statement without rows, its summary and the version it committed. */
  done(summary: string, version?: number): StatementResult;
}

type Runner<S extends Statement> = (r: Run, st: S) => Promise<StatementResult>;

/** A statement about a table named like one only DuckDB has (a TEMP table) is DuckDB's. */
async function isDuckDbs(ctx: SessionContext, t: TableName): Promise<boolean> {
  return t.kind === 'name' && !(await ctx.names.owns(t)) && (await duckDbHasTable(ctx, t.name));
}

/**
 * How each statement runs, by kind; a statement kind without a runner does not compile. A new
 * statement is its parser in parse/ and one entry here.
 */
export const RUNNERS: { readonly [K in Statement['kind']]: Runner<Extract<Statement, { kind: K }>> } = {
  query: (r) => r.query(),
  create: async (r, st) => {
    const o = await runCreate(r.ctx, st);
    return r.done(o.summary, o.version);
  },
  insert: async (r, st) => {
    if (await isDuckDbs(r.ctx, st.table)) return r.query();
    const o = await runInsert(r.ctx, st);
    return r.done(o.summary, o.version);
  },
  insertDirectory: async (r, st) => r.done((await runInsertDirectory(r.ctx, st, r.base.number)).summary),
  merge: async (r, st) => r.wrote(await runMerge(r.ctx, st)),
  copyInto: async (r, st) => r.wrote(await runCopyInto(r.ctx, st)),
  update: async (r, st) => r.wrote(await runUpdate(r.ctx, st)),
  delete: async (r, st) => r.wrote(await runDelete(r.ctx, st)),
  optimize: async (r, st) => r.wrote(await runOptimize(r.ctx, st)),
  vacuum: async (r, st) => r.wrote(await runVacuum(r.ctx, st)),
  restore: async (r, st) => r.wrote(await runRestore(r.ctx, st)),
  alterTable: async (r, st) => {
    const o = await runAlter(r.ctx, st);
    return r.done(o.summary, o.version);
  },
  describeHistory: async (r, st) => r.listed(await describeHistory(r.ctx, st.table, st.limit)),
  describeDetail: async (r, st) => r.listed(await describeDetail(r.ctx, st.table)),
  set: async (r, st) => {
    const { ctx } = r;
    if (st.key === undefined || st.value === undefined) return r.listed(showConf(ctx, st.key));
    await applyConf(ctx.c, st.key, st.value);
    ctx.conf.set(st.key, st.value);
    return r.done(`SET ${st.key} = ${st.value}`);
  },
  reset: async (r, st) => {
    for (const key of st.key !== undefined ? [st.key] : [...r.ctx.conf.keys()]) {
      r.ctx.conf.delete(key);
      await applyConf(r.ctx.c, key, undefined);
    }
    return r.done(st.key !== undefined ? `RESET ${st.key}` : 'RESET');
  },
  dropTable: async (r, st) => {
    // A DuckDB table (TEMP or in memory) of that name is DuckDB's to drop.
    if (await isDuckDbs(r.ctx, st.table)) return r.query();
    return r.done(await runDropTable(r.ctx, st.table, st.ifExists));
  },
  truncate: async (r, st) => {
    if (await isDuckDbs(r.ctx, st.table)) return r.query();
    const o = await runTruncate(r.ctx, st.table);
    return r.done(o.summary, o.version);
  },
  fsck: async (r, st) => r.wrote(await runFsck(r.ctx, st.table, st.dryRun)),
  convert: async (r, st) => {
    const o = await runConvert(r.ctx, st.table, st.partitionBy, st.noStatistics);
    return r.done(o.summary, o.version);
  },
  renameTable: async (r, st) => r.done(await runRenameTable(r.ctx, st.table, st.to)),
  describeTable: async (r, st) => {
    // `DESCRIBE name` of something only DuckDB has (a TEMP table, a view) is DuckDB's.
    if (st.table.kind === 'name' && !(await r.ctx.names.owns(st.table))) return r.query();
    return r.listed(st.column ? await describeColumn(r.ctx, st.table, st.column, st.extended) : await describeTable(r.ctx, st.table, st.extended));
  },
  showTblProperties: async (r, st) => r.listed(await showTblProperties(r.ctx, st.table, st.key)),
  showColumns: async (r, st) => r.listed(await showColumns(r.ctx, st.table)),
  showPartitions: async (r, st) => r.listed(await showPartitions(r.ctx, st.table)),
  showCreateTable: async (r, st) => r.listed(await showCreateTable(r.ctx, st.table)),
  createSchema: async (r, st) => r.done(await createSchema(r.ctx, st)),
  dropSchema: async (r, st) => {
    const summary = await dropSchema(r.ctx, st);
    await r.ctx.names.publish(r.ctx.c);
    return r.done(summary);
  },
  alterSchema: async (r, st) => r.done(await alterSchema(r.ctx, st)),
  use: async (r, st) => {
    const summary = await use(r.ctx, st);
    await r.ctx.names.publish(r.ctx.c);
    return r.done(summary);
  },
  showCatalogs: async (r, st) => r.listed(showCatalogs(r.ctx, st.like)),
  showSchemas: async (r, st) => r.listed(await showSchemas(r.ctx, st)),
  showTables: async (r, st) => r.listed(await showTables(r.ctx, st)),
  describeSchema: async (r, st) => r.listed(await describeSchema(r.ctx, st)),
  describeCatalog: async (r, st) => r.listed(describeCatalog(r.ctx, st)),
  analyze: async (r, st) => {
    const o = await runAnalyze(r.ctx, st);
    return r.done(o.summary, o.version);
  },
  analyzeTables: async (r, st) => r.done(await runAnalyzeTables(r.ctx, st)),
  extension: async (r, st) => {
    const o = await runExtension(st.extension, st.text, r.ctx.lake, r.base.number);
    return r.done(o.summary, o.version);
  },
};

/** Runs a parsed statement with its runner. */
export function runStatement(r: Run, st: Statement): Promise<StatementResult> {
  return (RUNNERS[st.kind] as Runner<Statement>)(r, st);
}

/** The result makers of a Run, for a statement that started at `started` (performance.now()). */
export function results(base: Run['base'], started: number): Pick<Run, 'listed' | 'wrote' | 'done'> {
  const elapsedMs = () => Math.round(performance.now() - started);
  return {
    listed: (l) => rowsResult(base, l.columns, l.rows, { elapsedMs: elapsedMs(), scans: [] }),
    wrote: (o) => rowsResult(base, o.columns, o.rows, { elapsedMs: elapsedMs(), scans: o.scans }, { summary: o.summary, ...(o.version !== undefined ? { version: o.version } : {}) }),
    done: (summary, version) => doneResult(base, summary, version),
  };
}
