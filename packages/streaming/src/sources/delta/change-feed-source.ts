import { changeDataFeedEnabled, changeFileCount, displayTable, type AddFile, type CommitChanges as FeedCommit, type Snapshot } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { changesSql, type DeltaTable } from '@loch/lakehouse';
import { streamingError } from '../../errors.js';
import type { Offset, ReadLimit, Source, SourceBatch, SourceContext } from '../../source.js';
import { CommitReader, type CommitChanges } from './commits.js';
import type { DeltaSourceOptions } from './delta-source.js';
import { startingPoint } from './starting-point.js';

/**
 * Offsets as the delta source writes them. In the initial snapshot `index` is the last file read;
 * past it a commit is read whole (its pre- and post-images belong together): `index` -1 is
 * before commit `reservoirVersion`, 0 after it.
 */
type FeedOffset = {
  readonly sourceVersion: 1;
  readonly reservoirId: string;
  readonly reservoirVersion: number;
  readonly index: number;
  readonly isStartingVersion: boolean;
};

/** What a batch can take in one step: a file of the initial snapshot, or one commit. */
type Unit = { readonly position: FeedOffset; readonly files: number } & (
  | { readonly kind: 'snapshot'; readonly add: AddFile; readonly version: number }
  | { readonly kind: 'commit'; readonly commit: CommitChanges }
);

const offsetOf = (reservoirId: string, version: number, index: number, isStartingVersion: boolean): FeedOffset => ({
  sourceVersion: 1,
  reservoirId,
  reservoirVersion: version,
  index,
  isStartingVersion,
});

/**
 * A Delta table's change data feed as a stream (the delta source with `readChangeFeed`): the
 * rows each commit inserted, updated (pre- and post-image) or deleted, with `_change_type`,
 * `_commit_version` and `_commit_timestamp`. Without a starting version it begins with the table
 * as it is, every row an insert. Commits are admitted whole, up to `maxFilesPerTrigger` change
 * files a batch (at least one commit). Offsets live in the checkpoint, so a restarted query goes
 * on from the last committed batch and a replayed batch reads the same rows.
 */
export class ChangeFeedSource implements Source {
  readonly description: string;
  readonly identity: string;
  private readonly commits: CommitReader;
  private schemaSnapshot!: Snapshot;
  private snapshotFiles: { version: number; snapshot: Snapshot; files: readonly AddFile[] } | undefined;
  private lastVersion: number | undefined;
  private initial!: FeedOffset;

  /** `url`: the table's root (`await table.location()`). */
  constructor(
    private readonly table: DeltaTable,
    private readonly url: string,
    private readonly options: DeltaSourceOptions,
  ) {
    this.description = `DeltaSource[${displayTable(url)}]`;
    this.identity = `delta:${url}`;
    this.commits = new CommitReader(table.engine, url);
  }

  private get name(): string {
    return displayTable(this.url);
  }

  async start(context: SourceContext, committed: Offset | undefined): Promise<void> {
    this.schemaSnapshot = await this.table.snapshot();
    if (!changeDataFeedEnabled(this.schemaSnapshot.metadata)) {
      throw streamingError('DELTA_MISSING_CHANGE_DATA', `${this.name}: readChangeFeed needs the change data feed on (ALTER TABLE ... SET TBLPROPERTIES ('delta.enableChangeDataFeed' = true))`);
    }
    const file = `${context.checkpointDir}initial`;
    const { storage } = context.engine;
    if (!(await storage.exists(file))) {
      const at = await startingPoint(this.name, this.table.engine, this.url, this.commits, this.schemaSnapshot.version, this.options);
      // A starting version from before the feed was turned on has no change data to read.
      if (at.kind === 'version' && at.version <= this.schemaSnapshot.version && !changeDataFeedEnabled((await this.table.snapshot({ version: at.version })).metadata)) {
        throw streamingError('DELTA_MISSING_CHANGE_DATA', `${this.name}: change data was not recorded for version ${at.version} (the change data feed was off then); start from a later version`);
      }
      const first = offsetOf(this.schemaSnapshot.metadata.id, at.version, -1, at.kind === 'snapshot');
      await storage.putIfAbsent(file, new TextEncoder().encode(JSON.stringify(first))).catch(() => undefined);
    }
    this.initial = JSON.parse(new TextDecoder().decode(await storage.read(file))) as FeedOffset;
    const c = (committed as FeedOffset | undefined) ?? this.initial;
    if (c.reservoirId !== this.schemaSnapshot.metadata.id) {
      throw streamingError(
        'STREAM_CHECKPOINT_MISMATCH',
        `${this.name}: the checkpoint read the table with id ${c.reservoirId}, but the table there now has id ${this.schemaSnapshot.metadata.id} (it was replaced); use a new checkpointLocation`,
      );
    }
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.lastVersion = (await this.table.snapshot()).version;
  }

  async latestOffset(start: Offset | undefined, limit: ReadLimit): Promise<Offset | undefined> {
    let files = 0;
    let last: FeedOffset | undefined;
    for await (const u of this.unitsAfter((start as FeedOffset | undefined) ?? this.initial)) {
      if (limit === 'default' && last !== undefined && files + u.files > this.options.maxFilesPerTrigger) break;
      files += u.files;
      last = u.position;
    }
    return last ?? start;
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const to = end as FeedOffset;
    const feed: FeedCommit[] = [];
    const snapshotAdds: AddFile[] = [];
    let snapshotVersion: number | undefined;
    for await (const u of this.unitsAfter((start as FeedOffset | undefined) ?? this.initial)) {
      if (comparePositions(u.position, to) > 0) break;
      if (u.kind === 'snapshot') {
        snapshotAdds.push(u.add);
        snapshotVersion = u.version;
      } else {
        feed.push({ version: u.commit.version, timestamp: u.commit.timestamp, files: u.commit.changes });
      }
    }
    if (snapshotVersion !== undefined) {
      const s = this.snapshotFiles!.snapshot;
      feed.unshift({ version: snapshotVersion, timestamp: s.timestamp, files: { kind: 'derived', inserts: snapshotAdds, deletes: [] } });
    }
    const { sql } = await withConnection((c) => changesSql(c, this.table.engine, this.schemaSnapshot, feed));
    return { kind: 'query', sql };
  }

  /** The units after `from`, in stream order: the initial snapshot's files (if `from` is in it), then each commit. */
  private async *unitsAfter(from: FeedOffset): AsyncGenerator<Unit> {
    const id = this.schemaSnapshot.metadata.id;
    let version = from.reservoirVersion;
    if (from.isStartingVersion) {
      const { files } = await this.initialFiles(version);
      for (let i = from.index + 1; i < files.length; i++) yield { kind: 'snapshot', add: files[i], version, files: 1, position: offsetOf(id, version, i, true) };
      version++;
    } else if (from.index >= 0) {
      version++;
    }
    const listed = await this.commits.listFrom(version);
    for (let v = version; listed.has(v) && (this.lastVersion === undefined || v <= this.lastVersion); v++) {
      const commit = this.checked(await this.commits.read(v, listed.get(v)!));
      yield { kind: 'commit', commit, files: changeFileCount(commit.changes), position: offsetOf(id, v, 0, false) };
    }
  }

  private async initialFiles(version: number): Promise<{ snapshot: Snapshot; files: readonly AddFile[] }> {
    if (this.snapshotFiles?.version !== version) {
      const snapshot = version === this.schemaSnapshot.version ? this.schemaSnapshot : await this.table.snapshot({ version });
      const files = [...snapshot.files].sort((a, b) => a.modificationTime - b.modificationTime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      this.snapshotFiles = { version, snapshot, files };
    }
    return this.snapshotFiles;
  }

  /** A commit the feed can read: the schema as the stream started, the feed still on. */
  private checked(commit: CommitChanges): CommitChanges {
    const m = commit.metaData;
    if (m && !changeDataFeedEnabled(m)) {
      throw streamingError('DELTA_MISSING_CHANGE_DATA', `${this.name}: the change data feed was off at version ${commit.version}; its changes were not recorded`);
    }
    if (m && commit.version > this.schemaSnapshot.version) {
      if (m.schemaString !== this.schemaSnapshot.metadata.schemaString) {
        throw streamingError('DELTA_SCHEMA_CHANGED', `${this.name}: the schema changed at version ${commit.version} after the stream started; restart the query to read with the new schema`);
      }
    }
    return commit;
  }
}

/** Stream order of two positions. */
function comparePositions(a: FeedOffset, b: FeedOffset): number {
  if (a.reservoirVersion !== b.reservoirVersion) return a.reservoirVersion - b.reservoirVersion;
  if (a.isStartingVersion !== b.isStartingVersion) return a.isStartingVersion ? -1 : 1;
  return a.index - b.index;
}
