export { DeltaTable, tableUrl, type TableDetail } from './table.js';
export { executeScan, type ScanRequest, type ScanResult, type ScanMetrics, type Row } from './scan/execute.js';
export { toJsonValue, decimalString, formatDate, formatTimestamp, type JsonValue } from './scan/json-values.js';
export { duckType } from './scan/duck-types.js';
export { rowsToArrow, arrowType } from './scan/arrow.js';
