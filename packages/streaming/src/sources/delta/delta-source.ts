import { addFileList, displayTable, planScan, toEpochMillis, type AddFile, type Snapshot } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { scanSql, type DeltaTable } from '@loch/lakehouse';
import { invalidOption, streamingError } from '../../errors.js';
import { booleanOption, bytesOption, getOption, numberOption } from '../../formats.js';
import { emptyRelation } from '../../query/batch-tables.js';
import type { Offset, ReadLimit, Source, SourceBatch, SourceContext } from '../../source.js';
import { CommitReader, type CommitChanges } from './commits.js';
import { startingPoint } from './starting-point.js';

export interface DeltaSourceOptions {
  /** Read the changes from this version on (no initial snapshot); 'latest': only new ones. */
  readonly startingVersion?: number | 'latest';
  /** Read the changes committed at or after this time (no initial snapshot). */
  readonly startingTimestamp?: string;
  readonly maxFilesPerTrigger: number;
  readonly maxBytesPerTrigger?: number;
  /** Commits that only delete rows are passed over. */
  readonly ignoreDeletes: boolean;
  /** Commits that change existing rows (update, merge, delete) are passed over entirely. */
  readonly skipChangeCommits: boolean;
  /** Commits that change existing rows send their rewritten files again (rows may repeat); deprecated in Delta for skipChangeCommits. */
  readonly ignoreChanges: boolean;
}

/**
 * Spark's DeltaSourceOffset: the position just after a file. `index` is the file's position in
 * its version's ordered files (-1: before the first); `isStartingVersion` says the version is
 * the initial snapshot rather than a commit.
 */
type DeltaOffset = {
  readonly sourceVersion: 1;
  readonly reservoirId: string;
  readonly reservoirVersion: number;
  readonly index: number;
  readonly isStartingVersion: boolean;
};

interface IndexedFile {
  readonly add: AddFile;
  readonly position: DeltaOffset;
}

const offsetOf = (reservoirId: string, version: number, index: number, isStartingVersion: boolean): DeltaOffset => ({
  sourceVersion: 1,
  reservoirId,
  reservoirVersion: version,
  index,
  isStartingVersion,
});

/**
 * A Delta table as a stream (format 'delta'): the table as it is when the query first starts
 * (its files in modification-time order), then every commit after it, file by file, at most
 * `maxFilesPerTrigger` (or `maxBytesPerTrigger`) per batch. Only appends flow: a commit that
 * deletes or changes rows fails the stream with Delta's error unless `ignoreDeletes` (for pure
 * deletes) or `skipChangeCommits` says to pass it over. OPTIMIZE's rewrites are not data changes.
 */
export class DeltaSource implements Source {
  readonly description: string;
  readonly identity: string;
  private readonly commits: CommitReader;
  private schemaSnapshot!: Snapshot;
  private snapshotFiles: { version: number; files: readonly AddFile[] } | undefined;
  /** Trigger.AvailableNow: no commit after this version. */
  private lastVersion: number | undefined;
  /** Where the query's first batch starts, fixed when the checkpoint is new (see start). */
  private initial!: DeltaOffset;

  /** `url`: the table's root (`await table.location()`). */
  constructor(
    private readonly table: DeltaTable,
    private readonly url: string,
    readonly options: DeltaSourceOptions,
  ) {
    this.description = `DeltaSource[${displayTable(url)}]`;
    this.identity = `delta:${url}`;
    this.commits = new CommitReader(table.engine, url);
  }

  private get tableId(): string {
    return this.schemaSnapshot.metadata.id;
  }

  async start(context: SourceContext, committed: Offset | undefined): Promise<void> {
    this.schemaSnapshot = await this.table.snapshot();
    // The start of the first batch is kept in the checkpoint, so that the first batch replayed
    // after a crash starts where it did, whatever was committed to the table since.
    const file = `${context.checkpointDir}initial`;
    const { storage } = context.engine;
    if (!(await storage.exists(file))) {
      await storage.putIfAbsent(file, new TextEncoder().encode(JSON.stringify(await this.initialPosition()))).catch(() => undefined);
    }
    this.initial = JSON.parse(new TextDecoder().decode(await storage.read(file))) as DeltaOffset;
    const c = (committed as DeltaOffset | undefined) ?? this.initial;
    if (c.reservoirId !== this.tableId) {
      throw streamingError(
        'STREAM_CHECKPOINT_MISMATCH',
        `${this.name}: the checkpoint read the table with id ${c.reservoirId}, but the table there now has id ${this.tableId} (it was replaced); use a new checkpointLocation`,
      );
    }
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    this.lastVersion = (await this.table.snapshot()).version;
  }

  async latestOffset(start: Offset | undefined, limit: ReadLimit): Promise<Offset | undefined> {
    const from = (start as DeltaOffset | undefined) ?? this.initial;
    let files = 0;
    let bytes = 0;
    let last: DeltaOffset | undefined;
    const { maxFilesPerTrigger, maxBytesPerTrigger } = this.options;
    for await (const f of this.filesAfter(from)) {
      // The byte limit is soft, as in Delta: a batch takes at least one file.
      if (limit === 'default' && (files >= maxFilesPerTrigger || (maxBytesPerTrigger !== undefined && files > 0 && bytes + f.add.size > maxBytesPerTrigger))) break;
      files++;
      bytes += f.add.size;
      last = f.position;
    }
    return last ?? start;
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const from = (start as DeltaOffset | undefined) ?? this.initial;
    const to = end as DeltaOffset;
    const adds: AddFile[] = [];
    for await (const f of this.filesAfter(from)) {
      if (comparePositions(f.position, to) > 0) break;
      adds.push(f.add);
    }
    if (adds.length === 0) return { kind: 'query', sql: emptyRelation(this.schemaSnapshot.schema) };
    const plan = planScan(this.schemaSnapshot, { files: addFileList(adds) });
    const sql = await withConnection((c) => scanSql(c, this.table.engine, plan));
    return { kind: 'query', sql: sql ?? emptyRelation(this.schemaSnapshot.schema) };
  }

  private get name(): string {
    return displayTable(this.url);
  }

  /** The source's options, checked (`what` names the source in errors). */
  static options(what: string, options: Readonly<Record<string, string>>): DeltaSourceOptions {
    const version = getOption(options, 'startingVersion');
    const timestamp = getOption(options, 'startingTimestamp');
    if (version !== undefined && timestamp !== undefined) throw invalidOption(`${what}: give startingVersion or startingTimestamp, not both`);
    if (version !== undefined && version.toLowerCase() !== 'latest' && !/^\d+$/.test(version)) throw invalidOption(`${what}: startingVersion must be a version number or 'latest', got '${version}'`);
    if (timestamp !== undefined) toEpochMillis(timestamp);
    const maxBytes = bytesOption(options, 'maxBytesPerTrigger', what);
    return {
      ...(version !== undefined ? { startingVersion: version.toLowerCase() === 'latest' ? ('latest' as const) : Number(version) } : {}),
      ...(timestamp !== undefined ? { startingTimestamp: timestamp } : {}),
      maxFilesPerTrigger: numberOption(options, 'maxFilesPerTrigger', what) ?? 1000,
      ...(maxBytes !== undefined ? { maxBytesPerTrigger: maxBytes } : {}),
      ignoreDeletes: booleanOption(options, 'ignoreDeletes', what, false),
      skipChangeCommits: booleanOption(options, 'skipChangeCommits', what, false),
      ignoreChanges: booleanOption(options, 'ignoreChanges', what, false),
    };
  }

  /** Where a fresh query starts: before the initial snapshot's first file, or before a starting version's. */
  private async initialPosition(): Promise<DeltaOffset> {
    const at = await startingPoint(this.name, this.table.engine, this.url, this.commits, this.schemaSnapshot.version, this.options);
    return offsetOf(this.tableId, at.version, -1, at.kind === 'snapshot');
  }

  /** Data files after `from`, in stream order: the initial snapshot's (if `from` is in it), then each commit's. */
  private async *filesAfter(from: DeltaOffset): AsyncGenerator<IndexedFile> {
    let version = from.reservoirVersion;
    if (from.isStartingVersion) {
      const files = await this.initialFiles(version);
      for (let i = from.index + 1; i < files.length; i++) yield { add: files[i], position: offsetOf(this.tableId, version, i, true) };
      version++;
    }
    const listed = await this.commits.listFrom(version);
    for (let v = version; listed.has(v) && (this.lastVersion === undefined || v <= this.lastVersion); v++) {
      const commit = this.checked(await this.commits.read(v, listed.get(v)!));
      if (!commit) continue;
      const after = v === from.reservoirVersion && !from.isStartingVersion ? from.index : -1;
      for (let i = after + 1; i < commit.adds.length; i++) yield { add: commit.adds[i], position: offsetOf(this.tableId, v, i, false) };
    }
  }

  /** The initial snapshot's files, oldest first (by modification time, then path), as Delta orders them. */
  private async initialFiles(version: number): Promise<readonly AddFile[]> {
    if (this.snapshotFiles?.version !== version) {
      const s = version === this.schemaSnapshot.version ? this.schemaSnapshot : await this.table.snapshot({ version });
      const files = [...s.files].sort((a, b) => a.modificationTime - b.modificationTime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      this.snapshotFiles = { version, files };
    }
    return this.snapshotFiles.files;
  }

  /** A commit's files to stream, or undefined to pass it over; fails on changes the options do not allow. */
  private checked(commit: CommitChanges): CommitChanges | undefined {
    if (commit.metaData && commit.metaData.schemaString !== this.schemaSnapshot.metadata.schemaString && commit.version > this.schemaSnapshot.version) {
      throw streamingError(
        'DELTA_SCHEMA_CHANGED',
        `${this.name}: the schema changed at version ${commit.version} after the stream started; restart the query to read with the new schema`,
      );
    }
    if (commit.removes.length === 0) return commit;
    if (this.options.skipChangeCommits) return undefined;
    if (this.options.ignoreChanges) return commit;
    const example = decodeURIComponent(commit.removes[0].path);
    if (commit.adds.length === 0) {
      if (this.options.ignoreDeletes) return undefined;
      throw streamingError(
        'DELTA_SOURCE_IGNORE_DELETE',
        `Detected deleted data (for example ${example}) from streaming source at version ${commit.version}. This is currently not supported. If you'd like to ignore deletes, set the option 'ignoreDeletes' to 'true'. The source table can be found at path ${this.name}.`,
      );
    }
    throw streamingError(
      'DELTA_SOURCE_TABLE_IGNORE_CHANGES',
      `Detected a data update (for example ${example}) in the source table at version ${commit.version}. This is currently not supported. If this is going to happen regularly and you are okay to skip changes, set the option 'skipChangeCommits' to 'true'. If you would like the data update to be reflected, please restart this query with a fresh checkpoint directory. The source table can be found at path ${this.name}.`,
    );
  }
}

/** Stream order of two positions. */
function comparePositions(a: DeltaOffset, b: DeltaOffset): number {
  if (a.reservoirVersion !== b.reservoirVersion) return a.reservoirVersion - b.reservoirVersion;
  if (a.isStartingVersion !== b.isStartingVersion) return a.isStartingVersion ? -1 : 1;
  return a.index - b.index;
}
