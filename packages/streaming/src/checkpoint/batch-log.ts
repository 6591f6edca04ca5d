import { isDeltaError, type StorageHandler } from '@loch/delta';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A folder of files named by batch id (`offsets/0`, `offsets/1`, ...), Spark's HDFSMetadataLog.
 * A batch's file is written once, atomically, with put-if-absent: a reader sees it whole or not
 * at all, and of two writers racing for one batch exactly one wins.
 */
export class BatchLog {
  constructor(
    private readonly storage: StorageHandler,
    /** The folder's URL, ending in '/'. */
    readonly dir: string,
  ) {}

  fileOf(batchId: number): string {
    return `${this.dir}${batchId}`;
  }

  /** Writes batch `batchId`'s file; false when it already exists (it is left as it is). */
  async add(batchId: number, text: string): Promise<boolean> {
    try {
      await this.storage.putIfAbsent(this.fileOf(batchId), encoder.encode(text));
      return true;
    } catch (e) {
      if (isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) return false;
      throw e;
    }
  }

  async get(batchId: number): Promise<string | undefined> {
    try {
      return decoder.decode(await this.storage.read(this.fileOf(batchId)));
    } catch (e) {
      if (isDeltaError(e, 'DELTA_FILE_NOT_FOUND')) return undefined;
      throw e;
    }
  }

  /** Batch ids that have a file, ascending. Other names (temporary files) are not batches. */
  async batchIds(): Promise<number[]> {
    const ids: number[] = [];
    for (const f of await this.storage.list(this.dir)) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      if (/^\d+$/.test(name)) ids.push(Number(name));
    }
    return ids.sort((a, b) => a - b);
  }

  async latest(): Promise<number | undefined> {
    return (await this.batchIds()).at(-1);
  }

  /** Deletes the files of batches before `batchId`. */
  async purgeBefore(batchId: number): Promise<void> {
    for (const id of await this.batchIds()) {
      if (id >= batchId) break;
      await this.storage.delete(this.fileOf(id));
    }
  }
}
