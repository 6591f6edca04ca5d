import { checkpointInterval, cleanupExpiredLogs, loadSnapshot, writeCheckpoint, type Engine } from '@loch/delta';

/**
 * Work that follows a commit: a checkpoint every `delta.checkpointInterval` versions, then the
 * removal of expired log files. The commit has already succeeded, so a failure here only means
 * the next reader replays a little more log; it is reported on stderr, not thrown.
 */
export async function afterCommit(engine: Engine, url: string, version: number, configuration: Readonly<Record<string, string>>): Promise<void> {
  if (version === 0 || version % checkpointInterval(configuration) !== 0) return;
  try {
    const snapshot = await loadSnapshot(engine, url, { version });
    const written = await writeCheckpoint(engine, snapshot);
    if (written) await cleanupExpiredLogs(engine, url, version, snapshot.metadata.configuration);
  } catch (e) {
    process.stderr.write(`warning: checkpoint at version ${version} of ${url} failed: ${(e as Error).message}\n`);
  }
}
