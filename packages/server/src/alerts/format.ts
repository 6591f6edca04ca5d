import { ApiError } from '../api-errors.js';
import { checkSchedule, slug } from '../dashboards/format.js';
import { parseDestination, type AlertDestination } from './destinations.js';

export const ALERT_OPS = ['>', '>=', '<', '<=', '=', '!=', 'change'] as const;
export type AlertOp = (typeof ALERT_OPS)[number];

export type { AlertDestination } from './destinations.js';

/**
 * An alert: a SQL query, a condition on a column of its first row, a cron schedule and where to
 * say when the state changes (OK ⇄ TRIGGERED).
 */
export interface Alert {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  /** The column of the query's first row the condition looks at. */
  readonly column: string;
  readonly op: AlertOp;
  /** What the value is compared with (not for `change`): numbers compare as numbers. */
  readonly threshold?: number | string;
  readonly schedule: string;
  readonly destinations: readonly AlertDestination[];
}

const invalid = (message: string): ApiError => new ApiError('LOCH_ALERT_INVALID', message, 400);
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function text(o: Record<string, unknown>, key: string, required = true): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(`${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') throw invalid(`${key} must be a non-empty string`);
  return v;
}

/** An alert from its JSON, checked: every problem is LOCH_ALERT_INVALID naming the field. */
export function parseAlert(json: unknown): Alert {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('an alert must be a JSON object');
  const o = json as Record<string, unknown>;
  const name = text(o, 'name')!;
  const id = text(o, 'id', false) ?? slug(name);
  if (!ID.test(id)) throw invalid(`id: '${id}' must be 1 to 64 lower-case letters, digits, - and _`);
  const sql = text(o, 'sql')!;
  const column = text(o, 'column')!;
  const op = (text(o, 'op', false) ?? '>') as AlertOp;
  if (!ALERT_OPS.includes(op)) throw invalid(`op: '${op}' is not one of ${ALERT_OPS.join(' ')}`);
  const threshold = o.threshold;
  if (op !== 'change' && typeof threshold !== 'number' && typeof threshold !== 'string') throw invalid(`threshold is required for op '${op}' (a number or a string)`);
  const schedule = text(o, 'schedule')!;
  checkSchedule(schedule, 'LOCH_ALERT_INVALID');
  if (!Array.isArray(o.destinations)) throw invalid('destinations must be an array');
  const destinations = o.destinations.map((d, i): AlertDestination => parseDestination(d, i));
  return { id, name, sql, column, op, ...(op !== 'change' ? { threshold: threshold as number | string } : {}), schedule, destinations };
}

/**
 * Whether a value meets the alert's condition. Numbers (and numeric text, as the Statement API
 * gives them) compare as numbers, anything else as text; NULL never meets one. `change` compares
 * with the value of the evaluation before.
 */
export function conditionMet(alert: Alert, value: string | null, previous: string | null | undefined): boolean {
  if (alert.op === 'change') return previous !== undefined && value !== previous;
  if (value === null) return false;
  const a = Number(value);
  const b = Number(alert.threshold);
  const numeric = value.trim() !== '' && String(alert.threshold).trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
  const cmp = numeric ? Math.sign(a - b) : value < String(alert.threshold) ? -1 : value > String(alert.threshold) ? 1 : 0;
  switch (alert.op) {
    case '>': return cmp > 0;
    case '>=': return cmp >= 0;
    case '<': return cmp < 0;
    case '<=': return cmp <= 0;
    case '=': return cmp === 0;
    case '!=': return cmp !== 0;
  }
}
