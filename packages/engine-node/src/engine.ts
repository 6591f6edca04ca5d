import type { Engine } from '@loch/delta';
import { NodeJsonHandler, type JsonHandlerOptions } from './json/handler.js';
import { LocalStorage } from './local-storage.js';
import { DuckDBParquetHandler, type ParquetHandlerOptions } from './parquet/checkpoint-reader.js';

export interface NodeEngine extends Engine {
  readonly json: NodeJsonHandler;
  /** Releases worker threads early (they also stop by themselves when idle). */
  close(): Promise<void>;
}

/** The Engine for Node: local files, parallel JSON log parsing, Parquet through DuckDB. */
export function nodeEngine(options: { json?: JsonHandlerOptions; parquet?: ParquetHandlerOptions } = {}): NodeEngine {
  const storage = new LocalStorage();
  const json = new NodeJsonHandler(storage, options.json);
  return {
    storage,
    json,
    parquet: new DuckDBParquetHandler(options.parquet),
    close: () => json.close(),
  };
}
