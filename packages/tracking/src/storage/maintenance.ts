import { checkpointInterval, cleanupExpiredLogs, loadSnapshot, writeCheckpoint } from '@loch/delta';
import { optimizeTable, type DeltaTable } from '@loch/lakehouse/core';
import type { CommitEvent } from './table-writer.js';

export interface MaintenanceOptions {
  /** Compact a table once this many files were added since its last compaction (default 64). */
  readonly compactAfterFiles?: number;
  /** Size of the files compaction writes (default 8 MiB). */
  readonly targetFileSize?: number;
  readonly onError?: (message: string) => void;
}

/**
 * Keeps the tracking tables fast to read however much is logged: a checkpoint every
 * `delta.checkpointInterval` commits (then expired log files removed), and compaction of the
 * small files that group commits write into larger ones. Both run in the background, one task
 * at a time per table; a failure only delays them (it is reported, never thrown at a writer).
 */
export class Maintenance {
  private readonly tasks = new Map<string, Promise<void>>();
  private readonly addedSinceCompaction = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly tables: ReadonlyMap<string, DeltaTable>,
    private readonly options: MaintenanceOptions = {},
  ) {}

  onCommit(e: CommitEvent, configuration: Readonly<Record<string, string>>): void {
    if (this.closed) return;
    const name = e.table.name;
    const added = (this.addedSinceCompaction.get(name) ?? 0) + e.filesAdded;
    this.addedSinceCompaction.set(name, added);
    if (added >= (this.options.compactAfterFiles ?? 64)) {
      this.addedSinceCompaction.set(name, 0);
      this.enqueue(name, () => this.compact(name));
    } else if (e.version > 0 && e.version % checkpointInterval(configuration) === 0) {
      this.enqueue(name, () => this.checkpoint(name));
    }
  }

  /** Compacts and checkpoints `name` now (and waits). */
  async compactNow(name: string): Promise<void> {
    await this.enqueue(name, () => this.compact(name));
  }

  /** Waits for the tasks under way; starts no more. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.tasks.values());
  }

  private enqueue(name: string, task: () => Promise<void>): Promise<void> {
    const before = this.tasks.get(name) ?? Promise.resolve();
    const next = before.then(task).catch((e) => this.options.onError?.(`maintenance of ${name}: ${(e as Error).message}`));
    this.tasks.set(name, next);
    void next.then(() => {
      if (this.tasks.get(name) === next) this.tasks.delete(name);
    });
    return next;
  }

  private async compact(name: string): Promise<void> {
    const table = this.tables.get(name)!;
    await optimizeTable(table.engine, await table.location(), { targetFileSize: this.options.targetFileSize ?? 8 * 1024 * 1024, onProgress: () => undefined });
    await this.checkpoint(name);
  }

  private async checkpoint(name: string): Promise<void> {
    const table = this.tables.get(name)!;
    const url = await table.location();
    const snapshot = await loadSnapshot(table.engine, url);
    if (await writeCheckpoint(table.engine, snapshot)) {
      await cleanupExpiredLogs(table.engine, url, snapshot.version, snapshot.metadata.configuration);
    }
  }
}
