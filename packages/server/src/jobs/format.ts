import { ApiError } from '../api-errors.js';
import { checkSchedule, slug } from '../dashboards/format.js';

/** A job: SQL statements (a pipeline refresh, a MERGE, an OPTIMIZE...) run on a schedule or on demand. */
export interface Job {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  /** Cron (5 fields, or 6 with seconds); without one the job runs only when asked. */
  readonly schedule?: string;
  /** Attempts after a failure (0 to 5, default 0). */
  readonly retries: number;
  /** Wait between attempts (default 10 s). */
  readonly retry_delay_seconds: number;
}

const invalid = (message: string): ApiError => new ApiError('LOCH_JOB_INVALID', message, 400);
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A job from its JSON, checked: every problem is LOCH_JOB_INVALID naming the field. */
export function parseJob(json: unknown): Job {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('a job must be a JSON object');
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.trim() === '') throw invalid('name is required');
  if (typeof o.sql !== 'string' || o.sql.trim() === '') throw invalid('sql is required');
  const id = o.id === undefined ? slug(o.name) : String(o.id);
  if (!ID.test(id)) throw invalid(`id: '${id}' must be 1 to 64 lower-case letters, digits, - and _`);
  if (o.schedule !== undefined && typeof o.schedule !== 'string') throw invalid('schedule must be a cron expression');
  if (o.schedule) checkSchedule(o.schedule, 'LOCH_JOB_INVALID');
  const retries = o.retries === undefined ? 0 : Number(o.retries);
  if (!Number.isInteger(retries) || retries < 0 || retries > 5) throw invalid(`retries: ${String(o.retries)} is not 0 to 5`);
  const delay = o.retry_delay_seconds === undefined ? 10 : Number(o.retry_delay_seconds);
  if (!Number.isFinite(delay) || delay < 0 || delay > 3600) throw invalid(`retry_delay_seconds: ${String(o.retry_delay_seconds)} is not 0 to 3600`);
  return { id, name: o.name, sql: o.sql, ...(o.schedule ? { schedule: o.schedule } : {}), retries, retry_delay_seconds: delay };
}
