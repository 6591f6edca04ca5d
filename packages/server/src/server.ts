import { Lakehouse } from '@loch/lakehouse/core';
import { TrackingStore, trackingError, type MaintenanceOptions } from '@loch/tracking';
import Fastify, { type FastifyInstance } from 'fastify';
import { artifactRoutes } from './artifact-routes.js';
import { errorHandler, sendError } from './errors.js';
import { parseJson } from './json-body.js';
import { lakeApiModule } from './lake-module.js';
import { mlflowRoutes } from './mlflow-routes.js';

/** What a server module is given when it registers its routes. */
export interface ServerContext {
  readonly lake: Lakehouse;
  readonly tracking: TrackingStore;
  /** The bearer token the server requires, when it requires one. */
  readonly token?: string;
}

/**
 * A part of `loch server` (the MLflow API, the console, the SQL API, ...): routes registered on
 * the one Fastify app when the server starts. Each runs in its own Fastify plugin scope.
 */
export interface ServerModule {
  readonly name: string;
  /**
   * Paths served without the token (exact, or a prefix when ending in '/'): the console's page
   * and bundle, which hold no data and must load to ask for the token.
   */
  readonly publicPaths?: readonly string[];
  register(app: FastifyInstance, ctx: ServerContext): Promise<void> | void;
}

export interface ServerOptions {
  /** The lake: a directory (default ./lake) or an open Lakehouse. */
  readonly lake?: string | Lakehouse;
  /** Default 127.0.0.1: the server is reachable from this machine only unless told otherwise. */
  readonly host?: string;
  /** Default 5000, as `mlflow server`; 0 picks a free port. */
  readonly port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Modules besides the MLflow API and artifact service (e.g. the console). */
  readonly modules?: readonly ServerModule[];
  /** Directory behind `mlflow-artifacts:/` (default <lake>/mlflow-artifacts). */
  readonly artifactRoot?: string;
  readonly maintenance?: MaintenanceOptions;
}

/** The MLflow tracking and registry API under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/. */
export const mlflowModule: ServerModule = {
  name: 'mlflow',
  register: (app, ctx) => mlflowRoutes(app, ctx.tracking),
};

/** The proxied artifact service under /api/2.0/mlflow-artifacts/. */
export const artifactsModule: ServerModule = {
  name: 'mlflow-artifacts',
  register: (app, ctx) => artifactRoutes(app, ctx.tracking.artifactRoot),
};

/** `loch server`: one Fastify app, the modules registered on it, a lifecycle. */
export class LochServer {
  readonly app: FastifyInstance;
  readonly lake: Lakehouse;
  private readonly modules: ServerModule[];
  private store?: TrackingStore;
  private address?: string;
  private settle!: () => void;
  /** Settles when the server has stopped (by stop(), or a signal handled by the caller). */
  readonly closed: Promise<void>;

  constructor(private readonly options: ServerOptions = {}) {
    this.lake = typeof options.lake === 'object' ? options.lake : Lakehouse.open(options.lake ?? './lake');
    this.modules = [mlflowModule, artifactsModule, lakeApiModule(), ...(options.modules ?? [])];
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024, forceCloseConnections: true });
    this.closed = new Promise((resolve) => (this.settle = resolve));
  }

  /** Adds a module; before start() only. */
  use(module: ServerModule): this {
    if (this.store) throw new Error(`server module '${module.name}' added after the server started`);
    this.modules.push(module);
    return this;
  }

  /** The tracking store (after start()). */
  get tracking(): TrackingStore {
    if (!this.store) throw new Error('the server has not started');
    return this.store;
  }

  /** `http://host:port` once listening. */
  get url(): string {
    if (!this.address) throw new Error('the server has not started');
    return this.address;
  }

  /** Opens the lake's tracking tables, registers the modules and listens; resolves to the URL. */
  async start(): Promise<string> {
    const store = await TrackingStore.open(this.lake, {
      refreshOnMiss: false,
      ...(this.options.artifactRoot ? { artifactRoot: this.options.artifactRoot } : {}),
      maintenance: { onError: (m) => process.stderr.write(`warning: ${m}\n`), ...this.options.maintenance },
    });
    this.store = store;
    const app = this.app;
    app.setErrorHandler(errorHandler);
    app.setNotFoundHandler((request, reply) => sendError(reply, trackingError('ENDPOINT_NOT_FOUND', `No API endpoint ${request.method} ${request.url.split('?')[0]}`)));
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, {});
      try {
        done(null, parseJson(text));
      } catch (e) {
        done(trackingError('BAD_REQUEST', `Malformed JSON in the request body: ${(e as Error).message}`), undefined);
      }
    });
    const token = this.options.token;
    if (token) {
      const open = this.modules.flatMap((m) => m.publicPaths ?? []);
      const isPublic = (url: string) => {
        const path = url.split('?')[0];
        return open.some((p) => (p.endsWith('/') && p !== '/' ? path.startsWith(p) && !path.slice(p.length).includes('/') : path === p));
      };
      app.addHook('onRequest', async (request, reply) => {
        if (request.method === 'GET' && isPublic(request.url)) return;
        if (request.headers.authorization !== `Bearer ${token}`) {
          return sendError(reply, trackingError('UNAUTHENTICATED', 'This server needs an Authorization: Bearer <token> header with the token it was started with'));
        }
      });
    }
    const ctx: ServerContext = { lake: this.lake, tracking: store, ...(token ? { token } : {}) };
    for (const m of this.modules) await app.register(async (scope) => m.register(scope, ctx));
    const host = this.options.host ?? '127.0.0.1';
    await app.listen({ host, port: this.options.port ?? 5000 });
    const a = app.server.address();
    const port = typeof a === 'object' && a ? a.port : this.options.port;
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this.address;
  }

  /** Stops listening, finishes the writes under way, and settles `closed`. */
  async stop(): Promise<void> {
    try {
      await this.app.close();
      await this.store?.close();
    } finally {
      this.settle();
    }
  }
}

export function createServer(options: ServerOptions = {}): LochServer {
  return new LochServer(options);
}
