import type { FileMeta, StorageHandler } from '../engine/engine.js';
import { deltaError } from '../errors.js';
import { baseName, parseLogFileName, type LogFileKind } from './file-names.js';
import { parseLastCheckpoint } from './last-checkpoint.js';

type CheckpointKind = Extract<LogFileKind, { kind: 'checkpoint' }>;

/** The log files that make up one snapshot: a checkpoint (optional) and the commits after it. */
export interface LogSegment {
  readonly tableRoot: string;
  readonly logDir: string;
  readonly version: number;
  readonly checkpoint?: {
    readonly version: number;
    readonly format: CheckpointKind['format'];
    /** All parts of a multi-part checkpoint, in part order; one file otherwise. */
    readonly files: readonly FileMeta[];
  };
  /** Commits after the checkpoint up to `version`, oldest first, contiguous. */
  readonly commits: readonly FileMeta[];
  /** The newest commit file listed, whatever the requested version (for "latest is N" errors). */
  readonly latestVersion: number;
  /** The oldest version whose state can be rebuilt from what is listed. */
  readonly earliestVersion: number;
}

export interface ListedLog {
  readonly commits: Map<number, FileMeta>;
  readonly checkpoints: Map<number, { meta: FileMeta; kind: CheckpointKind }[]>;
}

export function tableRootUrl(root: string): string {
  return root.endsWith('/') ? root : `${root}/`;
}

export function logDirUrl(tableRoot: string): string {
  return `${tableRootUrl(tableRoot)}_delta_log/`;
}

export function displayTable(tableRoot: string): string {
  try {
    const u = new URL(tableRoot);
    if (u.protocol === 'file:') return decodeURIComponent(u.pathname).replace(/\/$/, '');
  } catch {
    // not a URL: show it as it was given
  }
  return tableRoot.replace(/\/$/, '');
}

/** Lists `_delta_log/` (from `fromVersion` when given) and sorts what it finds by kind. */
export async function listLog(storage: StorageHandler, logDir: string, fromVersion?: number): Promise<ListedLog> {
  const from = fromVersion === undefined ? undefined : String(fromVersion).padStart(20, '0');
  const files = await storage.list(logDir, from);
  const commits = new Map<number, FileMeta>();
  const checkpoints = new Map<number, { meta: FileMeta; kind: CheckpointKind }[]>();
  for (const meta of files) {
    const name = baseName(meta.path);
    if (from !== undefined && name < from) continue;
    const kind = parseLogFileName(name);
    if (kind.kind === 'commit') commits.set(kind.version, meta);
    else if (kind.kind === 'checkpoint') {
      const list = checkpoints.get(kind.version) ?? [];
      list.push({ meta, kind });
      checkpoints.set(kind.version, list);
    }
  }
  return { commits, checkpoints };
}

/**
 * A complete checkpoint at one version, or undefined. Several may exist at one version (a writer
 * may have written a classic and a v2 one, or died halfway through a multi-part one); any
 * complete one describes the same state.
 */
function completeCheckpoint(candidates: { meta: FileMeta; kind: CheckpointKind }[]) {
  const single = candidates.find((c) => c.kind.format === 'v2') ?? candidates.find((c) => c.kind.format === 'classic');
  if (single) return { format: single.kind.format, files: [single.meta] };
  const byParts = new Map<number, Map<number, FileMeta>>();
  for (const c of candidates) {
    if (c.kind.format !== 'multipart') continue;
    const parts = byParts.get(c.kind.parts) ?? new Map<number, FileMeta>();
    parts.set(c.kind.part, c.meta);
    byParts.set(c.kind.parts, parts);
  }
  for (const [n, parts] of byParts) {
    // Complete means parts 1..n, each once (n distinct numbers, all within 1..n).
    if (parts.size === n && [...parts.keys()].every((p) => p >= 1 && p <= n)) {
      const files = [...parts.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
      return { format: 'multipart' as const, files };
    }
  }
  return undefined;
}

/**
 * Finds the files for the snapshot at `version` (latest when undefined): the newest complete
 * checkpoint at or before it, and every commit after it, checked to be contiguous.
 */
export async function buildLogSegment(
  storage: StorageHandler,
  tableRoot: string,
  version?: number,
): Promise<LogSegment> {
  const root = tableRootUrl(tableRoot);
  const logDir = logDirUrl(root);
  const table = displayTable(root);

  // _last_checkpoint lets a store list from the newest checkpoint instead of from version 0. It
  // is only a hint: when it points past what we want, or at nothing usable (a deleted or
  // half-written checkpoint), list everything.
  let hint: number | undefined;
  if (version === undefined) {
    try {
      hint = parseLastCheckpoint(new TextDecoder().decode(await storage.read(`${logDir}_last_checkpoint`)))?.version;
    } catch {
      hint = undefined;
    }
  }
  let listed = await listLog(storage, logDir, hint);
  if (hint !== undefined && ![...listed.checkpoints.values()].some((c) => completeCheckpoint(c) !== undefined)) {
    hint = undefined;
    listed = await listLog(storage, logDir);
  }
  if (listed.commits.size === 0 && listed.checkpoints.size === 0) {
    // A store that has directories can tell an empty _delta_log from a missing one.
    const anything = (await storage.list(logDir)).length > 0 || (await storage.exists(logDir).catch(() => false));
    throw deltaError(
      'DELTA_TABLE_NOT_FOUND',
      anything ? `no commits or checkpoints in ${table}/_delta_log` : `no _delta_log under ${table}`,
    );
  }
  return segmentOf(root, listed, version, hint);
}

/**
 * The latest segment of a table whose segment at some version (`known`) this process built, from
 * one listing of the log from that version instead of `_last_checkpoint` and a listing from the
 * checkpoint: the files `known` holds before its version are not listed again. Undefined when
 * the log no longer holds the file `known` ended with, as it was (same size and modification
 * time; a table dropped and made again has other files): then build the segment from scratch.
 */
export async function latestSegmentFrom(storage: StorageHandler, known: LogSegment): Promise<LogSegment | undefined> {
  const last = known.commits.length > 0 ? [known.commits[known.commits.length - 1]] : (known.checkpoint?.files ?? []);
  if (last.length === 0) return undefined;
  const listed = await listLog(storage, known.logDir, known.version);
  const all = [...listed.commits.values(), ...[...listed.checkpoints.values()].flat().map((c) => c.meta)];
  const same = (a: FileMeta, b: FileMeta) => a.path === b.path && a.size === b.size && a.modificationTime === b.modificationTime;
  if (!last.every((f) => all.some((g) => same(f, g)))) return undefined;
  const commits = new Map(listed.commits);
  for (const meta of known.commits) {
    const kind = parseLogFileName(baseName(meta.path));
    if (kind.kind === 'commit' && !commits.has(kind.version)) commits.set(kind.version, meta);
  }
  const checkpoints = new Map(listed.checkpoints);
  if (known.checkpoint && !checkpoints.has(known.checkpoint.version)) {
    const parts = known.checkpoint.files.map((meta) => ({ meta, kind: parseLogFileName(baseName(meta.path)) }));
    checkpoints.set(known.checkpoint.version, parts.filter((p): p is { meta: FileMeta; kind: CheckpointKind } => p.kind.kind === 'checkpoint'));
  }
  // As after a listing from `_last_checkpoint`: versions before the known checkpoint were not listed.
  return segmentOf(known.tableRoot, { commits, checkpoints }, undefined, known.checkpoint?.version);
}

/** The segment at `version` (latest when undefined) from what a listing found. */
function segmentOf(root: string, listed: ListedLog, version: number | undefined, hint: number | undefined): LogSegment {
  const logDir = logDirUrl(root);
  const table = displayTable(root);
  const { commits, checkpoints } = listed;

  const commitVersions = [...commits.keys()].sort((a, b) => a - b);
  const checkpointVersions = [...checkpoints.keys()].sort((a, b) => a - b);
  const latestVersion = Math.max(commitVersions.at(-1) ?? -1, checkpointVersions.at(-1) ?? -1);
  if (version !== undefined && (!Number.isInteger(version) || version < 0)) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `version must be a non-negative integer, got ${version}`);
  }
  if (version !== undefined && version > latestVersion) {
    throw deltaError(
      'DELTA_VERSION_NOT_FOUND',
      `${table} has no version ${version}; the latest version is ${latestVersion}`,
    );
  }
  const target = version ?? latestVersion;

  let checkpoint: LogSegment['checkpoint'];
  const complete: number[] = [];
  for (let i = checkpointVersions.length - 1; i >= 0; i--) {
    const v = checkpointVersions[i];
    const found = completeCheckpoint(checkpoints.get(v)!);
    if (!found) continue;
    complete.push(v);
    if (v <= target && checkpoint === undefined) checkpoint = { version: v, ...found };
  }

  const earliestVersion = earliestRecreatable(commitVersions, complete, hint);

  const first = checkpoint ? checkpoint.version + 1 : 0;
  const segmentCommits: FileMeta[] = [];
  const missing: number[] = [];
  for (let v = first; v <= target; v++) {
    const meta = commits.get(v);
    if (meta) segmentCommits.push(meta);
    else missing.push(v);
  }
  if (missing.length > 0) {
    if (version !== undefined && version < earliestVersion) {
      throw deltaError(
        'DELTA_VERSION_NOT_FOUND',
        `${table}: version ${version} can no longer be read (its log was cleaned up); the earliest available version is ${earliestVersion}`,
      );
    }
    throw deltaError(
      'DELTA_VERSIONS_NOT_CONTIGUOUS',
      `${table}/_delta_log is missing ${missing.length === 1 ? 'version' : 'versions'} ${describeVersions(missing)} needed to read version ${target}`,
    );
  }
  return { tableRoot: root, logDir, version: target, checkpoint, commits: segmentCommits, latestVersion, earliestVersion };
}

/** The oldest version rebuildable: the oldest checkpoint (or 0) followed by unbroken commits. */
function earliestRecreatable(commitVersions: number[], checkpointVersions: number[], hint: number | undefined): number {
  const starts = [...checkpointVersions].sort((a, b) => a - b);
  if (commitVersions[0] === 0 && hint === undefined) return 0;
  return starts[0] ?? commitVersions[0] ?? 0;
}

function describeVersions(vs: number[]): string {
  if (vs.length <= 5) return vs.join(', ');
  return `${vs.slice(0, 3).join(', ')}, ... ${vs.at(-1)} (${vs.length} in all)`;
}
