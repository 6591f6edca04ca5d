import { Cron } from 'croner';
import { ApiError } from '../api-errors.js';

/** How a widget draws its query's result. */
export const CHART_TYPES = ['table', 'line', 'bar', 'area', 'scatter', 'pie', 'counter'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

/** A dashboard parameter: `:name` in widgets' SQL, with a default the console lets users change. */
export interface DashboardParameter {
  readonly name: string;
  readonly default?: string | null;
  /** A Spark SQL type the value is cast to (STRING when absent). */
  readonly type?: string;
}

/** One tile: a SQL query and how to draw it. */
export interface Widget {
  /** Unique in the dashboard; from the title when absent. */
  readonly id: string;
  readonly title: string;
  readonly sql: string;
  readonly chart: ChartType;
  /** The column along the x axis (line, bar, area, scatter) or the labels (pie); the first column when absent. */
  readonly x?: string;
  /** The columns drawn as values; every numeric column but x when absent. Counter shows the first. */
  readonly y?: readonly string[];
  /** A column whose values split rows into one series each (line, bar, area, scatter). */
  readonly series?: string;
  /** Grid columns out of 12 (default 6). */
  readonly width?: number;
}

/** A dashboard as it is imported, exported and stored (see packages/server/README.md). */
export interface Dashboard {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** A cron expression (5 fields, or 6 with seconds): the server refreshes every widget on it. */
  readonly schedule?: string;
  readonly parameters?: readonly DashboardParameter[];
  readonly widgets: readonly Widget[];
}

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const invalid = (message: string): ApiError => new ApiError('LOCH_DASHBOARD_INVALID', message, 400);

/** `QoS NOC` -> `qos-noc`. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'dashboard';
}

const str = (v: unknown, where: string, required = true): string | undefined => {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${where} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${where} must be a string`);
  return v;
};

function parseWidget(w: unknown, i: number, seen: Set<string>): Widget {
  const where = `widgets[${i}]`;
  if (w === null || typeof w !== 'object' || Array.isArray(w)) throw invalid(`${where} must be an object`);
  const o = w as Record<string, unknown>;
  const title = str(o.title, `${where}.title`)!;
  const sql = str(o.sql, `${where}.sql`)!;
  if (sql.trim() === '') throw invalid(`${where}.sql is empty`);
  const chart = (str(o.chart, `${where}.chart`, false) ?? 'table') as ChartType;
  if (!CHART_TYPES.includes(chart)) throw invalid(`${where}.chart: '${chart}' is not one of ${CHART_TYPES.join(', ')}`);
  const id = str(o.id, `${where}.id`, false) ?? slug(title);
  if (!ID.test(id)) throw invalid(`${where}.id: '${id}' must be lower-case letters, digits, - and _`);
  if (seen.has(id)) throw invalid(`${where}.id: '${id}' is used by another widget`);
  seen.add(id);
  const y = o.y === undefined ? undefined : (Array.isArray(o.y) ? o.y : [o.y]).map((c, j) => str(c, `${where}.y[${j}]`)!);
  const width = o.width === undefined ? undefined : Number(o.width);
  if (width !== undefined && !(Number.isInteger(width) && width >= 1 && width <= 12)) throw invalid(`${where}.width: ${String(o.width)} is not 1 to 12`);
  const x = str(o.x, `${where}.x`, false);
  const series = str(o.series, `${where}.series`, false);
  return { id, title, sql, chart, ...(x ? { x } : {}), ...(y ? { y } : {}), ...(series ? { series } : {}), ...(width ? { width } : {}) };
}

/** Checks a cron expression as the scheduler reads it. */
export function checkSchedule(schedule: string, code = 'LOCH_DASHBOARD_INVALID'): void {
  try {
    new Cron(schedule, { paused: true }).stop();
  } catch (e) {
    throw new ApiError(code, `schedule: '${schedule}' is not a cron expression (${(e as Error).message})`, 400);
  }
}

/** A dashboard from its JSON, checked: every problem is LOCH_DASHBOARD_INVALID naming the field. */
export function parseDashboard(json: unknown): Dashboard {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('a dashboard must be a JSON object');
  const o = json as Record<string, unknown>;
  const name = str(o.name, 'name')!;
  const id = str(o.id, 'id', false) ?? slug(name);
  if (!ID.test(id)) throw invalid(`id: '${id}' must be 1 to 64 lower-case letters, digits, - and _`);
  const description = str(o.description, 'description', false);
  const schedule = str(o.schedule, 'schedule', false);
  if (schedule) checkSchedule(schedule);
  if (o.parameters !== undefined && !Array.isArray(o.parameters)) throw invalid('parameters must be an array');
  const parameters = ((o.parameters ?? []) as unknown[]).map((p, i) => {
    const po = (p ?? {}) as Record<string, unknown>;
    const pname = str(po.name, `parameters[${i}].name`)!;
    if (!NAME.test(pname)) throw invalid(`parameters[${i}].name: '${pname}' is not an identifier`);
    const def = po.default === undefined || po.default === null ? po.default : String(po.default);
    const type = str(po.type, `parameters[${i}].type`, false);
    return { name: pname, ...(def !== undefined ? { default: def as string | null } : {}), ...(type ? { type } : {}) };
  });
  if (!Array.isArray(o.widgets)) throw invalid('widgets must be an array');
  const seen = new Set<string>();
  const widgets = o.widgets.map((w, i) => parseWidget(w, i, seen));
  return { id, name, ...(description ? { description } : {}), ...(schedule ? { schedule } : {}), ...(parameters.length ? { parameters } : {}), widgets };
}
