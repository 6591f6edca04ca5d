import type { Engine } from '@loch/delta';
import type { DataFrame, Lakehouse } from '@loch/lakehouse';

/**
 * Which rows of a query's result each batch sends to the sink (Spark's output modes): `append`
 * only new rows (an aggregation's window once the watermark has passed its end), `update` the
 * rows that changed in the batch, `complete` the whole result every batch.
 */
export type OutputMode = 'append' | 'update' | 'complete';

export interface SinkContext {
  readonly lake: Lakehouse;
  readonly engine: Engine;
  /** The query's id, the same across restarts (the Delta sink's txn appId). */
  readonly queryId: string;
  readonly queryName: string | undefined;
  readonly outputMode: OutputMode;
}

/** One batch's output, as the sink receives it. */
export interface SinkBatch {
  /** The batch id: the same when a batch is replayed after a crash. */
  readonly batchId: number;
  readonly outputMode: OutputMode;
  /**
   * The rows: a table in the process's DuckDB database (`loch_stream."..."`), dropped after the
   * batch; for a sink that `takesQueries`, possibly a parenthesized query instead.
   */
  readonly relation: string;
  /** The same rows as a DataFrame of the query's lake: what `foreachBatch` gives user code. */
  readonly df: DataFrame;
  /** How many rows; NaN when `relation` is a query (the sink counts what it writes). */
  readonly numRows: number;
}

export interface SinkCommit {
  readonly numOutputRows: number;
  /** Sink-specific figures for progress (Spark's `sink.metrics`). */
  readonly metrics?: Readonly<Record<string, string>>;
}

/**
 * Where a query's batches go. The engine calls `addBatch` once per batch, after the batch's
 * offsets are in the checkpoint and before its commit marker; after a crash between the two it
 * calls it again with the same batch id. An exactly-once sink recognises that id and leaves
 * the data as it is (the Delta sink records (query id, batch id) in the table's `txn` action);
 * an at-least-once sink documents that it may see a batch twice.
 */
export interface Sink {
  /** How progress names the sink, e.g. `DeltaSink[file:///lake/bronze]`. */
  readonly description: string;
  /** What the sink writes to, for telling checkpoints apart (see Source.identity). */
  readonly identity: string;
  /** Output modes the sink takes; all when absent. */
  readonly outputModes?: readonly OutputMode[];
  /**
   * The sink may be given a batch as a query (`relation` a parenthesized query, `numRows` NaN):
   * it reads the relation once, reports the rows it wrote as numOutputRows, and when that read
   * fails it leaves nothing behind, so the engine can retry the batch from a table. Saves the
   * copy of a large batch that goes to the sink as it is read (a bronze table's ingestion).
   */
  readonly takesQueries?: boolean;
  start?(context: SinkContext): Promise<void>;
  addBatch(batch: SinkBatch): Promise<SinkCommit>;
  stop?(): Promise<void>;
}
