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

export interface StreamingTableDef extends DatasetBase {
  readonly kind: 'streamingTable';
  readonly source: StreamSource;
  /** The query, naming its stream by STREAM_INPUT. */
  readonly query: string;
}

export interface MaterializedViewDef extends DatasetBase {
  readonly kind: 'materializedView';
  /** The query (Spark SQL over lake tables). */
  readonly query: string;
}

export type DatasetDef = StreamingTableDef | MaterializedViewDef;

export interface PipelineDef {
  readonly name: string;
  /** The file the definitions come from (for error messages). */
  readonly file: string;
  readonly datasets: readonly DatasetDef[];
}

/** How a streaming table's query names the rows of each batch. */
export const STREAM_INPUT = '__loch_stream_input';

/** Where a dataset was defined, as messages say it: `pipeline.sql:12 (table silver)`. */
export function whereDefined(file: string, d: Pick<DatasetDef, 'line' | 'name'>): string {
  return `${file}:${d.line} (table ${d.name})`;
}
