import type { WindowColumn } from '../frame/window.js';

/**
 * A pipeline as its SQL file defines it: datasets (streaming tables and materialized views),
 * each with where it was written, what it reads and the expectations its rows must meet.
 */

/** What an expectation does with a row that violates it (Databricks' ON VIOLATION). */
export type ViolationAction = 'warn' | 'drop' | 'fail';

/** `CONSTRAINT name EXPECT (condition) [ON VIOLATION DROP ROW | FAIL UPDATE]`. */
export interface Expectation {
  readonly name: string;
  /** A Spark SQL boolean expression over the dataset's rows. A row passes when it is true (false or NULL violate). */
  readonly condition: string;
  readonly action: ViolationAction;
}

/** Where a streaming table's rows come from: `STREAM read_files(...)`, `STREAM(t)` or a registered reader (`STREAM read_nats(...)`). */
export type StreamSource =
  | { readonly kind: 'files'; readonly path: string; readonly options: Readonly<Record<string, string>> }
  | { readonly kind: 'table'; readonly name: string }
  | { readonly kind: 'reader'; readonly function: string; readonly options: Readonly<Record<string, string>> };

/** A column declared in the dataset's definition: the query's column of that name is cast to the type. */
export interface DeclaredColumn {
  readonly name: string;
  /** Spark SQL type text (`BIGINT`, `ARRAY<STRING>`). */
  readonly type: string;
}

interface DatasetBase {
  readonly name: string;
  /** The file that defines it (a pipeline may have several). */
  readonly file: string;
  /** 1-based line of the statement in its file. */
  readonly line: number;
  readonly columns: readonly DeclaredColumn[];
  readonly expectations: readonly Expectation[];
  readonly partitionBy: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly comment?: string;
  /** Every table the query names (pipeline datasets and others), as written, LIVE. prefixes removed. */
  readonly reads: readonly string[];
}

/**
 * A streaming table's query that aggregates with a watermark (`... WATERMARK ts DELAY OF INTERVAL
 * 30 SECONDS GROUP BY window(ts, '1 minute'), cdn`), as the engine's steps: `pre` over each batch,
 * then withWatermark, groupBy(keys).agg(aggregates), select.
 */
export interface StreamAggregation {
  /** Spark SQL over STREAM_INPUT: the WHERE, and the watermark's column when it is an expression. */
  readonly pre: string;
  readonly watermark: { readonly column: string; readonly delayMs: number };
  readonly keys: readonly (string | WindowColumn)[];
  /** Output name -> aggregate expression. */
  readonly aggregates: Readonly<Record<string, string>>;
  /** The SELECT list over the aggregation's output (keys by column, the window as `window`). */
  readonly select: readonly string[];
}

export interface StreamingTableDef extends DatasetBase {
  readonly kind: 'streamingTable';
  readonly source: StreamSource;
  /** The query, naming its stream by STREAM_INPUT. */
  readonly query: string;
  /** Present when the query aggregates its stream with a watermark (then `query` is not run as it is). */
  readonly aggregation?: StreamAggregation;
}

export interface MaterializedViewDef extends DatasetBase {
  readonly kind: 'materializedView';
  /** The query (Spark SQL over lake tables). */
  readonly query: string;
}

export type DatasetDef = StreamingTableDef | MaterializedViewDef;

export interface PipelineDef {
  readonly name: string;
  /** The files the definitions come from, comma-separated (for error messages). */
  readonly file: string;
  readonly datasets: readonly DatasetDef[];
}

/** How a streaming table's query names the rows of each batch. */
export const STREAM_INPUT = '__loch_stream_input';

/** Where a dataset was defined, as messages say it: `pipeline.sql:12 (table silver)`. */
export function whereDefined(d: Pick<DatasetDef, 'file' | 'line' | 'name'>): string {
  return `${d.file}:${d.line} (table ${d.name})`;
}
