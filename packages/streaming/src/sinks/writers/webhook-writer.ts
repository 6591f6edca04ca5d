import { toStructType, type DeltaTable, type Row } from '@loch/lakehouse';
import { streamingError } from '../../errors.js';
import type { ForeachWriter } from '../foreach.js';

export interface WebhookWriterOptions {
  readonly url: string;
  /** Extra request headers (Authorization, ...). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tries per row before it is given up (default 5). */
  readonly attempts?: number;
  /** The first retry's wait; each next one doubles it, with jitter (default 200 ms). */
  readonly backoffMs?: number;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
  /** Rows that still fail go here (url, payload, status, error, batch_id, failed_at); without it, such a row fails the query. */
  readonly deadLetter?: DeltaTable;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEAD_LETTER_SCHEMA = toStructType({ url: 'string', payload: 'string', status: 'int', error: 'string', attempts: 'int', batch_id: 'long', failed_at: 'timestamp' });

/**
 * Rows to an HTTP endpoint: each row POSTed as JSON (`Content-Type: application/json`,
 * `Idempotency-Key: <batch>-<row>`), retried with exponential backoff on network errors, 429 and
 * 5xx; a row that still fails goes to the dead-letter Delta table, appended once per batch. At
 * least once: a replayed batch posts again with the same idempotency keys.
 */
export function webhookWriter(options: WebhookWriterOptions): ForeachWriter {
  const attempts = options.attempts ?? 5;
  const backoff = options.backoffMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let epochId = 0;
  let n = 0;
  let dead: Record<string, unknown>[] = [];
  const post = async (payload: string, key: string): Promise<{ ok: true } | { ok: false; status: number | null; error: string }> => {
    try {
      const r = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, ...(options.headers ?? {}) },
        body: payload,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await r.arrayBuffer().catch(() => undefined);
      if (r.ok) return { ok: true };
      return { ok: false, status: r.status, error: `HTTP ${r.status} ${r.statusText}` };
    } catch (e) {
      return { ok: false, status: null, error: (e as Error).message };
    }
  };
  return {
    open(_partitionId, epoch) {
      epochId = epoch;
      n = 0;
      dead = [];
      return true;
    },
    async process(row: Row) {
      const payload = JSON.stringify(row);
      const key = `${epochId}-${n++}`;
      let last: { status: number | null; error: string } = { status: null, error: '' };
      for (let i = 1; i <= attempts; i++) {
        const r = await post(payload, key);
        if (r.ok) return;
        last = r;
        const retryable = r.status === null || r.status === 429 || r.status >= 500;
        if (!retryable || i === attempts) break;
        await sleep(backoff * 2 ** (i - 1) * (0.5 + Math.random()));
      }
      if (!options.deadLetter) throw streamingError('STREAM_SOURCE_UNAVAILABLE', `webhook ${options.url} refused a row after ${attempts} tries: ${last.error}`);
      dead.push({ url: options.url, payload, status: last.status, error: last.error, attempts, batch_id: epochId, failed_at: new Date().toISOString() });
    },
    async close() {
      if (dead.length > 0 && options.deadLetter) await options.deadLetter.write(dead.splice(0), { schema: DEAD_LETTER_SCHEMA });
    },
  };
}
