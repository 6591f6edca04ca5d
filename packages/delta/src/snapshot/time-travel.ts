import type { LogFileActions } from '../actions/columns.js';
import type { Engine, FileMeta } from '../engine/engine.js';
import { deltaError } from '../errors.js';
import { displayTable, listLog, logDirUrl, type LogSegment } from '../log/segment.js';
import { parseTimestampMicros } from '../partition/values.js';

/** Milliseconds since the epoch for a user's timestamp: a Date, ms, or an ISO-like string (UTC unless it says otherwise). */
export function toEpochMillis(ts: Date | string | number): number {
  if (ts instanceof Date || typeof ts === 'number') {
    // An invalid Date (or NaN) compares false with everything and would land on version 0.
    const ms = ts instanceof Date ? ts.getTime() : ts;
    if (!Number.isFinite(ms)) throw deltaError('DELTA_INVALID_ARGUMENT', `${String(ts)} is not a valid timestamp`);
    return ms;
  }
  const s = ts.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s} 00:00:00` : s;
  const micros = parseTimestampMicros(dateOnly, true);
  if (micros === undefined) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `'${ts}' is not a timestamp (use e.g. 2024-01-31T12:00:00Z or '2024-01-31 12:00:00')`);
  }
  return Number(micros / 1000n);
}

/** One commit and when it happened, per Delta's rules. */
export interface CommitTime {
  readonly version: number;
  readonly file: FileMeta;
  /** In-commit timestamp when the commit has one, else the file's time made monotonic. */
  readonly timestamp: number;
}

/**
 * Commit times for every listed commit, oldest first. File modification times can go backwards
 * (clock skew, copies); Delta makes them strictly increasing so that time travel is well defined.
 * Commits that carry an in-commit timestamp use it instead.
 */
export async function commitTimes(engine: Engine, tableRoot: string): Promise<CommitTime[]> {
  const { commits } = await listLog(engine.storage, logDirUrl(tableRoot));
  const versions = [...commits.keys()].sort((a, b) => a - b);
  if (versions.length === 0) {
    throw deltaError('DELTA_TABLE_NOT_FOUND', `no commits in ${displayTable(tableRoot)}/_delta_log`);
  }
  const ict = await inCommitTimestamps(engine, versions.map((v) => commits.get(v)!));
  const out: CommitTime[] = [];
  let prev = -Infinity;
  for (let i = 0; i < versions.length; i++) {
    const file = commits.get(versions[i])!;
    let ts = ict[i] ?? file.modificationTime;
    if (ict[i] === undefined && ts <= prev) ts = prev + 1;
    out.push({ version: versions[i], file, timestamp: ts });
    prev = ts;
  }
  return out;
}

/**
 * In-commit timestamps, found without reading every commit: once enabled they stay on, so the
 * newest commit tells whether any exist, and a binary search finds where they start.
 */
async function inCommitTimestamps(engine: Engine, files: FileMeta[]): Promise<(number | undefined)[]> {
  const out: (number | undefined)[] = new Array(files.length).fill(undefined);
  const read = async (i: number) => ictOf((await engine.json.readLogFiles([files[i]]))[0]);
  const last = await read(files.length - 1);
  if (last === undefined) return out;
  let lo = 0;
  let hi = files.length - 1; // files[hi] has an ICT
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((await read(mid)) !== undefined) hi = mid;
    else lo = mid + 1;
  }
  const withIct = await engine.json.readLogFiles(files.slice(lo));
  withIct.forEach((a, j) => (out[lo + j] = ictOf(a)));
  return out;
}

function ictOf(a: LogFileActions | undefined): number | undefined {
  const t = a?.commitInfo?.inCommitTimestamp;
  return typeof t === 'number' ? t : undefined;
}

/** The version to read for "as of T": the latest commit at or before T. */
export async function resolveTimestamp(engine: Engine, tableRoot: string, ts: Date | string | number): Promise<number> {
  const at = toEpochMillis(ts);
  const times = await commitTimes(engine, tableRoot);
  const table = displayTable(tableRoot);
  const iso = (ms: number) => new Date(ms).toISOString();
  if (at < times[0].timestamp) {
    throw deltaError(
      'DELTA_TIMESTAMP_OUT_OF_RANGE',
      `${table}: ${iso(at)} is before the earliest available version ${times[0].version} (committed ${iso(times[0].timestamp)})`,
    );
  }
  const latest = times[times.length - 1];
  if (at > latest.timestamp) {
    throw deltaError(
      'DELTA_TIMESTAMP_OUT_OF_RANGE',
      `${table}: ${iso(at)} is after the latest version ${latest.version} (committed ${iso(latest.timestamp)})`,
    );
  }
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid].timestamp <= at) lo = mid;
    else hi = mid - 1;
  }
  return times[lo].version;
}

/** The commit time of a snapshot's version. */
export async function commitTimestampOf(engine: Engine, segment: LogSegment, newest: LogFileActions | undefined): Promise<number> {
  const ict = ictOf(newest);
  if (ict !== undefined && segment.commits.length > 0) return ict;
  const last = segment.commits.at(-1) ?? segment.checkpoint?.files[0];
  return last?.modificationTime ?? 0;
}
