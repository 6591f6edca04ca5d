import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine } from '@loch/delta';
import { connect, sqlIdent, sqlString } from '@loch/engine-node';
import { duckDbHasTable, type SessionContext } from './context.js';
import { inStatement, sqlError, unsupported } from './errors.js';
import type { LakeCatalog } from './lake-catalog.js';
import { significant, splitStatements, tokenize, type StatementText } from './lexer.js';
import { doneResult, rowsResult, type StatementResult } from './result.js';
import { runCreate } from './run-create.js';
import { describeDetail, describeHistory, showConf, showTables, type Listing } from './run-describe.js';
import { runInsert } from './run-insert.js';
import { runQuery } from './run-query.js';
import { ScanViews } from './scan-views.js';
import { parseStatement, type Statement } from './statements.js';

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
    return new SqlSession({
      c,
      views: new ScanViews(c, options.lake, options.engine),
      lake: options.lake,
      conf: new Map(Object.entries(options.conf ?? {})),
    });
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

  async execute(st: StatementText, several = false): Promise<StatementResult> {
    const started = performance.now();
    try {
      const parsed = parseStatement(st.text);
      return await this.dispatch(parsed, { statement: st.text, number: st.number, kind: parsed.kind }, started);
    } catch (e) {
      throw inStatement(e, st.number, several);
    }
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
      case 'describeHistory':
        return listed(await describeHistory(ctx, st.table, st.limit));
      case 'describeDetail':
        return listed(await describeDetail(ctx, st.table));
      case 'showTables':
        return listed(await showTables(ctx));
      case 'set':
        if (st.key === undefined || st.value === undefined) return listed(showConf(ctx, st.key));
        ctx.conf.set(st.key, st.value);
        await mirrorVariable(ctx.c, st.key, st.value);
        return doneResult(base, `SET ${st.key} = ${st.value}`);
      case 'reset':
        for (const key of st.key !== undefined ? [st.key] : [...ctx.conf.keys()]) {
          ctx.conf.delete(key);
          await mirrorVariable(ctx.c, key, undefined);
        }
        return doneResult(base, st.key !== undefined ? `RESET ${st.key}` : 'RESET');
      case 'dropTable':
        if (st.table.kind === 'path' || ctx.lake.has(st.table.name)) throw unsupported('DROP TABLE on a Delta table');
        return this.query({ ...base, kind: 'query' }, started);
      case 'query':
        return this.query(base, started);
    }
  }

  private async query(base: Base, started: number): Promise<StatementResult> {
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

const elapsed = (started: number) => Math.round(performance.now() - started);

/**
 * Conf is also a DuckDB variable, so later statements can read it in SQL:
 * `SELECT getvariable('spark.sql.shuffle.partitions')`.
 */
async function mirrorVariable(c: DuckDBConnection, key: string, value: string | undefined): Promise<void> {
  await c.run(value === undefined ? `RESET VARIABLE ${sqlIdent(key)}` : `SET VARIABLE ${sqlIdent(key)} = ${sqlString(value)}`);
}
