import type { DataType, Engine } from '@loch/delta';
import { connect } from '@loch/engine-node';
import { duckDbHasSchema, duckDbHasTable, type SessionContext } from './context.js';
import { inStatement, sqlError, SqlError, type SqlErrorCode } from '../errors.js';
import type { LakeCatalog } from './lake-catalog.js';
import { SessionNamespace } from './namespace.js';
import { results, runStatement } from './runners.js';
import { nameOf, parseColumnPath, type TableName } from '../parse/parse-common.js';
import { isIdent, isPunct, isWord, significant, splitStatements, tokenize, type StatementText } from '../parse/lexer.js';
import { doneResult, rowsResult, streamedResult, type StatementResult } from './result.js';
import { Cursor } from '../parse/cursor.js';
import { duckDbFailure, runQuery, streamQuery } from './run-query.js';
import { applyConf, confStatement, needsMoreThanVariable } from './session-conf.js';
import { translateSparkFunctions } from '../rewrite/translate.js';
import { ScanViews, type PreparedQuery } from '../plan/scan-views.js';
import type { Row } from '../../scan/execute.js';
import { parseStatement, type Statement } from '../parse/statements.js';
import type { SessionFunctions } from '../../udf/registry.js';
import type { Lakehouse } from '../../lakehouse.js';
import { statementExtension } from './statement-extensions.js';

export interface SqlSessionOptions {
  readonly lake: LakeCatalog;
  readonly engine?: Engine;
  /** Initial session conf (what `SET key = value` sets). */
  readonly conf?: Readonly<Record<string, string>>;
  /** User functions to install on the session's connection (the lake's `udf` registry). */
  readonly functions?: SessionFunctions;
  /** The Lakehouse the session runs for: statements of extensions (streaming tables, ...) run over it. */
  readonly host?: Lakehouse;
}

type Base = { statement: string; number: number; kind: Statement['kind'] };

/**
 * One SQL session: a DuckDB connection, the views over the snapshots its statements read, and
 * its conf. Delta/Spark statements run here; everything else goes to DuckDB with its Delta table
 * references replaced by views.
 */
export interface RunOptions {
  /**
   * Yield a query's result before reading its rows (`result.stream`); the caller reads them
   * before asking for the next result.
   */
  readonly stream?: boolean;
  /** When aborted, no further statement starts and the one under way fails LOCH_STATEMENT_CANCELED (see interrupt()). */
  readonly signal?: AbortSignal;
}

const canceled = (number: number): SqlError => new SqlError('LOCH_STATEMENT_CANCELED', `statement ${number} was cancelled`);

export class SqlSession {
  /** Counts statements run: a streamed result is readable while this is still its own. */
  private statementsRun = 0;
  private streaming = false;

  private constructor(
    private readonly ctx: SessionContext,
    private readonly uninstall: () => void,
    private readonly functions: SessionFunctions | undefined,
  ) {}

  static async open(options: SqlSessionOptions): Promise<SqlSession> {
    const conf = new Map(Object.entries(options.conf ?? {}));
    const names = new SessionNamespace(options.lake);
    // The conf values that are only variables, and the namespace, are set as the connection opens: one round trip.
    const c = await connect([...[...conf].filter(([key]) => !needsMoreThanVariable(key)).map(([key, value]) => confStatement(key, value)), ...names.statements()]);
    let uninstall = () => {};
    try {
      for (const [key, value] of conf) if (needsMoreThanVariable(key)) await applyConf(c, key, value);
      if (options.functions) uninstall = await options.functions.install(c, conf);
    } catch (e) {
      uninstall();
      c.closeSync();
      throw e;
    }
    return new SqlSession({ c, views: new ScanViews(c, names, options.engine, conf), names, conf, ...(options.host ? { lake: options.host } : {}) }, uninstall, options.functions);
  }

  get conf(): ReadonlyMap<string, string> {
    return this.ctx.conf;
  }

  /** Runs the `;`-separated statements of `text` in order, yielding each one's result as it completes. */
  async *run(text: string, options: RunOptions = {}): AsyncGenerator<StatementResult> {
    const statements = splitStatements(text);
    if (statements.length === 0) throw sqlError('no statement to run');
    for (const st of statements) {
      if (options.signal?.aborted) throw canceled(st.number);
      yield await this.execute(st, statements.length > 1, options);
    }
  }

  /**
   * Stops what DuckDB is executing on this session's connection (the query fails with DuckDB's
   * INTERRUPT error). Work outside DuckDB (planning, a commit) is not stopped.
   */
  interrupt(): void {
    this.ctx.c.interrupt();
  }

  async execute(given: StatementText, several = false, options: RunOptions = {}): Promise<StatementResult> {
    // A streamed result's function calls end when the next statement starts (its rows are read by then).
    this.endCalls(true, true);
    this.statementsRun++;
    this.streaming = options.stream === true;
    this.functions?.beginStatement?.();
    this.callsOpen = true;
    try {
      const result = await this.executeText(given, performance.now());
      if (!this.streaming) this.endCalls(true);
      return result;
    } catch (e) {
      this.endCalls(false);
      if (options.signal?.aborted) throw canceled(given.number);
      throw inStatement(udfInStatement(e, given.text), given.number, several);
    }
  }

  /**
   * A query as the DuckDB SQL this session would run (Spark functions translated, user functions
   * bound, Delta tables replaced by their scans), and the DuckDB time zone it runs in; undefined
   * for a statement that is not a query. The SQL may name what only this session's connection
   * has (a view of its own, a user function): whoever runs it elsewhere checks that it binds.
   */
  async plan(text: string): Promise<{ readonly sql: string; readonly timeZone: string } | undefined> {
    const translated = translateSparkFunctions(text, this.ctx.conf);
    const st = this.functions?.rewrite ? this.functions.rewrite(translated) : translated;
    if (statementExtension(st) || parseStatement(st).kind !== 'query' || /^\s*EXPLAIN\b/i.test(st)) return undefined;
    const q = await this.ctx.views.prepare(st);
    const zone = (await this.ctx.c.runAndReadAll("SELECT current_setting('TimeZone')")).getRows()[0][0];
    return { sql: q.sql, timeZone: String(zone) };
  }

  private async executeText(given: StatementText, started: number): Promise<StatementResult> {
    // An extension's statement is its own to read, untranslated (its queries are translated when they run).
    const extension = statementExtension(given.text);
    if (extension) return await this.dispatch({ kind: 'extension', extension, text: given.text }, { statement: given.text, number: given.number, kind: 'extension' }, started);
    // Spark functions DuckDB lacks or runs differently, in every statement (queries, DML
    // conditions and assignments, DataFrame expressions).
    const translated = translateSparkFunctions(given.text, this.ctx.conf);
    const st = { ...given, text: this.functions?.rewrite ? this.functions.rewrite(translated) : translated };
    // Writes to a DuckDB table (a TEMP table, say) are DuckDB's, in DuckDB's syntax.
    const written = writeTarget(st.text);
    if (written && (await this.writesDuckDb(written))) {
      return await this.query({ statement: st.text, number: st.number, kind: 'query' }, started);
    }
    const parsed = parseStatement(st.text);
    return await this.dispatch(parsed, { statement: st.text, number: st.number, kind: parsed.kind }, started);
  }

  /**
   * Whether a write goes to a DuckDB table rather than a lake table: a name the lake neither has
   * nor claims, and DuckDB has. CREATE TABLE makes a DuckDB table only in a schema DuckDB has and
   * the lake does not (`loch_stream.t`); without a schema it makes a Delta table.
   */
  private async writesDuckDb(w: WriteTarget): Promise<boolean> {
    if (await this.ctx.names.owns(w)) return false;
    if (w.creates) return w.schema !== undefined && w.catalog === undefined && (await duckDbHasSchema(this.ctx, w.schema));
    return duckDbHasTable(this.ctx, w.name);
  }

  /**
   * Ends the user function calls of the statement that ran (an iterator UDF's cleanup runs). A
   * failure there fails the statement, unless `quiet` (a streamed statement, already returned).
   */
  private endCalls(ok: boolean, quiet = !ok): void {
    for (const release of this.stages.splice(0)) release();
    if (!this.callsOpen) return;
    this.callsOpen = false;
    try {
      this.functions?.endStatement?.(this.ctx.c, ok);
    } catch (e) {
      if (!quiet) throw e;
    }
  }

  /** Whether the last statement's function calls have not ended yet (see endCalls). */
  private callsOpen = false;

  /** What ends the stages of the statement that ran (see stage). */
  private stages: (() => void)[] = [];

  /** The query with its vectorized UDF calls run as a stage of their own, where they can be (see udf/staged-run.ts). */
  private async stage(q: PreparedQuery, rename: (m: string) => string): Promise<PreparedQuery> {
    let staged;
    try {
      staged = await this.functions?.stage?.(this.ctx.c, q.sql, this.ctx.conf);
    } catch (e) {
      throw duckDbFailure(e, q.plans, rename);
    }
    if (!staged) return q;
    this.stages.push(staged.release);
    return { ...q, sql: staged.sql };
  }

  async close(): Promise<void> {
    this.endCalls(true, true);
    try {
      await this.ctx.views.close();
    } finally {
      this.uninstall();
      this.ctx.c.closeSync();
    }
  }

  private async dispatch(st: Statement, base: Base, started: number): Promise<StatementResult> {
    return runStatement({ ctx: this.ctx, base, query: () => this.query({ ...base, kind: 'query' }, started), ...results(base, started) }, st);
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
    const prepared = await this.ctx.views.prepare(base.statement);
    const rename = (m: string) => this.ctx.views.rename(m);
    const result = `the result of statement ${base.number}`;
    const q = await this.stage(prepared, rename);
    if (this.streaming) {
      const at = this.statementsRun;
      const stream = await streamQuery(this.ctx.c, q, rename, result, () => this.statementsRun === at);
      if (stream) return streamedResult(base, stream, () => ({ elapsedMs: elapsed(started), scans: q.scans }));
    }
    const out = await runQuery(this.ctx.c, q, rename, result);
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

/** A user function's failure also names the statement it failed in (the function alone may be called from many). */
function udfInStatement(e: unknown, text: string): unknown {
  // Also when the failure comes back wrapped (a write's "writing data files failed: ...").
  const udf =
    e instanceof SqlError && e.code.startsWith('LOCH_UDF_') ? [e.message, e.code, e.message]
    : e instanceof Error ? /\b(LOCH_UDF_[A-Z_]+): (.*)/.exec(e.message.split('\n')[0])
    : null;
  if (!udf) return e;
  const st = text.trim().replace(/\s+/g, ' ');
  return new SqlError(udf[1] as SqlErrorCode, `${udf[2]} (in statement: ${st.length > 200 ? `${st.slice(0, 200)}...` : st})`, { cause: e });
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** What a write statement names: the table, and whether the statement creates it. */
type WriteTarget = TableName & { readonly kind: 'name'; readonly creates: boolean };

/**
 * The table an UPDATE, DELETE FROM, MERGE INTO, ALTER TABLE, INSERT INTO or CREATE TABLE writes
 * to, when the text names it by name.
 */
function writeTarget(text: string): WriteTarget | undefined {
  const c = new Cursor(text);
  let creates = false;
  if (c.words('UPDATE')) {
    if (c.isWords('EXTENSIONS')) return undefined;
  } else if (c.words('MERGE')) {
    c.words('WITH', 'SCHEMA', 'EVOLUTION');
    if (!c.words('INTO')) return undefined;
  } else if (c.words('INSERT')) {
    if (!c.words('INTO') && !c.words('OVERWRITE')) return undefined;
    c.words('TABLE');
  } else if (c.words('CREATE')) {
    c.words('OR', 'REPLACE');
    if (!c.words('TABLE')) return undefined;
    c.words('IF', 'NOT', 'EXISTS');
    creates = true;
  } else if (!c.words('DELETE', 'FROM') && !c.words('ALTER', 'TABLE')) return undefined;
  if (!isIdent(c.peek()) || (isWord(c.peek(), 'delta') && isPunct(c.peek(1), '.') && c.peek(2)?.kind === 'quoted')) return undefined;
  const parts = parseColumnPath(c, 'a table name');
  return parts.length <= 3 ? { ...nameOf(parts), creates } : undefined;
}
