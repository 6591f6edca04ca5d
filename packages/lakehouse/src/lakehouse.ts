import type { Engine } from '@loch/delta';
import { LakeCatalog } from './sql/run/lake-catalog.js';
import type { StatementResult } from './sql/run/result.js';
import { SqlSession } from './sql/run/session.js';
import { DeltaTable } from './table.js';
import { DataFrame } from './dataframe/dataframe.js';

export interface LakehouseOptions {
  readonly engine?: Engine;
}

export interface SqlOptions {
  /** Session conf to start from; `SET key = value` adds to it for the statements that follow. */
  readonly conf?: Readonly<Record<string, string>>;
}

/**
 * A directory of Delta tables, one subdirectory per table, and SQL over them. Tables are also
 * reachable by path from SQL (``delta.`/data/events` ``), so a lake is a default place to look,
 * not a boundary.
 */
export class Lakehouse {
  readonly dir: string;
  private readonly catalog: LakeCatalog;
  private readonly engine: Engine | undefined;

  private constructor(dir: string, options: LakehouseOptions) {
    this.catalog = new LakeCatalog(dir);
    this.dir = this.catalog.dir;
    this.engine = options.engine;
  }

  /** The lake at `dir`; the directory is made when the first table is created in it. */
  static open(dir: string, options: LakehouseOptions = {}): Lakehouse {
    return new Lakehouse(dir, options);
  }

  /** The table called `name` (whether or not it exists yet). */
  table(name: string): DeltaTable {
    return DeltaTable.forPath(this.catalog.locate(name), this.engine ? { engine: this.engine } : {});
  }

  /** A DataFrame over the table called `name` (or at a path). */
  read(nameOrPath: string): DataFrame {
    return DataFrame.table(this, nameOrPath);
  }

  /** A DataFrame over any SQL query (which may name Delta tables). */
  query(sql: string): DataFrame {
    return DataFrame.sql(this, sql);
  }

  /** Names of the lake's tables, sorted. */
  async tables(): Promise<string[]> {
    return (await this.catalog.list()).map((t) => t.name);
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

  /** Like `sql`, yielding each statement's result as soon as it completes. */
  async *sqlStream(text: string, options: SqlOptions = {}): AsyncGenerator<StatementResult> {
    const session = await SqlSession.open({ lake: this.catalog, ...(this.engine ? { engine: this.engine } : {}), ...(options.conf ? { conf: options.conf } : {}) });
    try {
      yield* session.run(text);
    } finally {
      await session.close();
    }
  }
}
