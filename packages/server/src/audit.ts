import type { Lakehouse } from '@loch/lakehouse/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const AUDIT_TABLE = 'console.audit';

export interface AuditEntry {
  readonly requested_at: string;
  /** `token` when the request carried the server's token, `anonymous` on a server without one. */
  readonly principal: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The client's address. */
  readonly remote: string;
  /** What was asked: a statement's text, an ingest's idempotency key, a document's id. */
  readonly detail: string | null;
}

/**
 * Requests that change data or configuration, appended to `console.audit` (who, what, when,
 * from where). Entries are buffered and written together at most every `flushMs`, so that
 * auditing costs one commit a second rather than one a request; the server's stop writes the rest.
 */
export class AuditLog {
  private pending: AuditEntry[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private ready?: Promise<void>;

  constructor(private readonly lake: Lakehouse, private readonly flushMs = 1000) {}

  record(e: AuditEntry): void {
    this.pending.push(e);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes what is buffered (one commit); resolves when it is in the table. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        this.ready ??= this.lake
          .sql(`CREATE SCHEMA IF NOT EXISTS console; CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (requested_at TIMESTAMP, principal STRING, method STRING, path STRING, status INT, remote STRING, detail STRING) USING DELTA`)
          .then(() => undefined);
        await this.ready;
        await this.lake.table(AUDIT_TABLE).write(rows.map((r) => ({ ...r })), { mode: 'append' });
      } catch (e) {
        this.ready = undefined;
        process.stderr.write(`warning: ${rows.length} audit entries not written: ${(e as Error).message}\n`);
      }
    });
    return this.writing;
  }
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function detailOf(request: FastifyRequest): string | null {
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && typeof body.statement === 'string') return body.statement.slice(0, 2000);
  const key = request.headers['idempotency-key'];
  if (typeof key === 'string') return `Idempotency-Key: ${key}`;
  if (body && typeof body === 'object' && typeof body.id === 'string') return `id: ${body.id}`;
  if (body && typeof body === 'object' && typeof body.name === 'string') return `name: ${body.name}`;
  return null;
}

/** Records every changing request of the routes in `app`'s scope once it is answered. */
export function auditRequests(app: FastifyInstance, log: AuditLog, token: string | undefined): void {
  app.addHook('onResponse', async (request, reply) => {
    if (!CHANGES.has(request.method)) return;
    log.record({
      requested_at: new Date().toISOString(),
      principal: token ? (request.headers.authorization === `Bearer ${token}` ? 'token' : 'refused') : 'anonymous',
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      remote: request.ip,
      detail: detailOf(request),
    });
  });
}
