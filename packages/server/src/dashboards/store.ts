import type { Lakehouse } from '@loch/lakehouse/core';
import { DocumentStore } from '../document-store.js';
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

/** Dashboards stored in the lake (`console.dashboards`), one row per dashboard id. */
export class DashboardStore extends DocumentStore<Dashboard> {
  constructor(lake: Lakehouse) {
    super(lake, DASHBOARDS_TABLE, 'dashboard', parseDashboard);
  }

  async list(): Promise<DashboardSummary[]> {
    return (await this.all()).map(({ document: d, updatedAt }) => ({ id: d.id, name: d.name, widgets: d.widgets.length, ...(d.schedule ? { schedule: d.schedule } : {}), updated_at: updatedAt }));
  }
}
