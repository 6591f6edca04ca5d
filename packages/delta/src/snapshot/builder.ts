import type { LogFileActions } from '../actions/columns.js';

import type { Engine, FileMeta } from '../engine/engine.js';
import { deltaError } from '../errors.js';
import { ensureReadSupported } from '../features/features.js';
import { buildLogSegment, displayTable, latestSegmentFrom, tableRootUrl, type LogSegment } from '../log/segment.js';
import { replay, type ReplayState } from '../replay/replay.js';
import { parseSchema } from '../schema/json.js';
import { cachedSnapshot, knownLatest, rememberLatest, rememberSnapshot } from './cache.js';
import { resolveTimestamp, commitTimestampOf } from './time-travel.js';
import { makeSnapshotFields, type Snapshot } from './snapshot.js';

export interface SnapshotOptions {
  /** Read the table as of this version. */
  readonly version?: number;
  /** Read the table as of this time: the latest commit at or before it. */
  readonly timestamp?: Date | string | number;
}

/** Builds the snapshot of a table at its latest version, or at a version or time. */
export async function loadSnapshot(engine: Engine, tableRoot: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const root = tableRootUrl(tableRoot);
  checkTimeTravelOptions(options);
  const latest = options.version === undefined && options.timestamp === undefined;
  let version = options.version;
  if (options.timestamp !== undefined) version = await resolveTimestamp(engine, root, options.timestamp);
  // The latest version again: one listing from the version read last time (see cache.ts).
  const known = latest ? knownLatest(engine, root) : undefined;
  const segment = (known && (await latestSegmentFrom(engine.storage, known))) || (await buildLogSegment(engine.storage, root, version));
  const snapshot = await snapshotFromSegment(engine, segment);
  if (latest) rememberLatest(engine, segment);
  return snapshot;
}

function checkTimeTravelOptions(options: SnapshotOptions): void {
  if (options.version !== undefined && options.timestamp !== undefined) {
    throw deltaError('DELTA_INVALID_ARGUMENT', 'give a version or a timestamp to time travel, not both');
  }
}

/** A table's reconciled log at one version, before any check that it is a readable table. */
export interface LogState {
  readonly segment: LogSegment;
  readonly state: ReplayState;
  readonly commitsNewestFirst: readonly LogFileActions[];
}

/**
 * Replays the log without requiring protocol or metadata: what a log-level tool (history, file
 * listing, repair) needs even when the table itself cannot be read.
 */
export async function loadLogState(engine: Engine, tableRoot: string, options: SnapshotOptions = {}): Promise<LogState> {
  const root = tableRootUrl(tableRoot);
  checkTimeTravelOptions(options);
  const version = options.timestamp !== undefined ? await resolveTimestamp(engine, root, options.timestamp) : options.version;
  return logStateOf(engine, await buildLogSegment(engine.storage, root, version));
}

async function logStateOf(engine: Engine, segment: LogSegment): Promise<LogState> {
  const commitsNewestFirst = (await engine.json.readLogFiles([...segment.commits])).reverse();
  const checkpointActions = segment.checkpoint ? await readCheckpoint(engine, segment) : [];
  const state = replay(segment.tableRoot, [...commitsNewestFirst, ...checkpointActions], commitsNewestFirst.length);
  return { segment, state, commitsNewestFirst };
}

export async function snapshotFromSegment(engine: Engine, segment: LogSegment): Promise<Snapshot> {
  const cached = cachedSnapshot(engine, segment);
  if (cached) return cached;
  const snapshot = await buildSnapshot(engine, segment);
  rememberSnapshot(engine, segment, snapshot);
  return snapshot;
}

async function buildSnapshot(engine: Engine, segment: LogSegment): Promise<Snapshot> {
  const table = displayTable(segment.tableRoot);
  const { state, commitsNewestFirst } = await logStateOf(engine, segment);
  if (!state.protocol) {
    throw deltaError('DELTA_MISSING_PROTOCOL', `${table} has no protocol action at version ${segment.version}; the log is incomplete`);
  }
  ensureReadSupported(state.protocol, table);
  if (!state.metadata) {
    throw deltaError('DELTA_MISSING_METADATA', `${table} has no metaData action at version ${segment.version}; the log is incomplete`);
  }
  if (typeof state.metadata.schemaString !== 'string') {
    throw deltaError('DELTA_INVALID_SCHEMA', `${table}: the metaData action at version ${segment.version} has no schemaString`);
  }
  const schema = parseSchema(state.metadata.schemaString, `${table} schema`);
  const timestamp = await commitTimestampOf(engine, segment, commitsNewestFirst[0]);
  return {
    table,
    tableRoot: segment.tableRoot,
    version: segment.version,
    timestamp,
    segment,
    protocol: state.protocol,
    metadata: state.metadata,
    ...makeSnapshotFields(state.metadata, schema),
    get files() {
      return state.files;
    },
    fileList: state.fileList,
    tombstones: state.tombstones,
    txns: state.txns,
    domains: state.domains,
  };
}

/** A checkpoint's actions, with a v2 checkpoint's sidecar files read in. */
async function readCheckpoint(engine: Engine, segment: LogSegment): Promise<LogFileActions[]> {
  const cp = segment.checkpoint!;
  const top =
    cp.format === 'v2' && cp.files[0].path.endsWith('.json')
      ? await engine.json.readLogFiles([...cp.files])
      : await engine.parquet.readCheckpointActions([...cp.files], [
          'add', 'remove', 'metaData', 'protocol', 'txn', 'domainMetadata', 'sidecar', 'checkpointMetadata',
        ]);
  const sidecars: FileMeta[] = [];
  for (const part of top) {
    for (const s of part.sidecars) {
      const path = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s.path) ? s.path : `${segment.logDir}_sidecars/${s.path}`;
      sidecars.push({ path, size: Number(s.sizeInBytes), modificationTime: Number(s.modificationTime) });
    }
  }
  if (sidecars.length === 0) return top;
  const fileActions = await engine.parquet.readCheckpointActions(sidecars, ['add', 'remove']);
  return [...top, ...fileActions];
}

