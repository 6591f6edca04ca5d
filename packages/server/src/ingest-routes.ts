import type { Lakehouse, WriteData } from '@loch/lakehouse/core';
import type { FastifyInstance } from 'fastify';
import { invalidRequest, sendApiError } from './api-errors.js';

/** A table name an ingest request may name: `t`, `schema.t` or `catalog.schema.t`, plain identifiers only. */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/;

/** Idempotency keys become Delta `txn` app ids, which other Delta readers show: printable ASCII only. */
const KEY = /^[\x21-\x7e]{1,200}$/;

/** The events of a request body: a JSON array of objects, one object, or JSON lines (NDJSON). */
export function parseEvents(body: unknown): Record<string, unknown>[] {
  let items: unknown[];
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const lines = String(body).split('\n');
    items = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        items.push(JSON.parse(line));
      } catch (e) {
        throw invalidRequest(`body: line ${i + 1} is not JSON (${(e as Error).message})`);
      }
    });
  } else {
    items = Array.isArray(body) ? body : [body];
  }
  items.forEach((x, i) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw invalidRequest(`body: event ${i + 1} is not a JSON object`);
  });
  return items as Record<string, unknown>[];
}

export interface IngestResult {
  readonly table: string;
  /** COMMITTED: this request's rows are in `version`; DUPLICATE: a request with the same key already landed them. */
  readonly status: 'COMMITTED' | 'DUPLICATE' | 'EMPTY';
  readonly num_rows: number;
  readonly version?: number;
}

/**
 * Appends events to a Delta table in one commit. With an idempotency key the commit carries a
 * Delta `txn` (app id `loch-ingest:<key>`, version 0), so a retried request finds its key in the
 * table's transactions and lands nothing: exactly once per key, also across server restarts and
 * also against another server writing the same table (the commit protocol checks txn conflicts).
 */
export class Ingestor {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly lake: Lakehouse) {}

  /**
   * Appends `events`: parsed objects, or NDJSON as it came (DuckDB reads it straight from the
   * request's bytes, typed and checked as parsed objects would be).
   */
  ingest(table: string, events: Record<string, unknown>[] | Buffer, key?: string): Promise<IngestResult> {
    if (!TABLE_NAME.test(table)) throw invalidRequest(`table: '${table}' is not a table name (name, schema.name or catalog.schema.name)`);
    if (key !== undefined && !KEY.test(key)) throw invalidRequest('Idempotency-Key: 1 to 200 printable ASCII characters without spaces');
    // One write per table at a time in this server: concurrent appends would only conflict and retry.
    const previous = this.queues.get(table) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => (Buffer.isBuffer(events) ? this.writeNdjson(table, events, key) : this.write(table, events, events.length, key)));
    this.queues.set(table, next);
    void next.finally(() => {
      if (this.queues.get(table) === next) this.queues.delete(table);
    }).catch(() => undefined);
    return next;
  }

  /**
   * NDJSON handed to DuckDB's JSON reader. When DuckDB cannot read it, the lines are parsed here
   * to say which line is wrong (the reader names bytes, not lines); schema errors pass unchanged.
   */
  private async writeNdjson(table: string, body: Buffer, key?: string): Promise<IngestResult> {
    if (!/[^\s]/.test(body.toString('latin1'))) return { table, status: 'EMPTY', num_rows: 0 };
    try {
      return await this.write(table, { ndjson: body }, undefined, key);
    } catch (e) {
      if (/cannot read the rows to write/.test((e as Error).message)) parseEvents(body);
      throw e;
    }
  }

  private async write(table: string, data: WriteData, count: number | undefined, key?: string): Promise<IngestResult> {
    if (count === 0) return { table, status: 'EMPTY', num_rows: 0 };
    const t = this.lake.table(table);
    const r = await t.write(data, { mode: 'append', ...(key !== undefined ? { txn: { appId: `loch-ingest:${key}`, version: 0 } } : {}), operation: 'WRITE' });
    if (r.kind === 'skipped') return { table, status: 'DUPLICATE', num_rows: 0 };
    if (r.kind === 'committed') return { table, status: 'COMMITTED', num_rows: count ?? r.metrics.numOutputRows ?? 0, version: r.version };
    return { table, status: 'COMMITTED', num_rows: 0, version: r.version };
  }
}

/** POST /api/2.0/ingest/{table}: JSON lines or a JSON array of events, appended in one commit. */
export function ingestRoutes(app: FastifyInstance, ingestor: Ingestor): void {
  for (const type of ['application/x-ndjson', 'application/jsonl', 'application/json-lines', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }
  app.post<{ Params: { table: string } }>('/api/2.0/ingest/:table', async (request, reply) => {
    try {
      const header = request.headers['idempotency-key'];
      const key = (Array.isArray(header) ? header[0] : header) ?? (request.query as Record<string, string | undefined>).request_id;
      const body = request.body ?? '';
      // JSON lines go to DuckDB as they came; a JSON array (already parsed by the JSON parser) as objects.
      const events = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : parseEvents(body);
      return reply.send(await ingestor.ingest(request.params.table, events, key));
    } catch (e) {
      return sendApiError(reply, e);
    }
  });
}
