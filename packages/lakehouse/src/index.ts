export { DeltaTable, tableUrl, type TableDetail } from './table.js';
export { executeScan, type ScanRequest, type ScanResult, type ScanMetrics, type Row } from './scan/execute.js';
export { toJsonValue, decimalString, formatDate, formatTimestamp, type JsonValue } from './scan/json-values.js';
export { duckType } from './scan/duck-types.js';
export { rowsToArrow, arrowType } from './scan/arrow.js';
export { writeTable, type WriteOptions, type WriteResult, type WriteMode } from './ops/write.js';
export { createTable, toStructType, type CreateOptions, type SchemaInput } from './ops/create.js';
export type { WriteData } from './write/source.js';
