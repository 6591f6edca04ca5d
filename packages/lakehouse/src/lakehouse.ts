import { deltaError, type Engine } from '@loch/delta';
import { DEFAULT_SCHEMA, LakeCatalog, type LakeName } from './sql/run/lake-catalog.js';
import { Cursor } from './sql/parse/cursor.js';
import { parseTableName } from './sql/parse/parse-common.js';
import { SessionNamespace } from './sql/run/namespace.js';
import { SqlError } from './sql/errors.js';
import type { StatementResult } from './sql/run/result.js';
import { SqlSession } from './sql/run/session.js';
import { DeltaTable, defaultEngine } from './table.js';
import { DataFrame } from './dataframe/dataframe.js';
import { dataFrameReader, type DataFrameReader } from './dataframe/reader.js';
import { UdfRegistry } from './udf/registry.js';

export interface LakehouseOptions {
  readonly engine?: Engine;
  /** The lake's name as a catalog, in three-part names and USE CATALOG; `main` by default. */
  readonly catalog?: string;
  /**
   * Conf every SQL session and DataFrame of the lake starts from (a statement's `SET` and a call's
   * or frame's own conf go on top), e.g. `{ 'spark.sql.execution.arrow.maxRecordsPerBatch': '5000' }`.
   */
  readonly conf?: Readonly<Record<string, string>>;
}

export interface SqlOptions {
  /** Session conf to start from; `SET key = value` adds to it for the statements that follow. */
  readonly conf?: Readonly<Record<string, string>>;
  /**
   * Cancels the run: the statement under way is interrupted (DuckDB stops executing it) and the
   * ones after it do not start; the run fails with LOCH_STATEMENT_CANCELED. A write interrupted
   * before its commit leaves the table as it was; one already committed stays committed.
   */
  readonly signal?: AbortSignal;
}

export interface SqlStreamOptions extends SqlOptions {
  /**
   * Yield each query's result before reading its rows: read them from `result.stream` (Arrow
   * batches, row batches, or a file, in flat memory) before asking for the next result.
   */
  readonly stream?: boolean;
}

/**
 * Members that packages above this one add to every Lakehouse, declared by augmenting this
 * interface and installed with `extendLakehouse` (`@loch/streaming` adds `readStream` and
 * `streams`). The lakehouse never imports those packages; importing one brings its members.
 */
export interface LakehouseExtensions {}

// The class gets the extensions' members through declaration merging.
export interface Lakehouse extends LakehouseExtensions {}

/**
 * A directory of Delta tables and SQL over them: one catalog of schemas, as in Unity Catalog
 * (`main.default.events`). The `default` schema's tables are the directory's subdirectories,
 * another schema's live under `<schema>.db/` (see LakeCatalog). Tables are also reachable by path
 * from SQL (``delta.`/data/events` ``), so a lake is a default place to look, not a boundary.
 */
export class Lakehouse {
  readonly dir: string;
  private readonly catalog: LakeCatalog;
  private readonly engineOption: Engine | undefined;
  /** Conf every session and frame of the lake starts from (LakehouseOptions.conf). */
  readonly conf: Readonly<Record<string, string>>;
  /** The lake's user functions: `lake.udf.register('plus_one', fn, { returns: 'double' })`, then `SELECT plus_one(x) ...`. */
  readonly udf: UdfRegistry = new UdfRegistry(this);

  private constructor(dir: string, options: LakehouseOptions) {
    this.engineOption = options.engine;
    this.catalog = new LakeCatalog(dir, options.catalog, this.engine.storage);
    this.dir = this.catalog.dir;
    this.conf = { ...options.conf };
  }

  /** The Engine the lake's tables are read and written with. */
  get engine(): Engine {
    return this.engineOption ?? defaultEngine();
  }

  /** The lake at `dir`; the directory is made when the first table is created in it. */
  static open(dir: string, options: LakehouseOptions = {}): Lakehouse {
    return new Lakehouse(dir, options);
  }

  /**
   * The table called `name` (`events`, `sales.orders`, `main.sales.orders`), whether or not it
   * exists yet (writing to it creates it). The name is looked up, case-insensitively, through the
   * lake's storage when the table is first used, and a name the lake cannot have fails then:
   * `await lake.table('nope.t').snapshot()` rejects with LOCH_SCHEMA_NOT_FOUND.
   */
  table(name: string): DeltaTable {
    return DeltaTable.lazy(name, () => this.catalog.locate(lakeNameOf(this.catalog, name)), { engine: this.engine });
  }

  /**
   * Batch reads, as Spark's `spark.read`: `lake.read('events')` is a DataFrame over the table
   * called `events` (or at a path); `lake.read.format('delta').option(...).table('events')` takes
   * Delta's read options: time travel, and the change data feed (`readChangeFeed`).
   */
  get read(): DataFrameReader {
    return dataFrameReader(this);
  }

  /** A DataFrame over any SQL query (which may name Delta tables). */
  query(sql: string): DataFrame {
    return DataFrame.sql(this, sql);
  }

  /** Names of a schema's tables (the `default` schema's unless told), sorted. */
  async tables(schema = DEFAULT_SCHEMA): Promise<string[]> {
    return (await this.catalog.list(schema)).map((t) => t.name);
  }

  /** Names of the lake's schemas, `default` first. */
  async schemas(): Promise<string[]> {
    return (await this.catalog.schemas()).map((s) => s.name);
  }

  /**
   * Runs `;`-separated statements in one session (one DuckDB connection; SET carries over) and
   * returns each statement's result. Stops at the first failure, which names the statement.
   */
  async sql(text: string, options: SqlOptions = {}): Promise<StatementResult[]> {
    const out: StatementResult[] = [];
    for await (const r of this.sqlStream(text, options)) out.push(r);
    return out;
  }

  /**
   * A query as the DuckDB SQL it runs as, and the DuckDB time zone it runs in (undefined for a
   * statement that is not a query): for running it on a DuckDB database of another thread (a
   * grouped map's workers). The SQL may name what only a session's connection has.
   */
  async planQuery(text: string, options: SqlOptions = {}): Promise<{ readonly sql: string; readonly timeZone: string } | undefined> {
    const session = await this.session(options.conf);
    try {
      return await session.plan(text);
    } finally {
      await session.close();
    }
  }

  private session(conf: Readonly<Record<string, string>> | undefined): Promise<SqlSession> {
    return SqlSession.open({ lake: this.catalog, ...(this.engineOption ? { engine: this.engineOption } : {}), conf: { ...this.conf, ...conf }, functions: this.udf, host: this });
  }

  /** Like `sql`, yielding each statement's result as soon as it completes (or, with `stream`, before its rows are read). */
  async *sqlStream(text: string, options: SqlStreamOptions = {}): AsyncGenerator<StatementResult> {
    const signal = options.signal;
    const session = await this.session(options.conf);
    // An interrupt stops only what DuckDB executes at that moment: an abort that comes while a
    // statement is still being planned is repeated until the run ends, so that the query the
    // planning then starts is stopped too.
    let again: NodeJS.Timeout | undefined;
    const interrupt = () => {
      session.interrupt();
      again = setInterval(() => session.interrupt(), 25);
    };
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      yield* session.run(text, { stream: options.stream === true, ...(signal ? { signal } : {}) });
    } finally {
      signal?.removeEventListener('abort', interrupt);
      clearInterval(again);
      await session.close();
    }
  }
}

/**
 * A table name as SQL writes it (`sales.orders`, `` `my table` ``), resolved in the lake's default
 * schema; text that is no such name is taken as a name of the default schema, as written.
 */
function lakeNameOf(catalog: LakeCatalog, text: string): LakeName {
  try {
    const c = new Cursor(text);
    const t = parseTableName(c);
    c.expectEnd();
    if (t.kind === 'name') return new SessionNamespace(catalog).resolve(t);
  } catch (e) {
    if (!(e instanceof SqlError) || e.code !== 'LOCH_SQL_ERROR') throw e;
  }
  return { schema: DEFAULT_SCHEMA, name: text };
}

const extended = new Set<PropertyKey>();

/**
 * Installs `name` on every Lakehouse: reading it calls `get` with the lake. For packages above
 * this one (see LakehouseExtensions); installing a name twice keeps the last getter, so a
 * package loaded again replaces its own members.
 */
export function extendLakehouse<K extends keyof LakehouseExtensions>(name: K, get: (lake: Lakehouse) => LakehouseExtensions[K]): void {
  if (Object.prototype.hasOwnProperty.call(Lakehouse.prototype, name) && !extended.has(name)) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `Lakehouse already has a member '${String(name)}'; an extension cannot replace it`);
  }
  extended.add(name);
  Object.defineProperty(Lakehouse.prototype, name, { configurable: true, enumerable: false, get() { return get(this as Lakehouse); } });
}
