import type { Lakehouse, Row } from '@loch/lakehouse/core';
import { sparkString } from '@loch/lakehouse/core';
import { Cron } from 'croner';
import { randomUUID } from 'node:crypto';
import { errorInfo } from '../api-errors.js';
import { DocumentStore } from '../document-store.js';
import { parseJob, type Job } from './format.js';

export const JOBS_TABLE = 'console.jobs';
export const JOB_RUNS_TABLE = 'console.job_runs';

export class JobStore extends DocumentStore<Job> {
  constructor(lake: Lakehouse) {
    super(lake, JOBS_TABLE, 'job', parseJob);
  }
}

/** One run of a job: what started it, when, how it ended, after how many attempts. */
export interface JobRun {
  readonly run_id: string;
  readonly job_id: string;
  readonly trigger: 'schedule' | 'manual';
  readonly started_at: string;
  ended_at: string | null;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  attempts: number;
  error: string | null;
  /** The last statement's summary (`INSERT INTO t: 3 rows, version 2`) or row count. */
  summary: string | null;
}

/**
 * Runs jobs on their schedules or on demand, one run of a job at a time, retrying a failed run
 * as the job says; each finished run is appended to `console.job_runs`. `onRun` hears of runs
 * starting and ending (the live event stream).
 */
export class JobRunner {
  private readonly jobs = new Map<string, Cron>();
  private readonly running = new Map<string, JobRun>();
  private ready?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly lake: Lakehouse,
    private readonly store: JobStore,
    private readonly onRun: (r: JobRun) => void = () => undefined,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async start(): Promise<void> {
    for (const { document } of await this.store.all()) this.schedule(document);
  }

  schedule(job: Job): void {
    this.unschedule(job.id);
    if (this.stopped || !job.schedule) return;
    this.jobs.set(job.id, new Cron(job.schedule, { protect: true, catch: (e) => process.stderr.write(`warning: job '${job.id}' failed: ${(e as Error).message}\n`) }, async () => {
      await this.run(await this.store.get(job.id), 'schedule').done;
    }));
  }

  unschedule(id: string): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  /** The run under way of a job, if any. */
  current(id: string): JobRun | undefined {
    return this.running.get(id);
  }

  /** Starts a run (or gives the one under way); `done` settles when it has ended and been recorded. */
  run(job: Job, trigger: JobRun['trigger']): { run: JobRun; done: Promise<JobRun> } {
    const under = this.running.get(job.id) as (JobRun & { done?: Promise<JobRun> }) | undefined;
    if (under?.done) return { run: under, done: under.done };
    const run: JobRun & { done?: Promise<JobRun> } = { run_id: randomUUID(), job_id: job.id, trigger, started_at: new Date().toISOString(), ended_at: null, status: 'RUNNING', attempts: 0, error: null, summary: null };
    this.running.set(job.id, run);
    this.onRun({ ...run });
    run.done = this.execute(job, run).finally(() => this.running.delete(job.id));
    return { run, done: run.done };
  }

  private async execute(job: Job, run: JobRun): Promise<JobRun> {
    for (;;) {
      run.attempts++;
      try {
        const results = await this.lake.sql(job.sql);
        const last = results[results.length - 1];
        run.summary = last?.summary ?? (last?.returnsRows ? `${last.rows.length} rows` : null);
        run.status = 'SUCCEEDED';
        run.error = null;
        break;
      } catch (e) {
        const info = errorInfo(e);
        run.error = `${info.error_code}: ${info.message}`;
        if (run.attempts > job.retries || this.stopped) {
          run.status = 'FAILED';
          break;
        }
        await this.sleep(job.retry_delay_seconds * 1000);
      }
    }
    run.ended_at = new Date().toISOString();
    await this.record(run);
    const { done: _done, ...plain } = run as JobRun & { done?: unknown };
    this.onRun(plain);
    return plain;
  }

  private async record(run: JobRun): Promise<void> {
    try {
      this.ready ??= this.lake
        .sql(`CREATE SCHEMA IF NOT EXISTS console; CREATE TABLE IF NOT EXISTS ${JOB_RUNS_TABLE} (run_id STRING, job_id STRING, trigger STRING, started_at TIMESTAMP, ended_at TIMESTAMP, status STRING, attempts INT, error STRING, summary STRING) USING DELTA`)
        .then(() => undefined);
      await this.ready;
      const { done: _done, ...row } = run as JobRun & { done?: unknown };
      await this.lake.table(JOB_RUNS_TABLE).write([row], { mode: 'append' });
    } catch (e) {
      this.ready = undefined;
      process.stderr.write(`warning: job run ${run.run_id} not recorded: ${(e as Error).message}\n`);
    }
  }

  /** A job's runs, newest first: the one under way, then those recorded. */
  async runs(id: string, limit = 100): Promise<unknown[]> {
    const [schema, name] = JOB_RUNS_TABLE.split('.');
    const recorded: Row[] = (await this.lake.schemas()).includes(schema) && (await this.lake.tables(schema)).includes(name)
      ? (await this.lake.table(JOB_RUNS_TABLE).scan({ where: `job_id = ${sparkString(id)}` })).rows
      : [];
    const sorted = [...recorded].sort((a, b) => String(b.started_at).localeCompare(String(a.started_at))).slice(0, limit);
    const current = this.running.get(id);
    const { done: _d, ...now } = (current ?? {}) as JobRun & { done?: unknown };
    return current ? [now, ...sorted] : sorted;
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.jobs.keys()]) this.unschedule(id);
  }
}
