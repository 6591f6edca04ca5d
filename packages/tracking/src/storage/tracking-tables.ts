import { isDeltaError } from '@loch/delta';
import { DeltaTable, type Lakehouse } from '@loch/lakehouse/core';
import { fileURLToPath } from 'node:url';
import { Maintenance, type MaintenanceOptions } from './maintenance.js';
import { RowSet } from './row-set.js';
import { TABLE_CONFIGURATION, TABLES, TRACKING_SCHEMA, type Row, type TableDef, type TableName } from './tables.js';
import { TableWriter, type Change } from './table-writer.js';

export type KeyedTableName = Exclude<TableName, 'metrics'>;

/** The latest value of each metric of each run: what MLflow's `latest_metrics` table holds. */
export interface LatestMetric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

/** Whether `m` is later than `than` in MLflow's order: step, then timestamp, then value. */
export function isLater(m: LatestMetric, than: LatestMetric | undefined): boolean {
  if (!than) return true;
  if (m.step !== than.step) return m.step > than.step;
  if (m.timestamp !== than.timestamp) return m.timestamp > than.timestamp;
  return m.value > than.value || (Number.isNaN(than.value) && !Number.isNaN(m.value));
}

/** Metric values come back from SQL as JSON values: non-finite doubles as strings. */
export function toDouble(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/**
 * The tracking tables of one lake: created when missing, read into memory once (keyed tables
 * whole; metrics as their latest values), then kept current by the writes that go through here.
 */
export class TrackingTables {
  readonly rows: { readonly [K in KeyedTableName]: RowSet };
  readonly latestMetrics = new Map<string, Map<string, LatestMetric>>();
  private readonly writers = new Map<TableName, TableWriter>();
  readonly maintenance: Maintenance;

  private constructor(
    readonly lake: Lakehouse,
    private readonly handles: Map<string, DeltaTable>,
    options: MaintenanceOptions,
  ) {
    this.rows = Object.fromEntries(
      (Object.keys(TABLES) as TableName[]).filter((n) => n !== 'metrics').map((n) => [n, new RowSet(TABLES[n])]),
    ) as unknown as TrackingTables['rows'];
    this.maintenance = new Maintenance(handles, options);
  }

  static async open(lake: Lakehouse, options: MaintenanceOptions = {}): Promise<TrackingTables> {
    // The reserved schema; IF NOT EXISTS, as another process may be making it too.
    await lake.sql(`CREATE SCHEMA IF NOT EXISTS ${TRACKING_SCHEMA}`);
    const handles = new Map<string, DeltaTable>();
    for (const def of Object.values(TABLES)) handles.set(def.name, lake.table(def.name));
    const t = new TrackingTables(lake, handles, options);
    await Promise.all((Object.keys(TABLES) as TableName[]).map((n) => t.load(n)));
    return t;
  }

  table(name: TableName): DeltaTable {
    return this.handles.get(TABLES[name].name)!;
  }

  /**
   * Writes changes to one table; resolves after their commit. When the commit fails the
   * table's state in memory (already changed) is read again from the table, so that it shows
   * what is committed.
   */
  write(name: TableName, changes: readonly Change[]): Promise<void> {
    return this.writers.get(name)!.write(changes).catch(async (e: unknown) => {
      await this.reload(name).catch(() => undefined);
      throw e;
    });
  }

  /** Keyed tables: applies puts and deletes to the rows in memory, then commits them. */
  change(name: KeyedTableName, changes: readonly Change[]): Promise<void> {
    const set = this.rows[name];
    for (const c of changes) {
      if (c.kind === 'put') set.put(c.row);
      else set.delete(c.row);
    }
    return this.write(name, changes);
  }

  put(name: KeyedTableName, ...rows: Row[]): Promise<void> {
    return this.change(name, rows.map((row) => ({ kind: 'put', row })));
  }

  remove(name: KeyedTableName, ...rows: Row[]): Promise<void> {
    return this.change(name, rows.map((row) => ({ kind: 'delete', row })));
  }

  /** Records a metric value as the latest of its run and key when it is. */
  noteMetric(runId: string, m: LatestMetric): void {
    let byKey = this.latestMetrics.get(runId);
    if (!byKey) this.latestMetrics.set(runId, (byKey = new Map()));
    if (isLater(m, byKey.get(m.key))) byKey.set(m.key, m);
  }

  /**
   * Reads again the tables another writer (another process, a second store) changed since this
   * one last wrote or read them; true when any had changed.
   */
  async refresh(): Promise<boolean> {
    let changed = false;
    for (const [name, writer] of this.writers) {
      if ((await writer.changedVersion()) === undefined) continue;
      changed = true;
      await this.reload(name);
    }
    return changed;
  }

  /** Reads one table's state again (keyed rows, or the latest metrics). */
  private async reload(name: TableName): Promise<void> {
    if (name === 'metrics') {
      this.latestMetrics.clear();
      await this.loadLatestMetrics();
      return;
    }
    const set = this.rows[name as KeyedTableName];
    const rows = (await this.table(name).scan()).rows;
    set.clear();
    for (const row of rows) set.put(row as Row);
    this.writers.get(name)?.resetKeys(set.keys());
  }

  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flush()));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.maintenance.close();
  }

  private async load(name: TableName): Promise<void> {
    const def = TABLES[name];
    const handle = this.table(name);
    await ensureTable(handle, def);
    let keys = new Set<string>();
    if (name === 'metrics') await this.loadLatestMetrics();
    else {
      const set = this.rows[name as KeyedTableName];
      for (const row of (await handle.scan()).rows) set.put(row as Row);
      keys = set.keys();
    }
    const writer = await TableWriter.open(def, handle, keys, (e) => this.maintenance.onCommit(e, TABLE_CONFIGURATION));
    this.writers.set(name, writer);
  }

  private async loadLatestMetrics(): Promise<void> {
    const [result] = await this.lake.sql(
      `SELECT run_uuid, key, value, timestamp, step FROM ${TABLES.metrics.name}
       QUALIFY row_number() OVER (PARTITION BY run_uuid, key ORDER BY step DESC, timestamp DESC, value DESC) = 1`,
    );
    for (const r of result.rows) {
      this.noteMetric(String(r.run_uuid), { key: String(r.key), value: toDouble(r.value), timestamp: Number(r.timestamp), step: Number(r.step) });
    }
  }
}

async function ensureTable(handle: DeltaTable, def: TableDef): Promise<void> {
  try {
    await handle.snapshot();
  } catch (e) {
    if (!isDeltaError(e, 'DELTA_TABLE_NOT_FOUND')) throw e;
    // IF NOT EXISTS: another process may create it at the same moment.
    await DeltaTable.create(fileURLToPath(await handle.location()), { schema: { ...def.columns }, configuration: TABLE_CONFIGURATION, ifNotExists: true });
  }
}
