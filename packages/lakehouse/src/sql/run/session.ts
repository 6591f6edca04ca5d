import type { DataType, Engine } from '@loch/delta';
import { connect } from '@loch/engine-node';
import { duckDbHasTable, type SessionContext } from './context.js';
import { inStatement, sqlError } from '../errors.js';
import type { LakeCatalog } from './lake-catalog.js';
import { isIdent, isPunct, isWord, significant, splitStatements, tokenize, type StatementText } from '../parse/lexer.js';
import { doneResult, rowsResult, type StatementResult } from './result.js';
import { runCreate } from './run-create.js';
import { describeDetail, describeHistory, showConf, showTables, type Listing } from './run-describe.js';
import { Cursor } from '../parse/cursor.js';
import { runDelete, runMerge, runUpdate, type WriteOutcome } from './run-dml.js';
import { runInsert } from './run-insert.js';
import { runAlter, runFsck, runOptimize, runRestore, runVacuum } from './run-maintenance.js';
import { runConvert, runDropTable, runRenameTable, runTruncate } from './run-drop.js';
import { runQuery } from './run-query.js';
import { applyConf } from './session-conf.js';
import { describeTable, showColumns, showCreateTable, showPartitions, showTblProperties } from './run-show.js';
import { translateSparkFunctions } from '../rewrite/translate.js';
import { ScanViews, type PreparedQuery } from '../plan/scan-views.js';
import type { Row } from '../../scan/execute.js';
import { parseStatement, type Statement } from '../parse/statements.js';

export interface SqlSessionOptions {
  readonly lake: LakeCatalog;
  readonly engine?: Engine;
  /** Initial session conf (what `SET key = value` sets). */
  readonly conf?: Readonly<Record<string, string>>;
}

type Base = { statement: string; number: number; kind: Statement['kind'] };

/**
 * One SQL session: a DuckDB connection, the views over the snapshots its statements read, and
 * its conf. Delta/Spark statements run here; everything else goes to DuckDB with its Delta table
 * references replaced by views.
 */
export class SqlSession {
  private constructor(private readonly ctx: SessionContext) {}

  static async open(options: SqlSessionOptions): Promise<SqlSession> {
    const c = await connect();
    const conf = new Map(Object.entries(options.conf ?? {}));
    try {
      for (const [key, value] of conf) await applyConf(c, key, value);
    } catch (e) {
      c.closeSync();
      throw e;
    }
    return new SqlSession({ c, views: new ScanViews(c, options.lake, options.engine, conf), lake: options.lake, conf });
  }

  get conf(): ReadonlyMap<string, string> {
    return this.ctx.conf;
  }

  /** Runs the `;`-separated statements of `text` in order, yielding each one's result as it completes. */
  async *run(text: string): AsyncGenerator<StatementResult> {
    const statements = splitStatements(text);
    if (statements.length === 0) throw sqlError('no statement to run');
    for (const st of statements) yield await this.execute(st, statements.length > 1);
  }

  async execute(given: StatementText, several = false): Promise<StatementResult> {
    try {
      return await this.executeText(given, performance.now());
    } catch (e) {
      throw inStatement(e, given.number, several);
    }
  }

  private async executeText(given: StatementText, started: number): Promise<StatementResult> {
    // Spark functions DuckDB lacks or runs differently, in every statement (queries, DML
    // conditions and assignments, DataFrame expressions).
    const st = { ...given, text: translateSparkFunctions(given.text) };
    // UPDATE, DELETE, MERGE and ALTER TABLE of a DuckDB table (a TEMP table, say) are DuckDB's, in DuckDB's syntax.
    const written = writeTarget(st.text);
    if (written && (written.kind === 'qualified' || !this.ctx.lake.has(written.name)) && (await duckDbHasTable(this.ctx, written.name))) {
      return await this.query({ statement: st.text, number: st.number, kind: 'query' }, started);
    }
    const parsed = parseStatement(st.text);
    return await this.dispatch(parsed, { statement: st.text, number: st.number, kind: parsed.kind }, started);
  }

  async close(): Promise<void> {
    try {
      await this.ctx.views.close();
    } finally {
      this.ctx.c.closeSync();
    }
  }

  private async dispatch(st: Statement, base: Base, started: number): Promise<StatementResult> {
    const { ctx } = this;
    const listed = (l: Listing) => rowsResult(base, l.columns, l.rows, { elapsedMs: elapsed(started), scans: [] });
    const wrote = (o: WriteOutcome) =>
      rowsResult(base, o.columns, o.rows, { elapsedMs: elapsed(started), scans: o.scans }, { summary: o.summary, ...(o.version !== undefined ? { version: o.version } : {}) });
    switch (st.kind) {
      case 'create': {
        const o = await runCreate(ctx, st);
        return doneResult(base, o.summary, o.version);
      }
      case 'insert': {
        if (st.table.kind === 'name' && !ctx.lake.has(st.table.name) && (await duckDbHasTable(ctx, st.table.name))) return this.query({ ...base, kind: 'query' }, started);
        const o = await runInsert(ctx, st);
        return doneResult(base, o.summary, o.version);
      }
      case 'merge':
        return wrote(await runMerge(ctx, st));
      case 'update':
        return wrote(await runUpdate(ctx, st));
      case 'delete':
        return wrote(await runDelete(ctx, st));
      case 'optimize':
        return wrote(await runOptimize(ctx, st));
      case 'vacuum':
        return wrote(await runVacuum(ctx, st));
      case 'restore':
        return wrote(await runRestore(ctx, st));
      case 'alterTable': {
        const o = await runAlter(ctx, st);
        return doneResult(base, o.summary, o.version);
      }
      case 'describeHistory':
        return listed(await describeHistory(ctx, st.table, st.limit));
      case 'describeDetail':
        return listed(await describeDetail(ctx, st.table));
      case 'showTables':
        return listed(await showTables(ctx));
      case 'set': {
        if (st.key === undefined || st.value === undefined) return listed(showConf(ctx, st.key));
        await applyConf(ctx.c, st.key, st.value);
        ctx.conf.set(st.key, st.value);
        return doneResult(base, `SET ${st.key} = ${st.value}`);
      }
      case 'reset':
        for (const key of st.key !== undefined ? [st.key] : [...ctx.conf.keys()]) {
          ctx.conf.delete(key);
          await applyConf(ctx.c, key, undefined);
        }
        return doneResult(base, st.key !== undefined ? `RESET ${st.key}` : 'RESET');
      case 'dropTable':
        // A DuckDB table (TEMP or in memory) of that name is DuckDB's to drop.
        if (st.table.kind === 'name' && !ctx.lake.has(st.table.name) && (await duckDbHasTable(ctx, st.table.name))) return this.query({ ...base, kind: 'query' }, started);
        return doneResult(base, await runDropTable(ctx, st.table, st.ifExists));
      case 'truncate': {
        if (st.table.kind === 'name' && !ctx.lake.has(st.table.name) && (await duckDbHasTable(ctx, st.table.name))) return this.query({ ...base, kind: 'query' }, started);
        const o = await runTruncate(ctx, st.table);
        return doneResult(base, o.summary, o.version);
      }
      case 'fsck':
        return wrote(await runFsck(ctx, st.table, st.dryRun));
      case 'convert': {
        const o = await runConvert(ctx, st.table, st.partitionBy, st.noStatistics);
        return doneResult(base, o.summary, o.version);
      }
      case 'renameTable':
        return doneResult(base, await runRenameTable(ctx, st.table, st.to));
      case 'describeTable':
        // `DESCRIBE name` of something only DuckDB has (a TEMP table, a view) is DuckDB's.
        if (st.table.kind === 'name' && !ctx.lake.has(st.table.name)) return this.query({ ...base, kind: 'query' }, started);
        return listed(await describeTable(ctx, st.table, st.extended));
      case 'showTblProperties':
        return listed(await showTblProperties(ctx, st.table, st.key));
      case 'showColumns':
        return listed(await showColumns(ctx, st.table));
      case 'showPartitions':
        return listed(await showPartitions(ctx, st.table));
      case 'showCreateTable':
        return listed(await showCreateTable(ctx, st.table));
      case 'query':
        return this.query(base, started);
    }
  }

  private async explain(base: Base, inner: string, started: number): Promise<StatementResult> {
    const q = await this.ctx.views.prepare(inner);
    const out = await runQuery(this.ctx.c, { ...q, sql: `EXPLAIN ${q.sql}` }, (m) => this.ctx.views.rename(m));
    const duck = out.kind === 'rows' ? out.rows.map((r) => ({ explain_key: String(Object.values(r)[0] ?? ''), explain_value: this.ctx.views.rename(String(Object.values(r)[1] ?? '')) })) : [];
    const string: DataType = { kind: 'primitive', name: 'string' } as DataType;
    return rowsResult(base, [{ name: 'explain_key', deltaType: string }, { name: 'explain_value', deltaType: string }], [...explainRows(q), ...duck], { elapsedMs: elapsed(started), scans: q.scans });
  }

  private async query(base: Base, started: number): Promise<StatementResult> {
    // Spark's EXPLAIN modes (EXTENDED, CODEGEN, COST, FORMATTED) all show Loch's pruning and DuckDB's plan.
    const explain = /^\s*EXPLAIN\s+((FORMATTED|EXTENDED|CODEGEN|COST)\s+)?(?!ANALY[SZ]E\b)/i.exec(base.statement);
    if (explain) return this.explain(base, base.statement.slice(explain[0].length), started);
    const q = await this.ctx.views.prepare(base.statement);
    const out = await runQuery(this.ctx.c, q, (m) => this.ctx.views.rename(m));
    if (out.kind === 'rows') return rowsResult(base, out.columns, out.rows, { elapsedMs: elapsed(started), scans: q.scans });
    const words: string[] = [];
    for (const t of significant(tokenize(base.statement))) {
      if (t.kind !== 'word' || words.length === 2) break;
      words.push(t.text.toUpperCase());
    }
    const what = words.join(' ') || 'statement';
    return doneResult(base, out.kind === 'changed' ? `${what}: ${out.count} row${out.count === 1 ? '' : 's'}` : `${what}: ok`);
  }
}

/** Rows of `EXPLAIN [FORMATTED] <query>`: per Delta scan, its files and what pruned them, then DuckDB's plan. */
function explainRows(q: PreparedQuery): Row[] {
  const rows: Row[] = q.hints.length > 0 ? [{ explain_key: 'hints', explain_value: q.hints.join('\n') }] : [];
  for (const s of q.explains) {
    const lines = [
      `DeltaScan ${s.table} (version ${s.version})`,
      `  files: ${s.filesScanned} of ${s.filesTotal} read (pruned: ${s.filesPrunedByPartition} by partition values, ${s.filesPrunedByStats} by stats, ${s.filesPrunedByDynamicFilter} by dynamic filter)`,
      `  static filter: ${s.staticPredicate ?? 'none'}`,
      ...(s.dynamicPredicates.length > 0 ? s.dynamicPredicates.map((p) => `  dynamic file pruning: ${p}`) : ['  dynamic file pruning: none']),
    ];
    rows.push({ explain_key: 'delta_scan', explain_value: lines.join('\n') });
  }
  return rows;
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/**
 * The table an UPDATE, DELETE FROM, MERGE INTO or ALTER TABLE writes to, when the text names it
 * by name: unqualified (a lake table or DuckDB's), or qualified by a schema (`main.t`, only DuckDB's).
 */
function writeTarget(text: string): { kind: 'name' | 'qualified'; name: string } | undefined {
  const c = new Cursor(text);
  if (c.words('UPDATE')) {
    if (c.isWords('EXTENSIONS')) return undefined;
  } else if (c.words('MERGE')) {
    c.words('WITH', 'SCHEMA', 'EVOLUTION');
    if (!c.words('INTO')) return undefined;
  } else if (!c.words('DELETE', 'FROM') && !c.words('ALTER', 'TABLE')) return undefined;
  if (isIdent(c.peek()) && isPunct(c.peek(1), '.') && isIdent(c.peek(2)) && !(isWord(c.peek(), 'delta') && c.peek(2)!.kind === 'quoted')) {
    let k = 2;
    while (isPunct(c.peek(k + 1), '.') && isIdent(c.peek(k + 2))) k += 2;
    return { kind: 'qualified', name: c.peek(k)!.value };
  }
  const t = c.peek();
  return isIdent(t) ? { kind: 'name', name: t!.value } : undefined;
}
