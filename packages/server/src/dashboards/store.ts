import type { Lakehouse } from '@loch/lakehouse/core';
import { sparkString } from '@loch/lakehouse/core';
import { notFoundError } from '../api-errors.js';
import { parseDashboard, type Dashboard } from './format.js';

/** Where dashboards live: a Delta table in the lake's reserved `console` schema. */
export const DASHBOARDS_TABLE = 'console.dashboards';

export interface DashboardSummary {
  readonly id: string;
  readonly name: string;
  readonly widgets: number;
  readonly schedule?: string;
  readonly updated_at: string;
}

/**
 * Dashboards stored in the lake (`console.dashboards`: id, name, definition as JSON, updated_at),
 * so that they travel with it and have a Delta history. Saving one replaces the row with its id
 * in one commit (an overwrite with replaceWhere).
 */
export class DashboardStore {
  private ready?: Promise<void>;

  constructor(private readonly lake: Lakehouse) {}

  private ensureTable(): Promise<void> {
    this.ready ??= this.lake
      .sql(`CREATE SCHEMA IF NOT EXISTS console; CREATE TABLE IF NOT EXISTS ${DASHBOARDS_TABLE} (id STRING, name STRING, definition STRING, updated_at TIMESTAMP) USING DELTA`)
      .then(() => undefined)
      .catch((e) => {
        this.ready = undefined;
        throw e;
      });
    return this.ready;
  }

  /** Checks and saves a dashboard (its JSON as imported); resolves to it as stored. */
  async save(json: unknown): Promise<Dashboard> {
    const d = parseDashboard(json);
    await this.ensureTable();
    const row = { id: d.id, name: d.name, definition: JSON.stringify(d), updated_at: new Date().toISOString() };
    await this.lake.table(DASHBOARDS_TABLE).write([row], { mode: 'overwrite', replaceWhere: `id = ${sparkString(d.id)}`, operation: 'WRITE' });
    return d;
  }

  /** Whether the table exists: reading a lake never creates it. */
  private async exists(): Promise<boolean> {
    return this.lake.schemas().includes('console') && (await this.lake.tables('console')).includes('dashboards');
  }

  async list(): Promise<DashboardSummary[]> {
    if (!(await this.exists())) return [];
    const { rows } = await this.lake.table(DASHBOARDS_TABLE).scan();
    return rows
      .map((r) => {
        const d = JSON.parse(String(r.definition)) as Dashboard;
        return { id: d.id, name: d.name, widgets: d.widgets.length, ...(d.schedule ? { schedule: d.schedule } : {}), updated_at: String(r.updated_at) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(id: string): Promise<Dashboard> {
    const { rows } = (await this.exists()) ? await this.lake.table(DASHBOARDS_TABLE).scan({ where: `id = ${sparkString(id)}` }) : { rows: [] };
    const row = rows.find((r) => r.id === id);
    if (!row) throw notFoundError(`dashboard '${id}' does not exist`);
    return parseDashboard(JSON.parse(String(row.definition)));
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.lake.table(DASHBOARDS_TABLE).delete(`id = ${sparkString(id)}`);
  }
}
