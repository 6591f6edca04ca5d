import type { Row, StatementResult } from '@loch/lakehouse/core';
import { tableToIPC } from 'apache-arrow';
import { typeNameOf, typeTextOf } from './type-text.js';

/** `status.state` of the Statement Execution API. */
export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export interface ChunkInfo {
  readonly chunk_index: number;
  readonly row_offset: number;
  readonly row_count: number;
}

/** A finished statement's rows as the API hands them out: strings (or null) in chunks. */
export type ResultFormat = 'JSON_ARRAY' | 'ARROW_STREAM';

export interface StatementData {
  readonly manifest: Record<string, unknown>;
  readonly chunks: readonly (readonly (string | null)[][])[];
  /** With ARROW_STREAM: each chunk as an Arrow IPC stream (base64 `attachment`, as Databricks' INLINE Arrow). */
  readonly arrow?: readonly string[];
  readonly summary?: string;
  readonly version?: number;
  /** What each Delta scan of the statement read and what pruned the rest (a Loch addition to the API). */
  readonly scans?: readonly ScanReport[];
}

/**
 * One Delta scan's pruning report, as the Statement API returns it in `result.scans`: the files
 * of the snapshot, those read, and those skipped by partition values, by file statistics, and by
 * Dynamic File Pruning from a join's build side. EXPLAIN reports the same without reading rows.
 */
export interface ScanReport {
  readonly table: string;
  readonly version: number;
  readonly files_total: number;
  readonly files_read: number;
  readonly files_pruned_by_partition: number;
  readonly files_pruned_by_stats: number;
  readonly files_pruned_by_dynamic_filter: number;
  readonly rows_scanned: number;
  readonly bytes_scanned: number;
}

export function scanReports(result: StatementResult): ScanReport[] {
  return (result.metrics?.scans ?? []).map((s) => ({
    table: s.table,
    version: s.version,
    files_total: s.filesTotal,
    files_read: s.filesScanned,
    files_pruned_by_partition: s.filesPrunedByPartition,
    files_pruned_by_stats: s.filesPrunedByStats,
    files_pruned_by_dynamic_filter: s.filesPrunedByDynamicFilter,
    rows_scanned: s.rowsScanned,
    bytes_scanned: s.bytesScanned,
  }));
}

/** Databricks sends every value of JSON_ARRAY as a string: numbers as text, structs as JSON. */
function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * The manifest and chunks of a result: rows cut into chunks of `chunkRows`, at most `rowLimit`
 * rows in all (the manifest then says `truncated`). A statement without rows (an INSERT, a
 * CREATE) has an empty schema and no chunks, and its summary.
 */
export function statementData(result: StatementResult, options: { chunkRows: number; rowLimit?: number; format?: ResultFormat }): StatementData {
  const columns = result.columns.map((c, i) => ({
    name: c.name,
    position: i,
    type_name: typeNameOf(c.deltaType),
    type_text: typeTextOf(c.deltaType),
    ...(c.deltaType.kind === 'decimal' ? { type_precision: c.deltaType.precision, type_scale: c.deltaType.scale } : {}),
  }));
  const all: readonly Row[] = result.returnsRows ? result.rows : [];
  const limit = options.rowLimit ?? Infinity;
  const rows = all.length > limit ? all.slice(0, limit) : all;
  const chunks: (string | null)[][][] = [];
  const infos: ChunkInfo[] = [];
  for (let offset = 0; offset < rows.length; offset += options.chunkRows) {
    const part = rows.slice(offset, offset + options.chunkRows);
    chunks.push(part.map((r) => result.columns.map((c) => cell(r[c.name]))));
    infos.push({ chunk_index: infos.length, row_offset: offset, row_count: part.length });
  }
  const format = options.format ?? 'JSON_ARRAY';
  const scans = scanReports(result);
  let arrow: string[] | undefined;
  if (format === 'ARROW_STREAM' && result.returnsRows) {
    const table = result.toArrow();
    arrow = infos.map((c) => Buffer.from(tableToIPC(table.slice(c.row_offset, c.row_offset + c.row_count), 'stream')).toString('base64'));
  }
  return {
    ...(arrow ? { arrow } : {}),
    manifest: {
      format,
      schema: { column_count: columns.length, columns },
      total_chunk_count: chunks.length,
      chunks: infos,
      total_row_count: rows.length,
      truncated: rows.length < all.length,
    },
    chunks,
    ...(result.summary !== undefined ? { summary: result.summary } : {}),
    ...(result.version !== undefined ? { version: result.version } : {}),
    ...(scans.length > 0 ? { scans } : {}),
  };
}

/** One chunk as `result` of a response (or of GET .../result/chunks/{i}), with the link to the next. */
export function chunkResult(id: string, data: StatementData, index: number): Record<string, unknown> {
  const infos = data.manifest.chunks as ChunkInfo[];
  const info = infos[index];
  if (!info) return { chunk_index: 0, row_offset: 0, row_count: 0, data_array: [] };
  const next = index + 1 < infos.length ? { next_chunk_index: index + 1, next_chunk_internal_link: `/api/2.0/sql/statements/${id}/result/chunks/${index + 1}` } : {};
  return { ...info, ...(data.arrow ? { attachment: data.arrow[index] } : { data_array: data.chunks[index] }), ...next };
}
