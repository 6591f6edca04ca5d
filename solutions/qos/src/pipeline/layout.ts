import { join } from 'node:path';

/** Where a QoS run keeps things under its root folder: the lake, landing zones, checkpoints. */
export interface QosLayout {
  readonly root: string;
  /** The lake (`npx loch server --lake <lake>`). */
  readonly lake: string;
  /** Player events as JSON lines files, as an ingest service drops them. */
  readonly landingEvents: string;
  /** CDN access logs as JSON lines files, as the CDN delivers them. */
  readonly landingCdnLogs: string;
  /** Auto Loader schemas and query checkpoints. */
  readonly checkpoints: string;
}

export function qosLayout(root: string): QosLayout {
  return {
    root,
    lake: join(root, 'lake'),
    landingEvents: join(root, 'landing', 'events'),
    landingCdnLogs: join(root, 'landing', 'cdn_logs'),
    checkpoints: join(root, 'checkpoints'),
  };
}
