import type { StoreContext } from './context.js';
import * as experiments from './experiments.js';
import * as runs from './runs.js';
import { searchRuns } from './run-search.js';
import { listArtifacts } from './artifacts.js';
import * as registry from './registry.js';
import type { RequestBody } from './request.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Endpoint {
  /** HTTP method MLflow's protos give the endpoint. */
  readonly method: HttpMethod;
  /** Path under /api/2.0/mlflow/. */
  readonly path: string;
  readonly handle: (ctx: StoreContext, body: RequestBody) => unknown;
}

const e = (method: HttpMethod, path: string, handle: Endpoint['handle']): Endpoint => ({ method, path, handle });

/** MLflow's REST API 2.0: every endpoint Loch serves, as its protos define them. */
export const ENDPOINTS: readonly Endpoint[] = [
  e('POST', 'experiments/create', experiments.createExperiment),
  e('GET', 'experiments/get', experiments.getExperiment),
  e('GET', 'experiments/get-by-name', experiments.getExperimentByName),
  e('POST', 'experiments/search', experiments.searchExperiments),
  e('GET', 'experiments/search', experiments.searchExperiments),
  e('POST', 'experiments/update', experiments.updateExperiment),
  e('POST', 'experiments/delete', experiments.deleteExperiment),
  e('POST', 'experiments/restore', experiments.restoreExperiment),
  e('POST', 'experiments/set-experiment-tag', experiments.setExperimentTag),
  e('POST', 'experiments/delete-experiment-tag', experiments.deleteExperimentTag),
  e('POST', 'runs/create', runs.createRun),
  e('GET', 'runs/get', runs.getRun),
  e('POST', 'runs/update', runs.updateRun),
  e('POST', 'runs/delete', runs.deleteRun),
  e('POST', 'runs/restore', runs.restoreRun),
  e('POST', 'runs/search', searchRuns),
  e('POST', 'runs/log-metric', runs.logMetric),
  e('POST', 'runs/log-parameter', runs.logParam),
  e('POST', 'runs/set-tag', runs.setTag),
  e('POST', 'runs/delete-tag', runs.deleteTag),
  e('POST', 'runs/log-batch', runs.logBatch),
  e('POST', 'runs/log-inputs', runs.logInputs),
  e('GET', 'metrics/get-history', runs.getMetricHistory),
  e('GET', 'artifacts/list', listArtifacts),
  ...registry.REGISTRY_ENDPOINTS.map((r) => e(r.method, r.path, r.handle)),
];

/** Endpoints by `METHOD path`. */
export const ENDPOINT_INDEX: ReadonlyMap<string, Endpoint> = new Map(ENDPOINTS.map((x) => [`${x.method} ${x.path}`, x]));

/** The method a path is called with (the first one its proto lists). */
export function methodOf(path: string): HttpMethod | undefined {
  return ENDPOINTS.find((x) => x.path === path)?.method;
}
