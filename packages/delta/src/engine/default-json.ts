import { parseJsonLog, type LogFileActions } from '../actions/columns.js';
import type { FileMeta, JsonHandler, StorageHandler } from './engine.js';

/** Reads and parses JSON log files on the calling thread; the portable default. */
export function defaultJsonHandler(storage: StorageHandler): JsonHandler {
  const decoder = new TextDecoder();
  return {
    async readLogFiles(files: FileMeta[]): Promise<LogFileActions[]> {
      const texts = await Promise.all(files.map((f) => storage.read(f.path)));
      return texts.map((bytes, i) => parseJsonLog(decoder.decode(bytes), files[i].path));
    },
  };
}
