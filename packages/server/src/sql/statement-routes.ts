import { sparkIdent } from '@loch/lakehouse/core';
import type { FastifyInstance } from 'fastify';
import { ApiError, invalidRequest, notFoundError, sendApiError } from '../api-errors.js';
import { bindParameters, type StatementParameter } from './parameters.js';
import { chunkResult } from './statement-response.js';
import { isActive, type StatementEntry, type StatementStore } from './statement-store.js';

/** The body of POST /api/2.0/sql/statements (Databricks' ExecuteStatementRequest). */
interface ExecuteRequest {
  statement?: unknown;
  parameters?: StatementParameter[];
  wait_timeout?: unknown;
  on_wait_timeout?: unknown;
  format?: unknown;
  disposition?: unknown;
  row_limit?: unknown;
  catalog?: unknown;
  schema?: unknown;
  warehouse_id?: unknown;
}

/** `wait_timeout` in ms: `0s`, or 5 to 50 seconds, as Databricks takes it (default 10s). */
export function waitTimeoutMs(v: unknown): number {
  if (v === undefined || v === null || v === '') return 10_000;
  const m = /^(\d+)s$/.exec(String(v));
  const s = m ? Number(m[1]) : NaN;
  if (!(s === 0 || (s >= 5 && s <= 50))) throw invalidRequest(`wait_timeout: '${String(v)}' is not 0s or between 5s and 50s`);
  return s * 1000;
}

/** A statement as the API describes it: id, status and, once it succeeded, manifest and first chunk. */
export function describeStatement(e: StatementEntry): Record<string, unknown> {
  const status: Record<string, unknown> = { state: e.state };
  if (e.error) status.error = e.error;
  const out: Record<string, unknown> = { statement_id: e.id, status };
  if (e.state === 'SUCCEEDED' && e.data) {
    out.manifest = e.data.manifest;
    out.result = chunkResult(e.id, e.data, 0);
    if (e.data.summary !== undefined) (out.result as Record<string, unknown>).summary = e.data.summary;
    if (e.data.version !== undefined) (out.result as Record<string, unknown>).version = e.data.version;
    if (e.data.scans !== undefined) (out.result as Record<string, unknown>).scans = e.data.scans;
  }
  return out;
}

function statementText(body: ExecuteRequest): string {
  if (typeof body.statement !== 'string' || body.statement.trim() === '') throw invalidRequest('statement: a SQL statement is required');
  if (body.format !== undefined && body.format !== 'JSON_ARRAY' && body.format !== 'ARROW_STREAM') throw invalidRequest(`format: '${String(body.format)}' is not supported; use JSON_ARRAY or ARROW_STREAM`);
  if (body.disposition !== undefined && body.disposition !== 'INLINE') throw invalidRequest(`disposition: '${String(body.disposition)}' is not supported; use INLINE`);
  if (body.catalog !== undefined && body.catalog !== null && typeof body.catalog !== 'string') throw invalidRequest('catalog: a name is required');
  if (body.schema !== undefined && body.schema !== null && typeof body.schema !== 'string') throw invalidRequest('schema: a name is required');
  const text = bindParameters(body.statement, body.parameters);
  // catalog and schema set the session's current ones, as USE would, before the statement runs.
  const use = [body.catalog ? `USE CATALOG ${sparkIdent(body.catalog as string)}` : '', body.schema ? `USE SCHEMA ${sparkIdent(body.schema as string)}` : ''].filter(Boolean);
  return use.length > 0 ? `${use.join('; ')}; ${text}` : text;
}

function rowLimit(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw invalidRequest(`row_limit: '${String(v)}' is not a non-negative integer`);
  return n;
}

/** Databricks' Statement Execution API 2.0 over the lake. */
export function statementRoutes(app: FastifyInstance, store: StatementStore): void {
  const find = (id: string): StatementEntry => {
    const e = store.get(id);
    if (!e) throw notFoundError(`statement '${id}' does not exist (or its result has expired)`);
    return e;
  };

  app.post('/api/2.0/sql/statements', async (request, reply) => {
    try {
      const body = (request.body ?? {}) as ExecuteRequest;
      const text = statementText(body);
      const wait = waitTimeoutMs(body.wait_timeout);
      const onTimeout = body.on_wait_timeout ?? 'CONTINUE';
      if (onTimeout !== 'CONTINUE' && onTimeout !== 'CANCEL') throw invalidRequest(`on_wait_timeout: '${String(onTimeout)}' is not CONTINUE or CANCEL`);
      const limit = rowLimit(body.row_limit);
      const entry = store.submit(text, { ...(limit !== undefined ? { rowLimit: limit } : {}), ...(body.format === 'ARROW_STREAM' ? { format: 'ARROW_STREAM' as const } : {}) });
      const finished = await store.wait(entry, wait);
      if (!finished && onTimeout === 'CANCEL') store.cancel(entry.id);
      return reply.send(describeStatement(entry));
    } catch (e) {
      return sendApiError(reply, e);
    }
  });

  app.get<{ Params: { id: string } }>('/api/2.0/sql/statements/:id', async (request, reply) => {
    try {
      return reply.send(describeStatement(find(request.params.id)));
    } catch (e) {
      return sendApiError(reply, e);
    }
  });

  app.get<{ Params: { id: string; index: string } }>('/api/2.0/sql/statements/:id/result/chunks/:index', async (request, reply) => {
    try {
      const e = find(request.params.id);
      if (e.state !== 'SUCCEEDED' || !e.data) throw new ApiError('INVALID_STATE', `statement '${e.id}' is ${e.state}; it has no result`, 400);
      const index = Number(request.params.index);
      if (!Number.isInteger(index) || index < 0 || index >= e.data.chunks.length) throw notFoundError(`statement '${e.id}' has no chunk ${request.params.index} (it has ${e.data.chunks.length})`);
      return reply.send(chunkResult(e.id, e.data, index));
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.post<{ Params: { id: string } }>('/api/2.0/sql/statements/:id/cancel', async (request, reply) => {
    try {
      const e = find(request.params.id);
      store.cancel(e.id);
      return reply.send({});
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/2.0/sql/statements/:id', async (request, reply) => {
    try {
      const e = find(request.params.id);
      if (isActive(e)) store.cancel(e.id);
      e.state = e.state === 'SUCCEEDED' ? 'CLOSED' : e.state;
      delete e.data;
      return reply.send({});
    } catch (err) {
      return sendApiError(reply, err);
    }
  });
}
