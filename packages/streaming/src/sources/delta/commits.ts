import { changeFilesOf, listLog, logDirUrl, parseJsonLog, type AddFile, type ChangeFiles, type Engine, type FileMeta, type Metadata, type RemoveFile } from '@loch/delta';

/** What a stream needs of one commit: its data-changing adds and removes, and any new metadata. */
export interface CommitChanges {
  readonly version: number;
  /** Adds with dataChange, in the commit's order (a stream reads them in that order). */
  readonly adds: readonly AddFile[];
  /** Removes with dataChange (deletes, updates, merges); OPTIMIZE's rewrites are left out. */
  readonly removes: readonly RemoveFile[];
  readonly metaData?: Metadata;
  readonly timestamp: number;
  /** The files of its row-level changes, for the change data feed. */
  readonly changes: ChangeFiles;
}

const decoder = new TextDecoder();
const CACHE_LIMIT = 256;

/**
 * A table's commit files, read once each: a stream asks for the same commits at every trigger
 * until it has passed them.
 */
export class CommitReader {
  private readonly cache = new Map<number, CommitChanges>();
  private readonly logDir: string;

  constructor(
    private readonly engine: Engine,
    tableRoot: string,
  ) {
    this.logDir = logDirUrl(tableRoot);
  }

  /** Commit files from `version` on, by version. */
  async listFrom(version: number): Promise<Map<number, FileMeta>> {
    return (await listLog(this.engine.storage, this.logDir, version)).commits;
  }

  async read(version: number, file: FileMeta): Promise<CommitChanges> {
    const known = this.cache.get(version);
    if (known) return known;
    const actions = parseJsonLog(decoder.decode(await this.engine.storage.read(file.path)), file.path);
    const ict = actions.commitInfo?.inCommitTimestamp;
    const changes: CommitChanges = {
      version,
      adds: actions.adds.filter((a) => a.dataChange !== false),
      removes: actions.removes.filter((r) => r.dataChange !== false),
      ...(actions.metaData ? { metaData: actions.metaData } : {}),
      timestamp: typeof ict === 'number' ? ict : file.modificationTime,
      changes: changeFilesOf(actions),
    };
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(version, changes);
    return changes;
  }
}
