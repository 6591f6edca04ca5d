import type { Lakehouse, StatementResult } from '@loch/lakehouse/core';
import { randomUUID } from 'node:crypto';
import { errorInfo } from '../api-errors.js';
import { statementData, type ResultFormat, type StatementData, type StatementState } from './statement-response.js';

/** One statement the server was given, from submission until it is closed or forgotten. */
export interface StatementEntry {
  readonly id: string;
  readonly text: string;
  readonly submittedAt: number;
  state: StatementState;
  finishedAt?: number;
  data?: StatementData;
  error?: { error_code: string; message: string };
  /** Settles when the statement leaves PENDING/RUNNING. */
  readonly done: Promise<void>;
  /** Aborted by cancel(): interrupts the statement's DuckDB work. */
  readonly abort: AbortController;
  /** True from the start of its run until `lake.sql` settles (also after a cancel, until DuckDB stops). */
  executing: boolean;
}

export interface StatementStoreOptions {
  /** Rows per chunk of a JSON_ARRAY result (default 10,000). */
  readonly chunkRows?: number;
  /** How long a finished statement's result stays readable (default 1 hour). */
  readonly retainMs?: number;
  /** At most this many statements are kept; the oldest finished ones go first (default 1,000). */
  readonly maxStatements?: number;
}

/**
 * Statements run over the lake, by id. Running goes through `lake.sql`; a statement's state moves
 * PENDING → RUNNING → SUCCEEDED | FAILED, or CANCELED when cancelled first. Cancelling interrupts
 * DuckDB's execution (through `lake.sql`'s signal) and starts no further statement of a script;
 * a write interrupted before its commit leaves its table as it was, one committed stays.
 */
export class StatementStore {
  private readonly entries = new Map<string, StatementEntry>();
  private readonly chunkRows: number;
  private readonly retainMs: number;
  private readonly maxStatements: number;

  constructor(private readonly lake: Lakehouse, options: StatementStoreOptions = {}) {
    this.chunkRows = options.chunkRows ?? 10_000;
    this.retainMs = options.retainMs ?? 3_600_000;
    this.maxStatements = options.maxStatements ?? 1_000;
  }

  /** Starts `text` at once; the entry says how it goes. */
  submit(text: string, options: { rowLimit?: number; conf?: Record<string, string>; format?: ResultFormat } = {}): StatementEntry {
    this.expire();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const entry: StatementEntry = { id: randomUUID(), text, submittedAt: Date.now(), state: 'PENDING', done, abort: new AbortController(), executing: false };
    this.entries.set(entry.id, entry);
    const run = async () => {
      // Cancelled before it started: nothing runs.
      if (entry.state !== 'PENDING') return settle();
      entry.state = 'RUNNING';
      entry.executing = true;
      try {
        const results = await this.lake.sql(text, { ...(options.conf ? { conf: options.conf } : {}), signal: entry.abort.signal });
        if (entry.state !== 'RUNNING') return;
        entry.data = statementData(lastResult(results), { chunkRows: this.chunkRows, ...(options.rowLimit !== undefined ? { rowLimit: options.rowLimit } : {}), ...(options.format ? { format: options.format } : {}) });
        entry.state = 'SUCCEEDED';
      } catch (e) {
        if (entry.state !== 'RUNNING') return;
        entry.error = errorInfo(e);
        entry.state = 'FAILED';
      } finally {
        entry.executing = false;
        entry.finishedAt ??= Date.now();
        settle();
      }
    };
    void run();
    return entry;
  }

  get(id: string): StatementEntry | undefined {
    return this.entries.get(id);
  }

  /** Cancels a statement still running; a finished one keeps its state. */
  cancel(id: string): StatementEntry | undefined {
    const e = this.entries.get(id);
    if (e && (e.state === 'PENDING' || e.state === 'RUNNING')) {
      e.state = 'CANCELED';
      e.finishedAt = Date.now();
      e.abort.abort();
    }
    return e;
  }

  /** Waits up to `ms` for the statement to finish; true when it did. */
  async wait(entry: StatementEntry, ms: number): Promise<boolean> {
    if (ms <= 0) return !isActive(entry);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([entry.done, timeout]);
    clearTimeout(timer);
    return !isActive(entry);
  }

  /** Statements whose run has not settled, cancelled ones included (for a clean stop). */
  running(): StatementEntry[] {
    return [...this.entries.values()].filter((e) => isActive(e) || e.executing);
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, e] of this.entries) {
      if (!isActive(e) && e.finishedAt !== undefined && now - e.finishedAt > this.retainMs) this.entries.delete(id);
    }
    for (const [id, e] of this.entries) {
      if (this.entries.size < this.maxStatements) break;
      if (!isActive(e)) this.entries.delete(id);
    }
  }
}

export const isActive = (e: StatementEntry): boolean => e.state === 'PENDING' || e.state === 'RUNNING';

/** Of several statements' results, the last that returns rows (else the last): what a script asked for. */
export function lastResult(results: readonly StatementResult[]): StatementResult {
  for (let i = results.length - 1; i >= 0; i--) if (results[i].returnsRows) return results[i];
  return results[results.length - 1];
}
