import { commitTimes, toEpochMillis, type Engine } from '@loch/delta';
import { streamingError } from '../../errors.js';
import type { CommitReader } from './commits.js';

/** Where a Delta stream's first batch starts: a commit version, or `snapshot` (the table as it is, then its commits). */
export type StartingPoint = { readonly kind: 'version'; readonly version: number } | { readonly kind: 'snapshot'; readonly version: number };

/**
 * The starting point of a fresh query from its options: `startingVersion` (a version, or 'latest'
 * for only new commits), `startingTimestamp` (the first commit at or after it), else the latest
 * snapshot. Fails with DELTA_SOURCE_STARTING_POINT when the version is not (or no longer) there.
 */
export async function startingPoint(
  name: string,
  engine: Engine,
  tableUrl: string,
  commits: CommitReader,
  latest: number,
  options: { readonly startingVersion?: number | 'latest'; readonly startingTimestamp?: string },
): Promise<StartingPoint> {
  const { startingVersion, startingTimestamp } = options;
  if (startingVersion === 'latest') return { kind: 'version', version: latest + 1 };
  if (typeof startingVersion === 'number') {
    if (startingVersion > latest) throw streamingError('DELTA_SOURCE_STARTING_POINT', `${name}: startingVersion ${startingVersion} is after the latest version ${latest}`);
    const first = [...(await commits.listFrom(startingVersion)).keys()].sort((a, b) => a - b)[0];
    if (first !== startingVersion) throw streamingError('DELTA_SOURCE_STARTING_POINT', `${name}: version ${startingVersion} is no longer in the log (its commit file was cleaned up)`);
    return { kind: 'version', version: startingVersion };
  }
  if (startingTimestamp !== undefined) {
    const at = toEpochMillis(startingTimestamp);
    const times = await commitTimes(engine, tableUrl);
    const first = times.find((t) => t.timestamp >= at);
    if (!first) {
      throw streamingError('DELTA_SOURCE_STARTING_POINT', `${name}: startingTimestamp ${startingTimestamp} is after the latest commit (version ${latest}, ${new Date(times.at(-1)!.timestamp).toISOString()})`);
    }
    return { kind: 'version', version: first.version };
  }
  return { kind: 'snapshot', version: latest };
}
