import type { DuckDBConnection } from '@duckdb/node-api';
import { planScan, type AddFile, type Engine, type ScanPlan } from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { duckType } from '../scan/duck-types.js';
import { scanSql } from '../scan/query.js';
import { DeltaTable } from '../table.js';
import type { LakeCatalog } from './lake-catalog.js';
import { findTableRefs, rewriteQuery, type TableRef } from './references.js';
import type { SqlScanMetrics } from './result.js';
import type { TableName } from './statements.js';

/** A table a statement names, resolved to where it lives. */
export interface TableTarget {
  readonly table: DeltaTable;
  /** The table as written: its lake name, or its path. */
  readonly display: string;
  readonly location: string;
}

/** A query with its Delta table references replaced by views over the snapshots they read. */
export interface PreparedQuery {
  readonly sql: string;
  readonly scans: readonly SqlScanMetrics[];
  readonly plans: readonly ScanPlan[];
}

interface View {
  readonly relation: string;
  readonly plan: ScanPlan;
  readonly rowsScanned: number;
}

/**
 * The views of one SQL session. Each snapshot a statement reads becomes a view over exactly that
 * snapshot's files (scanSql). Views live in a schema of their own in the process's DuckDB
 * database, not as temp views, so that a write running on another connection (INSERT ... SELECT,
 * CTAS) can read them too; the schema is dropped when the session ends.
 */
export class ScanViews {
  private readonly schema = `loch_sql_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  private schemaCreated = false;
  private readonly views = new Map<string, View>();
  private readonly viewNames = new Set<string>();
  private scratch = 0;

  constructor(
    private readonly c: DuckDBConnection,
    private readonly lake: LakeCatalog,
    private readonly engine: Engine | undefined,
  ) {}

  target(name: TableName): TableTarget {
    const options = this.engine ? { engine: this.engine } : {};
    if (name.kind === 'path') {
      const location = /^[A-Za-z][A-Za-z0-9+.-]+:/.test(name.path) ? name.path : resolve(name.path);
      return { table: DeltaTable.forPath(location, options), display: name.path, location };
    }
    const location = this.lake.locate(name.name);
    return { table: DeltaTable.forPath(location, options), display: name.name, location };
  }

  async prepare(text: string): Promise<PreparedQuery> {
    const q = findTableRefs(text);
    const relations = new Map<TableRef, string>();
    const scans: SqlScanMetrics[] = [];
    const plans: ScanPlan[] = [];
    for (const ref of q.refs) {
      if (ref.table.kind === 'name' && !ref.explicit && !this.lake.has(ref.table.name)) continue;
      const target = this.target(ref.table);
      const snapshot = await target.table.snapshot({ version: ref.version, timestamp: ref.timestamp });
      const view = await this.view(`${target.table.url}@${snapshot.version}`, `${target.display}@v${snapshot.version}`, () => planScan(snapshot), target.table.engine);
      relations.set(ref, view.relation);
      plans.push(view.plan);
      scans.push({
        table: target.display,
        version: snapshot.version,
        filesTotal: snapshot.files.length,
        filesScanned: view.plan.files.length,
        filesPrunedByPartition: 0,
        filesPrunedByStats: 0,
        filesPrunedByDynamicFilter: 0,
        rowsScanned: view.rowsScanned,
        bytesScanned: view.plan.files.reduce((n, f) => n + f.add.size, 0),
      });
    }
    return { sql: rewriteQuery(q, (ref) => relations.get(ref)), scans, plans };
  }

  /** DuckDB messages name views by their schema; people know the tables. */
  rename(message: string): string {
    return message.replaceAll(`"${this.schema}".`, '').replaceAll(`${this.schema}.`, '');
  }

  /**
   * A query a write on another connection can read: the query itself, or, when it needs this
   * session's own state (a TEMP table, a variable), its rows materialized in the session schema.
   */
  async shareable(sql: string): Promise<{ sql: string; release: () => Promise<void> }> {
    if (await bindsElsewhere(sql)) return { sql, release: async () => undefined };
    await this.ensureSchema();
    const relation = `${sqlIdent(this.schema)}.${sqlIdent(`__loch_data_${++this.scratch}`)}`;
    await this.c.run(`CREATE TABLE ${relation} AS ${sql}`);
    return { sql: `SELECT * FROM ${relation}`, release: async () => void (await this.c.run(`DROP TABLE IF EXISTS ${relation}`)) };
  }

  async close(): Promise<void> {
    if (this.schemaCreated) await this.c.run(`DROP SCHEMA IF EXISTS ${sqlIdent(this.schema)} CASCADE`);
  }

  private async ensureSchema(): Promise<void> {
    if (this.schemaCreated) return;
    await this.c.run(`CREATE SCHEMA ${sqlIdent(this.schema)}`);
    this.schemaCreated = true;
  }

  private async view(key: string, label: string, plan: () => ScanPlan, engine: Engine): Promise<View> {
    const known = this.views.get(key);
    if (known) return known;
    await this.ensureSchema();
    let name = label;
    for (let i = 2; this.viewNames.has(name); i++) name = `${label}#${i}`;
    this.viewNames.add(name);
    const p = plan();
    const body = (await scanSql(this.c, engine, p)) ?? emptySelect(p);
    const relation = `${sqlIdent(this.schema)}.${sqlIdent(name)}`;
    await this.c.run(`CREATE VIEW ${relation} AS ${body}`);
    const fromStats = rowsFromStats(p.files.map((f) => f.add));
    const rowsScanned = fromStats ?? Number((await this.c.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRows()[0][0]);
    const view = { relation, plan: p, rowsScanned };
    this.views.set(key, view);
    return view;
  }
}

/** Whether a fresh connection can run `sql` as this session would. */
async function bindsElsewhere(sql: string): Promise<boolean> {
  // Variables are per connection, and getvariable() of an unknown one is null, not an error.
  if (/\bgetvariable\s*\(/i.test(sql)) return false;
  try {
    await withConnection((other) => other.run(`SELECT * FROM (${sql}) AS __loch_src LIMIT 0`));
    return true;
  } catch {
    return false;
  }
}

/** A snapshot without files still has its columns. */
function emptySelect(plan: ScanPlan): string {
  const cols = plan.columns.map((c) => `CAST(NULL AS ${duckType(c.field.type)}) AS ${sqlIdent(c.field.name)}`);
  return `SELECT ${cols.join(', ')} WHERE false`;
}

/** Sum of numRecords over the files, when every file's stats carry it. */
function rowsFromStats(files: readonly AddFile[]): number | undefined {
  let n = 0;
  for (const f of files) {
    if (!f.stats) return undefined;
    try {
      const s = JSON.parse(f.stats) as { numRecords?: unknown };
      if (typeof s.numRecords !== 'number') return undefined;
      n += s.numRecords;
    } catch {
      return undefined;
    }
  }
  return n;
}
