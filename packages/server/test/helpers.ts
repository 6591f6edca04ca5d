import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type LochServer, type ServerOptions } from '../src/index.js';

export interface Running {
  readonly server: LochServer;
  readonly url: string;
  readonly dir: string;
  /** Calls an MLflow endpoint; returns HTTP status and parsed JSON. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** A server on a free port over a fresh lake in a temporary directory. */
export async function startServer(options: ServerOptions = {}): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-server-'));
  const server = createServer({ lake: join(dir, 'lake'), port: 0, ...options });
  const url = await server.start();
  return {
    server,
    url,
    dir,
    async call(method, path, body) {
      let target = `${url}/api/2.0/mlflow/${path}`;
      const init: RequestInit = { method, headers: {} };
      if (method === 'GET' && body) {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
          for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
        }
        target += `?${q}`;
      } else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const r = await fetch(target, init);
      const text = await r.text();
      return { status: r.status, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
