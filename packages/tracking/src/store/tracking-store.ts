import { Lakehouse } from '@loch/lakehouse/core';
import { join } from 'node:path';
import { isTrackingError, trackingError } from '../errors.js';
import type { MaintenanceOptions } from '../storage/maintenance.js';
import { TrackingTables } from '../storage/tracking-tables.js';
import { TABLES } from '../storage/tables.js';
import type { StoreContext } from './context.js';
import { ENDPOINT_INDEX, ENDPOINTS, type HttpMethod } from './endpoints.js';
import { ensureDefaultExperiment } from './experiments.js';
import type { RequestBody } from './request.js';

export interface TrackingStoreOptions {
  /** Directory behind `mlflow-artifacts:/` URIs (default `<lake>/mlflow-artifacts`). */
  readonly artifactRoot?: string;
  readonly clock?: () => number;
  readonly maintenance?: MaintenanceOptions;
  /**
   * When a request names something this store has not seen, read the tables again in case
   * another process wrote it (default true). A server, the lake's one writer, turns it off.
   */
  readonly refreshOnMiss?: boolean;
}

/** The directory holding a lake's artifacts, beside its tables. */
export function defaultArtifactRoot(lakeDir: string): string {
  return join(lakeDir, 'mlflow-artifacts');
}

/**
 * MLflow's tracking service and model registry over the Delta tables of one lake. Requests and
 * responses are MLflow's REST API JSON, so the same calls serve the HTTP server and the embedded
 * client. State is read from the tables once and then kept in memory, current with every write
 * that goes through this store; writes are acknowledged after their Delta commit.
 */
export class TrackingStore {
  private constructor(
    readonly lake: Lakehouse,
    private readonly ctx: StoreContext,
    private readonly refreshOnMiss: boolean,
  ) {}

  static async open(lake: Lakehouse | string, options: TrackingStoreOptions = {}): Promise<TrackingStore> {
    const l = typeof lake === 'string' ? Lakehouse.open(lake) : lake;
    const tables = await TrackingTables.open(l, options.maintenance ?? {});
    const ctx: StoreContext = { tables, artifactRoot: options.artifactRoot ?? defaultArtifactRoot(l.dir), clock: options.clock ?? Date.now };
    await ensureDefaultExperiment(ctx);
    return new TrackingStore(l, ctx, options.refreshOnMiss ?? true);
  }

  get artifactRoot(): string {
    return this.ctx.artifactRoot;
  }

  /** Operations for code in this package (models, clients). */
  get context(): StoreContext {
    return this.ctx;
  }

  /** Whether `METHOD path` is an endpoint. */
  has(method: HttpMethod, path: string): boolean {
    return ENDPOINT_INDEX.has(`${method} ${path}`);
  }

  /**
   * Calls one endpoint (`path` under /api/2.0/mlflow/, e.g. `runs/log-metric`) with its request
   * JSON; resolves to its response JSON or rejects with a TrackingError.
   */
  async call(method: HttpMethod, path: string, body: RequestBody = {}): Promise<unknown> {
    const endpoint = ENDPOINT_INDEX.get(`${method} ${path}`);
    if (!endpoint) {
      const other = ENDPOINTS.find((e) => e.path === path);
      throw other
        ? trackingError('ENDPOINT_NOT_FOUND', `${path} is called with ${other.method}, not ${method}`)
        : trackingError('ENDPOINT_NOT_FOUND', `No API endpoint ${path}`);
    }
    try {
      return await endpoint.handle(this.ctx, body);
    } catch (e) {
      // Another process may have written what this store has not read yet: read the tables
      // that changed and try once more.
      if (this.refreshOnMiss && isTrackingError(e, 'RESOURCE_DOES_NOT_EXIST') && (await this.refresh())) return endpoint.handle(this.ctx, body);
      throw e;
    }
  }

  /**
   * Reads again the tables that another writer changed (another process writing the same lake);
   * true when any had. The server is the lake's only writer and never needs it; embedded stores
   * call it before searches that must see other processes' runs.
   */
  refresh(): Promise<boolean> {
    return this.ctx.tables.refresh();
  }

  /** Waits for every write accepted so far to be committed. */
  flush(): Promise<void> {
    return this.ctx.tables.flush();
  }

  /** Compacts and checkpoints every tracking table now. */
  async compact(): Promise<void> {
    for (const def of Object.values(TABLES)) await this.ctx.tables.maintenance.compactNow(def.name);
  }

  /** Finishes pending writes and background maintenance. */
  async close(): Promise<void> {
    await this.ctx.tables.close();
  }
}
