export { TrackingError, isTrackingError, trackingError, type TrackingErrorCode } from './errors.js';
export { TrackingStore, defaultArtifactRoot, type TrackingStoreOptions } from './store/tracking-store.js';
export { ENDPOINTS, methodOf, type Endpoint, type HttpMethod } from './store/endpoints.js';
export { checkArtifactPath, localArtifactDir, listDir, type FileInfoJson } from './store/artifacts.js';
export { ARTIFACTS_SCHEME } from './store/context.js';
export { TABLES, TRACKING_SCHEMA, type TableDef } from './storage/tables.js';
export type { MaintenanceOptions } from './storage/maintenance.js';
export { Tracking, Run, trackingUriFromEnv, type StartRunOptions, type TrackingOptions, type RunStatus } from './client/tracking.js';
export { EmbeddedBackend, RestBackend, type TrackingBackend } from './client/backend.js';
export { logModel, writeModelDir, type LogModelOptions, type ModelInfo } from './models/log-model.js';
export { loadModel, modelDirectory, type LoadModelOptions } from './models/load-model.js';
export { loadModelDir, type LoadedModel, type ModelModule, type Batch } from './models/load-dir.js';
export { registerModel, type ModelVersionInfo } from './models/registry-client.js';
export { readMLmodel, signatureInputs, LOCH_FLAVOR, LOCH_VERSION, type MLmodel, type ModelSignature, type ColumnSpec } from './models/mlmodel.js';
export { scoringRows, checkRows } from './models/scoring-input.js';
// Adds lake.udf.registerModel.
export type { RegisterModelOptions } from './models/sql-scoring.js';
import './models/sql-scoring.js';

import { Tracking as TrackingClass } from './client/tracking.js';
/**
 * The default client, MLflow's fluent API: runs go where LOCH_TRACKING_URI (or
 * MLFLOW_TRACKING_URI) points when it is first used, else into ./lake.
 */
export const tracking = new TrackingClass();
