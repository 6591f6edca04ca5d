import type { CommitInfo } from '../actions/commit-info.js';
import type { Engine } from '../engine/engine.js';
import { tableRootUrl } from '../log/segment.js';
import { commitTimes } from './time-travel.js';

/** One row of a table's history (DESCRIBE HISTORY). */
export interface HistoryEntry {
  readonly version: number;
  /** ms since the epoch: the in-commit timestamp, or the commit file's time made monotonic. */
  readonly timestamp: number;
  readonly operation: string | null;
  readonly operationParameters: Readonly<Record<string, unknown>>;
  readonly operationMetrics: Readonly<Record<string, string>>;
  readonly readVersion: number | null;
  readonly isolationLevel: string | null;
  readonly isBlindAppend: boolean | null;
  readonly engineInfo: string | null;
  readonly userMetadata: string | null;
  readonly commitInfo: CommitInfo | null;
}

/** History from commitInfo, newest first. `limit` bounds how many commits are read. */
export async function tableHistory(engine: Engine, tableRoot: string, limit?: number): Promise<HistoryEntry[]> {
  const times = (await commitTimes(engine, tableRootUrl(tableRoot))).reverse();
  const wanted = limit === undefined ? times : times.slice(0, Math.max(0, limit));
  const actions = await engine.json.readLogFiles(wanted.map((t) => t.file));
  return wanted.map((t, i) => {
    const ci = actions[i].commitInfo ?? null;
    return {
      version: t.version,
      timestamp: t.timestamp,
      operation: ci?.operation ?? null,
      operationParameters: ci?.operationParameters ?? {},
      operationMetrics: ci?.operationMetrics ?? {},
      readVersion: ci?.readVersion ?? null,
      isolationLevel: ci?.isolationLevel ?? null,
      isBlindAppend: ci?.isBlindAppend ?? null,
      engineInfo: ci?.engineInfo ?? null,
      userMetadata: ci?.userMetadata ?? null,
      commitInfo: ci,
    };
  });
}
