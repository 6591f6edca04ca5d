import type { Engine, StructType } from '@loch/delta';
import type { Lakehouse } from '@loch/lakehouse';

/**
 * A source's position in its input, as a JSON value. The engine writes it into the checkpoint
 * (`offsets/N`) before batch N runs and hands it back after a restart; it compares offsets by
 * their JSON text, so a source gives the same position the same key order every time.
 */
export type Offset = string | number | boolean | null | readonly Offset[] | { readonly [key: string]: Offset };

/**
 * How much a batch may take: `default` is the source's own rate limit (maxFilesPerTrigger,
 * maxOffsetsPerTrigger, ...); `allAvailable` ignores it (Trigger.Once).
 */
export type ReadLimit = 'default' | 'allAvailable';

/** What a source gets when a query starts. */
export interface SourceContext {
  readonly lake: Lakehouse;
  readonly engine: Engine;
  /** The query's id (kept in the checkpoint; the same across restarts). */
  readonly queryId: string;
  /** This source's own folder in the checkpoint (`<checkpoint>/sources/<i>/`, a URL ending in '/'). */
  readonly checkpointDir: string;
}

/**
 * The rows of one batch of a source, as DuckDB can read them:
 * - `rows`: JavaScript rows with the given schema (values as a Delta table would take them:
 *   numbers, bigints or digit strings, ISO timestamps, nested objects);
 * - `query`: a DuckDB query over files or generated rows (`SELECT * FROM read_parquet([...])`),
 *   run once on a connection to the process database. `release` runs after the batch is done
 *   (after its fallback too, if one was asked for);
 * - `table`: a table the source already filled in the streaming schema (`loch_stream.<name>`),
 *   holding exactly the batch's rows and columns. The engine takes it over (renames and later
 *   drops it) instead of copying it, which matters for batches of millions of rows.
 */
export type SourceBatch =
  | { readonly kind: 'rows'; readonly schema: StructType; readonly rows: readonly Readonly<Record<string, unknown>>[] }
  | {
      readonly kind: 'query';
      readonly sql: string;
      release?(): Promise<void>;
      /**
       * Where the query may fail on input it does not take as it is (a file that needs a slower
       * read): the batch's rows another way, asked for after such a failure. A batch with a
       * fallback may be given to the sink as the query itself, without a copy, when the query
       * has no steps and the sink reads it once (`Sink.takesQueries`).
       */
      fallback?(): Promise<SourceBatch>;
    }
  | { readonly kind: 'table'; readonly table: string; release?(): Promise<void> };

/**
 * A replayable streaming source (Spark's `Source` with admission control). The engine asks for
 * the latest offset, writes it to the checkpoint, then asks for the rows between the previous
 * batch's end and that offset. After a crash it asks again for the same range: a source must
 * return the same rows for the same offsets until they are committed.
 *
 * Lifecycle: `start` once per run, then per batch `latestOffset` and `getBatch`, `commit` after
 * the batch's sink committed, and `stop` when the query ends.
 */
export interface Source {
  /** How progress names the source, e.g. `DeltaSource[file:///lake/events]`. */
  readonly description: string;
  /**
   * What the source reads, for telling checkpoints apart: a checkpoint written by a query that
   * read something else is refused (`STREAM_CHECKPOINT_MISMATCH`). Options may change; this may not.
   */
  readonly identity: string;
  /** Prepares the source; `committed` is the end of the last committed batch, if any. */
  start?(context: SourceContext, committed: Offset | undefined): Promise<void>;
  /**
   * The end of the next batch: the furthest offset after `start` that `limit` admits, or `start`
   * itself (undefined before any data) when nothing new has arrived.
   */
  latestOffset(start: Offset | undefined, limit: ReadLimit): Promise<Offset | undefined>;
  /** The rows after `start` up to and including `end`. */
  getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch>;
  /** Everything up to `end` is committed downstream: the source may forget it. */
  commit?(end: Offset): Promise<void>;
  /**
   * Trigger.AvailableNow: from now on, `latestOffset` never goes past what is available at this
   * moment. A source without it gets Trigger.Once's single batch instead.
   */
  prepareForTriggerAvailableNow?(): Promise<void>;
  /** Source-specific figures for progress (Spark's `metrics`, e.g. numFilesOutstanding). */
  metrics?(latest: Offset | undefined): Readonly<Record<string, string>>;
  stop?(): Promise<void>;
}

/** Two offsets are the same position when their JSON texts are equal. */
export function sameOffset(a: Offset | undefined, b: Offset | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
