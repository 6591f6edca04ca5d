/**
 * Snapshots already built, per engine and table root. Log files are immutable once written (a
 * commit is created with put-if-absent, checkpoints are never rewritten), so a log segment listed
 * with the same files — names, sizes, modification times — replays to the same snapshot: a
 * read after a listing that shows no new commit costs no replay. Queries that join several
 * tables load each one's snapshot every time; without this a star join paid tens of
 * milliseconds reading the fact table's checkpoint before reading any data.
 *
 * Bounded by the number of live files held (a snapshot of a huge table is a lot of memory):
 * least recently used entries go first.
 */
import type { Engine, FileMeta } from '../engine/engine.js';
import type { LogSegment } from '../log/segment.js';
import type { Snapshot } from './snapshot.js';

const MAX_FILES = 2_000_000;

interface Entry {
  readonly key: string;
  readonly snapshot: Snapshot;
}

const byEngine = new WeakMap<Engine, Map<string, Entry>>();

/** A log file as the cache knows it: a file rewritten in place (same name) is another file. */
function logFileIdentity(f: FileMeta): string {
  return `${f.path}\u0000${f.size}\u0000${f.modificationTime}`;
}

/** What identifies a segment's content: every file it replays. */
function segmentKey(s: LogSegment): string {
  const parts = [String(s.version), ...(s.checkpoint?.files ?? []).map(logFileIdentity), '|', ...s.commits.map(logFileIdentity)];
  return parts.join('\u0001');
}

/** Entries are per version, so time travel does not evict the latest snapshot. */
const slot = (s: LogSegment) => `${s.tableRoot}@${s.version}`;

export function cachedSnapshot(engine: Engine, segment: LogSegment): Snapshot | undefined {
  const tables = byEngine.get(engine);
  const entry = tables?.get(slot(segment));
  if (!tables || !entry || entry.key !== segmentKey(segment)) return undefined;
  // Most recently used last.
  tables.delete(slot(segment));
  tables.set(slot(segment), entry);
  return entry.snapshot;
}

export function rememberSnapshot(engine: Engine, segment: LogSegment, snapshot: Snapshot): void {
  if (snapshot.fileList.length > MAX_FILES) return;
  let tables = byEngine.get(engine);
  if (!tables) byEngine.set(engine, (tables = new Map()));
  tables.delete(slot(segment));
  tables.set(slot(segment), { key: segmentKey(segment), snapshot });
  let held = 0;
  for (const e of tables.values()) held += e.snapshot.fileList.length;
  for (const [k, e] of tables) {
    if (held <= MAX_FILES) break;
    held -= e.snapshot.fileList.length;
    tables.delete(k);
  }
}

/**
 * The segment of each table's latest snapshot, per engine: reading the latest version again then
 * lists the log from that version (latestSegmentFrom) instead of reading `_last_checkpoint` and
 * listing from the checkpoint, and a segment with the same files is a cache hit above. Only
 * segments are held here; the snapshots stay in the bounded cache above.
 */
const latestByEngine = new WeakMap<Engine, Map<string, LogSegment>>();
const MAX_LATEST = 1024;

export function rememberLatest(engine: Engine, segment: LogSegment): void {
  let tables = latestByEngine.get(engine);
  if (!tables) latestByEngine.set(engine, (tables = new Map()));
  tables.delete(segment.tableRoot);
  tables.set(segment.tableRoot, segment);
  if (tables.size > MAX_LATEST) tables.delete(tables.keys().next().value!);
}

/** The segment of the latest snapshot this engine built of the table at `tableRoot`, if any. */
export function knownLatest(engine: Engine, tableRoot: string): LogSegment | undefined {
  return latestByEngine.get(engine)?.get(tableRoot);
}
