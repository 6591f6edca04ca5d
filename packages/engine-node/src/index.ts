export { nodeEngine, type NodeEngine } from './engine.js';
export { LocalStorage, localUrl } from './local-storage.js';
export { NodeJsonHandler, type JsonHandlerOptions } from './json/handler.js';
export { DuckDBParquetHandler, type ParquetHandlerOptions } from './parquet/checkpoint-reader.js';
export { duckdbApi, duckdbBindings, rawResult } from './duckdb/api.js';
export { runSql, streamSql } from './duckdb/database.js';
export { duckdb, connect, withConnection, withPooledConnection, sqlString, sqlIdent, openPrivateDatabase, type PrivateDatabase } from './duckdb/database.js';
