export { createServer, LochServer, mlflowModule, artifactsModule, type ServerContext, type ServerModule, type ServerOptions } from './server.js';
export { sendError, toTrackingError } from './errors.js';
export { createScoringServer, ScoringServer, type ScoringServerOptions } from './scoring-server.js';
