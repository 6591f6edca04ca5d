import type { Metadata } from '../actions/metadata.js';
import type { Engine } from '../engine/engine.js';
import { deltaError } from '../errors.js';
import { displayTable, tableRootUrl } from '../log/segment.js';
import { loadSnapshot } from '../snapshot/builder.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { commitTimes, toEpochMillis, type CommitTime } from '../snapshot/time-travel.js';
import { changeDataFeedEnabled, changeFilesOf, type ChangeFiles } from './change-data.js';

/** Which commits a change-feed read covers: from a version or time, to a version or time (default: the latest). */
export interface ChangeRange {
  readonly startingVersion?: number;
  readonly endingVersion?: number;
  readonly startingTimestamp?: Date | string | number;
  readonly endingTimestamp?: Date | string | number;
}

/** One commit's changes, with the version and time the feed reports for its rows. */
export interface CommitChanges {
  readonly version: number;
  /** Milliseconds since the epoch: the in-commit timestamp, else the commit file's time made monotonic. */
  readonly timestamp: number;
  readonly files: ChangeFiles;
}

export interface TableChanges {
  /** The table at the range's last version: its schema is the feed's. */
  readonly snapshot: Snapshot;
  readonly startVersion: number;
  readonly endVersion: number;
  /** Oldest first; empty when the range holds no commit. */
  readonly commits: readonly CommitChanges[];
}

/**
 * The changes of the commits in a range, as Delta's change-data readers see them. Fails with
 * Delta's errors when the range is empty or backwards, starts after the latest version, or covers
 * a version whose change data was not recorded (the feed off then, or the commit cleaned up).
 */
export async function loadTableChanges(engine: Engine, tableRoot: string, range: ChangeRange): Promise<TableChanges> {
  const root = tableRootUrl(tableRoot);
  const table = displayTable(root);
  const times = await commitTimes(engine, root);
  const latest = times[times.length - 1];
  const start = startVersionOf(range, times, table);
  if (start > latest.version) {
    throw deltaError('DELTA_INVALID_CDC_RANGE', `${table}: the start version ${start} of the change data read is after the latest version ${latest.version}`);
  }
  const end = Math.min(endVersionOf(range, times, table), latest.version);
  if (end < start) {
    throw deltaError('DELTA_INVALID_CDC_RANGE', `${table}: the change data read ends (version ${end}) before it starts (version ${start})`);
  }
  const inRange = times.filter((t) => t.version >= start && t.version <= end);
  if (inRange[0]?.version !== start || inRange.length !== end - start + 1) {
    const missing = start < times[0].version ? start : inRange.find((t, i) => t.version !== start + i)?.version ?? start;
    throw deltaError('DELTA_MISSING_CHANGE_DATA', `${table}: the change data of version ${missing} is no longer in the log (its commit was cleaned up); the earliest readable version is ${times[0].version}`);
  }
  const [first, snapshot] = await Promise.all([loadSnapshot(engine, root, { version: start }), loadSnapshot(engine, root, { version: end })]);
  const actions = await engine.json.readLogFiles(inRange.map((t) => t.file));
  let metadata: Metadata = first.metadata;
  const commits: CommitChanges[] = [];
  for (const [i, t] of inRange.entries()) {
    const a = actions[i];
    if (a.metaData) metadata = a.metaData;
    if (!changeDataFeedEnabled(metadata)) {
      throw deltaError(
        'DELTA_MISSING_CHANGE_DATA',
        `${table}: change data was not recorded for version ${t.version} (delta.enableChangeDataFeed was not true then); read a range that starts after it was enabled`,
      );
    }
    commits.push({ version: t.version, timestamp: t.timestamp, files: changeFilesOf(a) });
  }
  return { snapshot, startVersion: start, endVersion: end, commits };
}

function startVersionOf(range: ChangeRange, times: readonly CommitTime[], table: string): number {
  if (range.startingVersion !== undefined && range.startingTimestamp !== undefined) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: give a starting version or a starting timestamp for the change data read, not both`);
  }
  if (range.startingVersion !== undefined) return checkedVersion(range.startingVersion, 'starting', table);
  if (range.startingTimestamp === undefined) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: a change data read needs a starting version or timestamp`);
  }
  const at = toEpochMillis(range.startingTimestamp);
  const found = times.find((t) => t.timestamp >= at);
  if (!found) {
    const last = times[times.length - 1];
    throw deltaError(
      'DELTA_TIMESTAMP_OUT_OF_RANGE',
      `${table}: the starting timestamp ${new Date(at).toISOString()} is after the latest commit (version ${last.version}, ${new Date(last.timestamp).toISOString()})`,
    );
  }
  return found.version;
}

function endVersionOf(range: ChangeRange, times: readonly CommitTime[], table: string): number {
  if (range.endingVersion !== undefined && range.endingTimestamp !== undefined) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: give an ending version or an ending timestamp for the change data read, not both`);
  }
  if (range.endingVersion !== undefined) return checkedVersion(range.endingVersion, 'ending', table);
  if (range.endingTimestamp === undefined) return times[times.length - 1].version;
  const at = toEpochMillis(range.endingTimestamp);
  const found = times.filter((t) => t.timestamp <= at).at(-1);
  if (!found) {
    throw deltaError(
      'DELTA_TIMESTAMP_OUT_OF_RANGE',
      `${table}: the ending timestamp ${new Date(at).toISOString()} is before the earliest commit (version ${times[0].version}, ${new Date(times[0].timestamp).toISOString()})`,
    );
  }
  return found.version;
}

function checkedVersion(v: number, which: string, table: string): number {
  if (!Number.isInteger(v) || v < 0) throw deltaError('DELTA_INVALID_CDC_RANGE', `${table}: the ${which} version of a change data read must be a version number, got ${v}`);
  return v;
}
