import type { TrackingTables } from '../storage/tracking-tables.js';

/** What every store operation works with. */
export interface StoreContext {
  readonly tables: TrackingTables;
  /** Local directory behind `mlflow-artifacts:/` URIs. */
  readonly artifactRoot: string;
  /** Milliseconds since the epoch (injectable for tests). */
  readonly clock: () => number;
}

export const ACTIVE = 'active';
export const DELETED = 'deleted';

/** The scheme of artifact URIs served by the tracking server (`mlflow server --serve-artifacts`). */
export const ARTIFACTS_SCHEME = 'mlflow-artifacts:';
