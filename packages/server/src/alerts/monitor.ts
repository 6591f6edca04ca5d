import type { Lakehouse, Row } from '@loch/lakehouse/core';
import { Cron } from 'croner';
import { errorInfo } from '../api-errors.js';
import { statementData } from '../sql/statement-response.js';
import { lastResult } from '../sql/statement-store.js';
import { destinationName, sendNotification } from './destinations.js';
import { conditionMet, type Alert } from './format.js';
import { maskAddressesIn } from './secrets.js';
import type { AlertStore } from './store.js';

export type AlertState = 'UNKNOWN' | 'OK' | 'TRIGGERED' | 'ERROR';

/** Where each alert stands now. */
export interface AlertStatus {
  readonly id: string;
  readonly state: AlertState;
  readonly value: string | null;
  readonly evaluated_at: string | null;
  readonly error?: string;
  /** What the last notifications got back (destination → HTTP status, `sent`, or the error). */
  readonly notified?: Record<string, string>;
}

/** State changes are kept here: one row per transition, never one per evaluation. */
export const ALERT_HISTORY_TABLE = 'console.alert_history';

/**
 * Evaluates alerts on their cron schedules (or now) and acts on transitions: a change of state is
 * appended to `console.alert_history` first, then sent to the alert's destinations, so each
 * transition is notified once (a crash between the two loses a notification rather than
 * repeating one). The states survive restarts: they are read back from the history.
 */
export class AlertMonitor {
  private readonly status = new Map<string, AlertStatus>();
  private readonly jobs = new Map<string, Cron>();
  private readonly running = new Map<string, Promise<AlertStatus>>();
  private historyReady?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly lake: Lakehouse,
    private readonly store: AlertStore,
    private readonly onChange: (s: AlertStatus & { previous: AlertState }) => void = () => undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async start(): Promise<void> {
    for (const r of await this.history()) {
      const id = String(r.alert_id);
      if (!this.status.has(id)) this.status.set(id, { id, state: r.state as AlertState, value: (r.value as string | null) ?? null, evaluated_at: String(r.evaluated_at) });
    }
    for (const a of await this.store.all()) this.schedule(a.document);
  }

  schedule(a: Alert): void {
    this.unschedule(a.id);
    if (this.stopped) return;
    const job = new Cron(a.schedule, { protect: true, catch: (e) => process.stderr.write(`warning: alert '${a.id}' failed: ${(e as Error).message}\n`) }, async () => {
      await this.evaluate(await this.store.get(a.id));
    });
    this.jobs.set(a.id, job);
  }

  unschedule(id: string): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  get(id: string): AlertStatus {
    return this.status.get(id) ?? { id, state: 'UNKNOWN', value: null, evaluated_at: null };
  }

  /** Transitions of one alert (or all), newest first. */
  async history(id?: string): Promise<Row[]> {
    const [schema, name] = ALERT_HISTORY_TABLE.split('.');
    if (!(await this.lake.schemas()).includes(schema) || !(await this.lake.tables(schema)).includes(name)) return [];
    const { rows } = await this.lake.table(ALERT_HISTORY_TABLE).scan(id ? { where: `alert_id = '${id.replaceAll("'", "''")}'` } : {});
    return [...rows].sort((a, b) => String(b.evaluated_at).localeCompare(String(a.evaluated_at)));
  }

  /** Runs the alert's query now; one evaluation per alert at a time. */
  evaluate(a: Alert): Promise<AlertStatus> {
    const previous = this.running.get(a.id) ?? Promise.resolve(this.get(a.id));
    const next = previous.catch(() => undefined).then(() => this.evaluateNow(a));
    this.running.set(a.id, next);
    return next;
  }

  private async evaluateNow(a: Alert): Promise<AlertStatus> {
    const before = this.get(a.id);
    let state: AlertState;
    let value: string | null = null;
    let error: string | undefined;
    try {
      const data = statementData(lastResult(await this.lake.sql(a.sql)), { chunkRows: 1, rowLimit: 1 });
      const columns = (data.manifest.schema as { columns: { name: string }[] }).columns;
      const i = columns.findIndex((c) => c.name === a.column);
      if (i < 0) throw new Error(`the query has no column '${a.column}' (it has ${columns.map((c) => c.name).join(', ')})`);
      value = data.chunks[0]?.[0]?.[i] ?? null;
      state = conditionMet(a, value, before.evaluated_at === null ? undefined : before.value) ? 'TRIGGERED' : 'OK';
    } catch (e) {
      const info = errorInfo(e);
      error = `${info.error_code === 'INTERNAL_ERROR' ? '' : `${info.error_code}: `}${info.message}`;
      state = 'ERROR';
    }
    const evaluatedAt = new Date().toISOString();
    let now: AlertStatus = { id: a.id, state, value, evaluated_at: evaluatedAt, ...(error ? { error } : {}) };
    if (state !== before.state) {
      await this.record(a, before.state, now);
      const notified = (state === 'TRIGGERED' || (state === 'OK' && before.state === 'TRIGGERED')) ? await this.notify(a, before.state, now) : undefined;
      if (notified) now = { ...now, notified };
      this.status.set(a.id, now);
      this.onChange({ ...now, previous: before.state });
    } else {
      this.status.set(a.id, { ...now, ...(before.notified ? { notified: before.notified } : {}) });
    }
    return this.status.get(a.id)!;
  }

  private async record(a: Alert, previous: AlertState, s: AlertStatus): Promise<void> {
    this.historyReady ??= this.lake
      .sql(`CREATE SCHEMA IF NOT EXISTS console; CREATE TABLE IF NOT EXISTS ${ALERT_HISTORY_TABLE} (alert_id STRING, state STRING, previous_state STRING, value STRING, error STRING, evaluated_at TIMESTAMP) USING DELTA`)
      .then(() => undefined);
    await this.historyReady;
    await this.lake.table(ALERT_HISTORY_TABLE).write([{ alert_id: a.id, state: s.state, previous_state: previous, value: s.value, error: s.error ?? null, evaluated_at: s.evaluated_at }], { mode: 'append' });
  }

  /** Sends the transition to every destination; resolves to what each answered. */
  private async notify(a: Alert, previous: AlertState, s: AlertStatus): Promise<Record<string, string>> {
    const body = { alert: { id: a.id, name: a.name, column: a.column, op: a.op, threshold: a.threshold ?? null }, state: s.state, previous_state: previous, value: s.value, evaluated_at: s.evaluated_at };
    // The evaluation's time numbers the send: a message id no earlier transition had.
    const epoch = Date.parse(s.evaluated_at ?? '') || Date.now();
    const out: Record<string, string> = {};
    await Promise.all(a.destinations.map(async (d) => {
      const name = destinationName(d);
      try {
        out[name] = await sendNotification(d, body, epoch, this.fetchImpl);
      } catch (e) {
        const message = maskAddressesIn((e as Error).message, d);
        out[name] = `error: ${message}`;
        process.stderr.write(`warning: alert '${a.id}': ${d.type} ${name} failed: ${message}\n`);
      }
    }));
    return out;
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.jobs.keys()]) this.unschedule(id);
  }
}
