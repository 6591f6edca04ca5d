export { TrackingError, isTrackingError, trackingError, type TrackingErrorCode } from './errors.js';
export { TrackingStore, defaultArtifactRoot, type TrackingStoreOptions } from './store/tracking-store.js';
export { ENDPOINTS, methodOf, type Endpoint, type HttpMethod } from './store/endpoints.js';
export { checkArtifactPath, localArtifactDir, listDir, type FileInfoJson } from './store/artifacts.js';
export { ARTIFACTS_SCHEME } from './store/context.js';
export { TABLES, type TableDef } from './storage/tables.js';
export type { MaintenanceOptions } from './storage/maintenance.js';
