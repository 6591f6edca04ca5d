import type { Engine } from '../engine/engine.js';
import { baseName, parseLogFileName } from '../log/file-names.js';
import { logDirUrl } from '../log/segment.js';
import { parseInterval } from './checkpoint.js';

const DEFAULT_LOG_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * Deletes log files that expired (`delta.logRetentionDuration`, default 30 days) and are no longer
 * needed: commits and checkpoints older than the newest checkpoint at `checkpointVersion`. The
 * state at every version from that checkpoint on stays readable.
 */
export async function cleanupExpiredLogs(
  engine: Engine,
  tableRoot: string,
  checkpointVersion: number,
  configuration: Readonly<Record<string, string>>,
  now = Date.now(),
): Promise<number> {
  if (configuration['delta.enableExpiredLogCleanup'] === 'false') return 0;
  const cutoff = now - parseInterval(configuration['delta.logRetentionDuration'], DEFAULT_LOG_RETENTION_MS);
  const files = await engine.storage.list(logDirUrl(tableRoot));
  let deleted = 0;
  for (const f of files) {
    const kind = parseLogFileName(baseName(f.path));
    if (kind.kind !== 'commit' && kind.kind !== 'checkpoint' && kind.kind !== 'crc') continue;
    if (kind.version >= checkpointVersion || f.modificationTime >= cutoff) continue;
    await engine.storage.delete(f.path);
    deleted++;
  }
  return deleted;
}
