export { nodeEngine, type NodeEngine } from './engine.js';
export { LocalStorage, localUrl } from './local-storage.js';
export { NodeJsonHandler, type JsonHandlerOptions } from './json/handler.js';
export { DuckDBParquetHandler } from './parquet/checkpoint-reader.js';
export { duckdb, connect, withConnection, sqlString, sqlIdent } from './duckdb/database.js';
