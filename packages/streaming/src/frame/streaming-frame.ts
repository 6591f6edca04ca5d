import type { DataFrame, Expr, JoinHint, JoinType, Lakehouse } from '@loch/lakehouse';
import { invalidOption } from '../errors.js';
import type { Source } from '../source.js';
import { DataStreamWriter } from '../writer.js';
import { parseDurationMs } from './durations.js';
import type { GroupKey, Step } from './plan.js';

/**
 * A DataFrame over a stream (Spark's streaming DataFrame): immutable, each method returns a new
 * frame, and nothing runs until `writeStream...start()`. Every batch goes through the frame's
 * operations in order: stateless ones (select, filter, withColumn, joins with static frames,
 * which read their Delta tables' latest snapshot at each batch) and stateful ones (aggregations,
 * dropDuplicates) whose state lives in the query's checkpoint.
 */
export class StreamingDataFrame {
  readonly isStreaming = true;

  private constructor(
    readonly lake: Lakehouse,
    /** Makes the frame's source, once per query start. */
    readonly source: () => Source | Promise<Source>,
    readonly steps: readonly Step[],
  ) {}

  /** A frame reading from `source` (a new Source per query start). */
  static fromSource(lake: Lakehouse, source: () => Source | Promise<Source>): StreamingDataFrame {
    return new StreamingDataFrame(lake, source, []);
  }

  /** The frame with one more step (what the methods below build on). */
  withStep(step: Step): StreamingDataFrame {
    return new StreamingDataFrame(this.lake, this.source, [...this.steps, step]);
  }

  /** Names the frame for join conditions (`e.id = d.id`). */
  as(alias: string): StreamingDataFrame {
    return this.withStep({ kind: 'alias', alias });
  }

  /** Columns or expressions (`'bytes / 1024 AS kb'`). */
  select(...columns: Expr[]): StreamingDataFrame {
    if (columns.length === 0) throw invalidOption('select() needs at least one column');
    return this.withStep({ kind: 'select', columns });
  }

  filter(condition: Expr): StreamingDataFrame {
    return this.withStep({ kind: 'filter', condition });
  }

  where(condition: Expr): StreamingDataFrame {
    return this.filter(condition);
  }

  /** Adds (or replaces) a column computed by `expr`. */
  withColumn(name: string, expr: Expr): StreamingDataFrame {
    return this.withStep({ kind: 'withColumn', name, expr });
  }

  /**
   * Joins each batch with a static frame (`lake.read('dim')`), read again at every batch, so
   * rows join the table as it is when their batch runs. The stream is the left side: inner,
   * left, semi, anti and cross joins.
   */
  join(other: DataFrame, on: Expr | readonly string[], how: JoinType = 'inner', options: { hint?: JoinHint } = {}): StreamingDataFrame {
    return this.withStep({ kind: 'join', other, on, how, ...(options.hint ? { hint: options.hint } : {}) });
  }

  /**
   * Runs a Spark SQL query over each batch, which names the rows so far by the identifier
   * `input`: `sql('SELECT id, upper(name) AS name FROM batch WHERE id > 0', 'batch')`. Stateless
   * queries only (projections, filters, joins with lake tables); aggregate with groupBy.
   */
  sql(query: string, input: string): StreamingDataFrame {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(input)) throw invalidOption(`sql(): the input name '${input}' must be a plain identifier`);
    return this.withStep({ kind: 'sql', query, input });
  }

  /**
   * Declares `column` the event time, with rows up to `delay` late still counted ('10 minutes').
   * The watermark is the latest event time seen minus the delay; stateful operators drop rows
   * older than it and forget state it has passed.
   */
  withWatermark(column: string, delay: string): StreamingDataFrame {
    return this.withStep({ kind: 'watermark', column, delayMs: parseDurationMs(delay, `withWatermark(${column})`) });
  }

  /** Groups by columns, expressions and `window(...)`s, for `agg` or `count`. */
  groupBy(...keys: GroupKey[]): GroupedStream {
    return new GroupedStream(this, keys);
  }

  /** Aggregates over the whole stream: `agg({ n: 'count(*)' })`. */
  agg(aggregates: Readonly<Record<string, Expr>>): StreamingDataFrame {
    return this.groupBy().agg(aggregates);
  }

  /** Drops rows whose `columns` (all columns when none) an earlier row already had; bounded by the watermark when there is one. */
  dropDuplicates(columns?: readonly string[]): StreamingDataFrame {
    return this.withStep({ kind: 'dropDuplicates', ...(columns && columns.length > 0 ? { columns: [...columns] } : {}) });
  }

  /** Named aggregates over each batch's rows at this point, reported in progress (`observedMetrics[name]`). */
  observe(name: string, metrics: Readonly<Record<string, Expr>>): StreamingDataFrame {
    if (Object.keys(metrics).length === 0) throw invalidOption(`observe('${name}') needs at least one metric`);
    return this.withStep({ kind: 'observe', name, metrics });
  }

  /** Where and how the stream is written: `writeStream.format('delta').option(...).toTable('t')`. */
  get writeStream(): DataStreamWriter {
    return DataStreamWriter.of(this);
  }
}

/** A grouped stream, waiting for its aggregates. */
export class GroupedStream {
  constructor(
    private readonly frame: StreamingDataFrame,
    private readonly keys: readonly GroupKey[],
  ) {}

  /** Aggregates by name: `agg({ n: 'count(*)', avg_ms: 'avg(latency_ms)' })`. */
  agg(aggregates: Readonly<Record<string, Expr>>): StreamingDataFrame {
    if (Object.keys(aggregates).length === 0) throw invalidOption('agg() needs at least one aggregate');
    return this.frame.withStep({ kind: 'aggregate', keys: this.keys, aggregates });
  }

  /** Rows per group, in a column `count`. */
  count(): StreamingDataFrame {
    return this.agg({ count: 'count(*)' });
  }
}
