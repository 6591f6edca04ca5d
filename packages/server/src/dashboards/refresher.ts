import type { Lakehouse } from '@loch/lakehouse/core';
import { Cron } from 'croner';
import { errorInfo } from '../api-errors.js';
import { bindParameters } from '../sql/parameters.js';
import { statementData } from '../sql/statement-response.js';
import { lastResult } from '../sql/statement-store.js';
import type { Dashboard } from './format.js';
import type { DashboardStore } from './store.js';

/** A widget's latest result: the Statement Execution API's manifest and rows, or its error. */
export interface WidgetResult {
  readonly id: string;
  readonly manifest?: Record<string, unknown>;
  readonly data_array?: (string | null)[][];
  readonly error?: { error_code: string; message: string };
}

export interface DashboardResults {
  readonly id: string;
  readonly refreshed_at: string;
  readonly parameters: Record<string, string | null>;
  readonly widgets: WidgetResult[];
}

/** Rows a widget keeps (a chart of more points helps nobody; the SQL can aggregate). */
const WIDGET_ROWS = 10_000;

/**
 * Runs dashboards' widgets, now or on each dashboard's cron schedule, and keeps the latest
 * results, which the console reads; `onRefresh` hears of each refresh (the live event stream).
 */
export class DashboardRefresher {
  private readonly latest = new Map<string, DashboardResults>();
  private readonly jobs = new Map<string, Cron>();
  private stopped = false;

  constructor(
    private readonly lake: Lakehouse,
    private readonly store: DashboardStore,
    private readonly onRefresh: (r: DashboardResults) => void = () => undefined,
  ) {}

  /** Schedules every stored dashboard that has a schedule. */
  async start(): Promise<void> {
    for (const s of await this.store.list()) if (s.schedule) this.schedule(await this.store.get(s.id));
  }

  /** (Re)schedules one dashboard after it was saved; none when it has no schedule. */
  schedule(d: Dashboard): void {
    this.unschedule(d.id);
    if (this.stopped || !d.schedule) return;
    const job = new Cron(d.schedule, { protect: true, catch: (e) => process.stderr.write(`warning: dashboard '${d.id}' refresh failed: ${(e as Error).message}\n`) }, async () => {
      await this.refresh(await this.store.get(d.id));
    });
    this.jobs.set(d.id, job);
  }

  unschedule(id: string): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  results(id: string): DashboardResults | undefined {
    return this.latest.get(id);
  }

  /** Runs every widget (parameters default to the dashboard's defaults) and keeps the results. */
  async refresh(d: Dashboard, values: Record<string, string | null> = {}): Promise<DashboardResults> {
    const parameters: Record<string, string | null> = {};
    for (const p of d.parameters ?? []) parameters[p.name] = values[p.name] !== undefined ? values[p.name] : (p.default ?? null);
    const bound = (d.parameters ?? []).map((p) => ({ name: p.name, value: parameters[p.name], ...(p.type ? { type: p.type } : {}) }));
    const widgets: WidgetResult[] = [];
    for (const w of d.widgets) {
      try {
        const results = await this.lake.sql(bindParameters(w.sql, bound, { allowUnused: true }));
        const last = lastResult(results);
        const data = statementData(last, { chunkRows: WIDGET_ROWS, rowLimit: WIDGET_ROWS });
        widgets.push({ id: w.id, manifest: data.manifest, data_array: (data.chunks[0] ?? []) as (string | null)[][] });
      } catch (e) {
        widgets.push({ id: w.id, error: errorInfo(e) });
      }
    }
    const r: DashboardResults = { id: d.id, refreshed_at: new Date().toISOString(), parameters, widgets };
    this.latest.set(d.id, r);
    this.onRefresh(r);
    return r;
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.jobs.keys()]) this.unschedule(id);
  }
}
