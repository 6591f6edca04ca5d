import type { TableScanMetrics } from '../../scan/execute.js';
import type { DataType } from '@loch/delta';
import type { Table } from 'apache-arrow';
import { toArrowTable } from '../../scan/arrow-output.js';
import type { Row } from '../../scan/execute.js';
import type { RowStream } from '../../scan/row-stream.js';
import { SqlError } from '../errors.js';
import type { Statement } from '../parse/statements.js';

export interface SqlColumn {
  readonly name: string;
  /** The Delta type the column's values are encoded as. */
  readonly deltaType: DataType;
}

/** What one scan of a Delta table read (design/CLI.md, "Scan metrics"). */
export type SqlScanMetrics = TableScanMetrics;

export interface SqlMetrics {
  readonly elapsedMs: number;
  readonly scans: readonly SqlScanMetrics[];
}

/** The outcome of one statement. */
export interface StatementResult {
  /** The statement's text. */
  readonly statement: string;
  /** Its 1-based position in the text given to `sql()`. */
  readonly number: number;
  readonly kind: Statement['kind'];
  /** Whether the statement produces rows (a query, DESCRIBE HISTORY, SHOW TABLES, ...), even zero of them. */
  readonly returnsRows: boolean;
  readonly columns: readonly SqlColumn[];
  /**
   * Rows in Loch's JSON encoding (design/CLI.md), keyed by column name. For a query run with
   * `stream: true` the rows are not read: reading this fails (LOCH_RESULT_CLOSED); read `stream`.
   */
  readonly rows: readonly Row[];
  /**
   * With `stream: true`, a query's rows as DuckDB produces them (Arrow batches, row batches, or a
   * file), to be read before the next result is asked for.
   */
  readonly stream?: RowStream;
  /** For statements that return rows. */
  readonly metrics?: SqlMetrics;
  /**
   * A one-line account of what a statement did (`INSERT INTO events: 3 rows, version 2`); always
   * there for statements without rows, and for writes that also return rows (MERGE, UPDATE, ...).
   */
  readonly summary?: string;
  /** The table version a write committed. */
  readonly version?: number;
  /** The rows as an Apache Arrow table. */
  toArrow(): Table;
}

export function rowsResult(
  base: { statement: string; number: number; kind: Statement['kind'] },
  columns: readonly SqlColumn[],
  rows: readonly Row[],
  metrics: SqlMetrics,
  extra: { readonly summary?: string; readonly version?: number } = {},
): StatementResult {
  return {
    ...base,
    returnsRows: true,
    columns,
    rows,
    metrics,
    ...(extra.summary !== undefined ? { summary: extra.summary } : {}),
    ...(extra.version !== undefined ? { version: extra.version } : {}),
    toArrow: () => toArrowTable({ kind: 'struct', fields: columns.map((c) => ({ name: c.name, type: c.deltaType, nullable: true, metadata: {} })) }, [...rows]),
  };
}

export function doneResult(base: { statement: string; number: number; kind: Statement['kind'] }, summary: string, version?: number): StatementResult {
  return {
    ...base,
    returnsRows: false,
    columns: [],
    rows: [],
    summary,
    ...(version !== undefined ? { version } : {}),
    toArrow: () => toArrowTable({ kind: 'struct', fields: [] }, []),
  };
}

/**
 * A query's result with its rows unread (see `stream`). Its metrics are taken when asked for, so
 * that after the rows were read they include reading them.
 */
export function streamedResult(base: { statement: string; number: number; kind: Statement['kind'] }, stream: RowStream, metrics: () => SqlMetrics): StatementResult {
  const unread = () =>
    new SqlError('LOCH_RESULT_CLOSED', `statement ${base.number} was run with stream: true; read its rows from result.stream (batches(), rowBatches(), writeTo())`);
  return {
    ...base,
    returnsRows: true,
    columns: stream.columns.map((c) => ({ name: c.name, deltaType: c.deltaType })),
    get rows(): readonly Row[] {
      throw unread();
    },
    stream,
    get metrics() {
      return metrics();
    },
    toArrow: () => {
      throw unread();
    },
  };
}
