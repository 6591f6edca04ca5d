import type { Engine } from '../engine/engine.js';
import { isDeltaError } from '../errors.js';
import { classicCheckpointFileName } from '../log/file-names.js';
import { logDirUrl } from '../log/segment.js';
import type { Snapshot } from '../snapshot/snapshot.js';

/** Default `delta.checkpointInterval`: a checkpoint every 10 commits. */
export const DEFAULT_CHECKPOINT_INTERVAL = 10;
/** Default `delta.deletedFileRetentionDuration`: tombstones younger than this stay in checkpoints. */
const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** One row of a classic checkpoint: exactly one action column set, the others null. */
export type CheckpointRow = Readonly<Record<'txn' | 'add' | 'remove' | 'metaData' | 'protocol' | 'domainMetadata', unknown>>;

const EMPTY: CheckpointRow = { txn: null, add: null, remove: null, metaData: null, protocol: null, domainMetadata: null };

export function checkpointInterval(configuration: Readonly<Record<string, string>>): number {
  const v = Number(configuration['delta.checkpointInterval'] ?? DEFAULT_CHECKPOINT_INTERVAL);
  return Number.isInteger(v) && v > 0 ? v : DEFAULT_CHECKPOINT_INTERVAL;
}

/** Parses Delta's interval strings (`interval 7 days`, `7 days`, `168 hours`) to milliseconds. */
export function parseInterval(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const m = /^\s*(?:interval\s+)?(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?\s*$/i.exec(text);
  if (!m) return fallback;
  const unit = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 604800e3 }[m[2].toLowerCase() as 'day'];
  return Number(m[1]) * unit;
}

/**
 * The rows of a classic checkpoint of `snapshot`: protocol, metadata, txns, domains, live files
 * and the tombstones still within the retention period, as Spark writes them.
 */
export function checkpointRows(snapshot: Snapshot, now = Date.now()): CheckpointRow[] {
  const retention = parseInterval(snapshot.metadata.configuration['delta.deletedFileRetentionDuration'], DEFAULT_TOMBSTONE_RETENTION_MS);
  const rows: CheckpointRow[] = [
    { ...EMPTY, protocol: snapshot.protocol },
    { ...EMPTY, metaData: snapshot.metadata },
  ];
  for (const t of snapshot.txns.values()) rows.push({ ...EMPTY, txn: t });
  for (const d of snapshot.domains.values()) rows.push({ ...EMPTY, domainMetadata: d });
  for (const a of snapshot.files) rows.push({ ...EMPTY, add: { ...a, dataChange: false } });
  for (const r of snapshot.tombstones) {
    if ((r.deletionTimestamp ?? 0) >= now - retention) rows.push({ ...EMPTY, remove: { ...r, dataChange: false } });
  }
  return rows;
}

/**
 * Writes a classic single-file checkpoint of `snapshot` and points `_last_checkpoint` at it.
 * Writing the same checkpoint twice is harmless: a racing writer's file is left as it is.
 */
export async function writeCheckpoint(engine: Engine, snapshot: Snapshot, now = Date.now()): Promise<{ path: string; rows: number } | undefined> {
  if (!engine.parquet.writeCheckpoint) return undefined;
  const path = `${logDirUrl(snapshot.tableRoot)}${classicCheckpointFileName(snapshot.version)}`;
  const rows = checkpointRows(snapshot, now);
  try {
    await engine.parquet.writeCheckpoint(path, rows);
  } catch (e) {
    if (isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) return undefined;
    throw e;
  }
  const last = { version: snapshot.version, size: rows.length, numOfAddFiles: snapshot.files.length };
  await engine.storage.put(`${logDirUrl(snapshot.tableRoot)}_last_checkpoint`, new TextEncoder().encode(JSON.stringify(last)));
  return { path, rows: rows.length };
}
