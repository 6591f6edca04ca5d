/** The console's only way to the lake: the server's HTTP APIs. */
import type { ScanReport } from './pruning.js';

const TOKEN_KEY = 'loch.token';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let askToken: (() => Promise<void>) | undefined;

/** How the console asks for the token when the server answers 401 (set by main). */
export function onUnauthenticated(ask: () => Promise<void>): void {
  askToken = ask;
}

export function setToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = localStorage.getItem(TOKEN_KEY);
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** Calls an API; JSON in and out; a 401 asks for the token once and tries again. */
export async function api<T = any>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  const text = await r.text();
  const json = text ? JSON.parse(text) : {};
  if (r.status === 401 && !retried && askToken) {
    await askToken();
    return api(method, path, body, true);
  }
  if (!r.ok) throw new HttpError(r.status, json.error_code ?? 'HTTP_ERROR', json.message ?? `HTTP ${r.status}`);
  return json as T;
}

/** Fetches a file's bytes (an artifact); a 401 asks for the token once, as `api` does. */
export async function fetchBytes(path: string, retried = false): Promise<ArrayBuffer> {
  const r = await fetch(path, { headers: headers() });
  if (r.status === 401 && !retried && askToken) {
    await askToken();
    return fetchBytes(path, true);
  }
  if (!r.ok) {
    const json = await r.json().catch(() => ({}));
    throw new HttpError(r.status, json.error_code ?? 'HTTP_ERROR', json.message ?? `HTTP ${r.status}`);
  }
  return r.arrayBuffer();
}

export interface Column {
  readonly name: string;
  readonly type_name: string;
  readonly type_text: string;
}

/** A finished statement: columns, rows (strings or null), or the error it failed with. */
export interface QueryResult {
  readonly id: string;
  readonly columns: Column[];
  readonly rows: (string | null)[][];
  readonly summary?: string;
  readonly elapsedMs: number;
  /** What each Delta scan read and what pruned the rest. */
  readonly scans: ScanReport[];
}

/** Runs a statement through the Statement Execution API: waits, polls, then reads every chunk. */
export async function runSql(statement: string, parameters?: { name: string; value: string | null; type?: string }[]): Promise<QueryResult> {
  const started = performance.now();
  let r = await api('POST', '/api/2.0/sql/statements', { statement, wait_timeout: '10s', ...(parameters ? { parameters } : {}) });
  while (r.status.state === 'PENDING' || r.status.state === 'RUNNING') {
    await new Promise((res) => setTimeout(res, 250));
    r = await api('GET', `/api/2.0/sql/statements/${r.statement_id}`);
  }
  if (r.status.state !== 'SUCCEEDED') throw new HttpError(400, r.status.error?.error_code ?? r.status.state, r.status.error?.message ?? `statement ${r.status.state}`);
  const rows: (string | null)[][] = [...(r.result?.data_array ?? [])];
  let next = r.result?.next_chunk_internal_link as string | undefined;
  while (next) {
    const chunk = await api('GET', next);
    rows.push(...chunk.data_array);
    next = chunk.next_chunk_internal_link;
  }
  return { id: r.statement_id, columns: r.manifest?.schema?.columns ?? [], rows, ...(r.result?.summary ? { summary: r.result.summary } : {}), scans: r.result?.scans ?? [], elapsedMs: performance.now() - started };
}

/**
 * Live events from GET /api/2.0/events (Server-Sent Events read with fetch, so that the token
 * travels in a header). Returns a function that stops listening.
 */
export function subscribe(onEvent: (type: string, data: any) => void): () => void {
  const abort = new AbortController();
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        const r = await fetch('/api/2.0/events', { headers: headers(), signal: abort.signal });
        const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (type && data) onEvent(type, JSON.parse(data));
          }
        }
      } catch {
        // The server went away or the page moved on: try again in a moment unless stopped.
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
  })();
  return () => abort.abort();
}
