import { deltaError, dvFileUrl, ensureWriteSupported, loadSnapshot, parseInterval, resolvePath, Transaction, type Engine } from '@loch/delta';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface VacuumOptions {
  /** Keep files removed less than this many hours ago (default: delta.deletedFileRetentionDuration, 7 days). */
  readonly retentionHours?: number;
  readonly dryRun?: boolean;
  /** spark.databricks.delta.retentionDurationCheck.enabled (default true): refuse retention below the table's. */
  readonly retentionDurationCheck?: boolean;
}

export interface VacuumResult {
  /** Paths (relative to the table) deleted, or that would be with dryRun. */
  readonly files: string[];
  readonly bytes: number;
  readonly dryRun: boolean;
}

/**
 * VACUUM: deletes files in the table directory that no version within the retention period needs:
 * not live now, not removed more recently than the retention, and not written more recently
 * either (a file younger than the retention may belong to a commit still in flight).
 */
export async function vacuumTable(engine: Engine, url: string, options: VacuumOptions = {}): Promise<VacuumResult> {
  const snapshot = await loadSnapshot(engine, url);
  ensureWriteSupported(snapshot.protocol, snapshot.table, snapshot.metadata);
  const tableRetention = parseInterval(snapshot.metadata.configuration['delta.deletedFileRetentionDuration'], DEFAULT_RETENTION_MS);
  const retention = options.retentionHours !== undefined ? options.retentionHours * 3600 * 1000 : tableRetention;
  if (!Number.isFinite(retention) || retention < 0) throw deltaError('DELTA_INVALID_ARGUMENT', 'VACUUM retention must be a non-negative number of hours');
  if (retention < tableRetention && options.retentionDurationCheck !== false) {
    throw deltaError(
      'DELTA_VACUUM_RETENTION_TOO_SHORT',
      `${snapshot.table}: VACUUM RETAIN ${retention / 3600000} HOURS is shorter than the table's retention (${tableRetention / 3600000} hours); ` +
        'files still needed by readers or time travel could be deleted. Set spark.databricks.delta.retentionDurationCheck.enabled = false to do it anyway',
    );
  }
  const now = Date.now();
  const cutoff = now - retention;
  const keep = new Set<string>();
  const root = fileURLToPath(snapshot.tableRoot);
  const local = (u: string) => {
    try {
      return relative(root, fileURLToPath(u)).split(sep).join('/');
    } catch {
      return undefined;
    }
  };
  for (const f of snapshot.files) {
    const p = local(resolvePath(snapshot.tableRoot, f.path));
    if (p) keep.add(p);
    const dv = f.deletionVector ? dvFileUrl(f.deletionVector, snapshot.tableRoot) : undefined;
    const dp = dv ? local(dv) : undefined;
    if (dp) keep.add(dp);
  }
  for (const r of snapshot.tombstones) {
    if ((r.deletionTimestamp ?? 0) < cutoff) continue;
    const p = local(resolvePath(snapshot.tableRoot, r.path));
    if (p) keep.add(p);
    const dv = r.deletionVector ? dvFileUrl(r.deletionVector, snapshot.tableRoot) : undefined;
    const dp = dv ? local(dv) : undefined;
    if (dp) keep.add(dp);
  }

  const candidates: { rel: string; size: number }[] = [];
  const dirs: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      const rel = relative(root, full).split(sep).join('/');
      if (rel === '_delta_log' || e.name.startsWith('.') || (e.name.startsWith('_') && !e.name.includes('='))) continue;
      if (e.isDirectory()) {
        dirs.push(full);
        await walk(full);
      } else if (e.isFile()) {
        if (keep.has(rel)) continue;
        const st = await lstat(full);
        if (st.mtimeMs >= cutoff) continue;
        candidates.push({ rel, size: st.size });
      }
    }
  };
  await walk(root);
  candidates.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const bytes = candidates.reduce((n, c) => n + c.size, 0);
  if (options.dryRun) return { files: candidates.map((c) => c.rel), bytes, dryRun: true };

  const parameters = {
    retentionCheckEnabled: options.retentionDurationCheck !== false,
    specifiedRetentionMillis: retention,
    defaultRetentionMillis: tableRetention,
  };
  await new Transaction(engine, url, snapshot).commit({
    name: 'VACUUM START',
    parameters,
    metrics: { numFilesToDelete: candidates.length, sizeOfDataToDelete: bytes },
  });
  for (const c of candidates) await rm(join(root, c.rel), { force: true });
  let removedDirs = 0;
  for (const d of dirs.sort((a, b) => b.length - a.length)) {
    try {
      await rmdir(d);
      removedDirs++;
    } catch {
      // not empty
    }
  }
  const after = await loadSnapshot(engine, url);
  await new Transaction(engine, url, after).commit({
    name: 'VACUUM END',
    parameters: { status: 'COMPLETED' },
    metrics: { numDeletedFiles: candidates.length, numVacuumedDirectories: removedDirs },
  });
  return { files: candidates.map((c) => c.rel), bytes, dryRun: false };
}
