import type { DuckDBConnection } from '@duckdb/node-api';
import { connect } from '@loch/engine-node';
import type { Lakehouse } from '@loch/lakehouse';
import { randomUUID } from 'node:crypto';
import { Checkpoint, type BatchMetadata, type OffsetSeq } from '../checkpoint/checkpoint.js';
import { StateStore } from '../checkpoint/state-store.js';
import { streamingError } from '../errors.js';
import { checkPlan, watermarkOf, type Step } from '../frame/plan.js';
import { runSteps, type StatefulOperator, type StepsResult } from '../frame/run-steps.js';
import type { OutputMode, Sink, SinkCommit } from '../sink.js';
import { sameOffset, type Offset, type ReadLimit, type Source, type SourceBatch } from '../source.js';
import { AggregationOperator } from '../stateful/aggregation.js';
import { DeduplicationOperator, EVENT_TIME } from '../stateful/deduplication.js';
import { BatchTables, ensureStreamSchema, materializeBatch } from './batch-tables.js';
import { buildProgress } from './build-progress.js';
import { emptyDurations, timed, type DurationMs, type StreamingQueryProgress, type StreamingQueryStatus } from './progress.js';
import { startPoint } from './recovery.js';
import type { Trigger } from './trigger.js';

/** Everything a query needs, as DataStreamWriter gathers it. */
/** What running a batch gave, for its progress. */
interface BatchRun {
  readonly result: StepsResult;
  readonly sink: SinkCommit;
  readonly numInputRows: number;
  readonly numOutputRows: number;
}

export interface QuerySpec {
  readonly lake: Lakehouse;
  readonly source: () => Source | Promise<Source>;
  readonly steps: readonly Step[];
  readonly sink: Sink;
  readonly outputMode: OutputMode;
  readonly trigger: Trigger;
  /** The checkpoint's URL (ending in '/'). */
  readonly checkpoint: string;
  readonly queryName: string | undefined;
  /** Batches whose checkpoint files are kept (Spark's minBatchesToRetain). */
  readonly minBatchesToRetain: number;
  /** Called when the run ends (after everything is released), with the failure if any. */
  readonly onEnd?: (error: Error | undefined) => Promise<void>;
}

/** What the query tells its owner (the StreamingQuery) as it runs. */
export interface ExecutionEvents {
  started(): void;
  progress(p: StreamingQueryProgress): void;
  idle(): void;
  terminated(error: Error | undefined): void;
}

interface PlannedBatch {
  readonly batchId: number;
  readonly start: readonly (Offset | undefined)[];
  readonly end: readonly (Offset | undefined)[];
  readonly metadata: BatchMetadata;
}

/** Checkpoints of queries running in this process. */
const running = new Set<string>();

/** How long a trigger that found nothing waits before asking the sources again (processingTime 0). */
const IDLE_POLL_MS = 50;
/** At most one idle event per this long (Spark's noDataProgressEventInterval). */
const IDLE_EVENT_MS = 10_000;

/**
 * Runs a query as micro-batches (Spark's MicroBatchExecution). Each batch: ask the sources how
 * far to read, write those offsets to `offsets/N` (write-ahead), read and process the rows, hand
 * the result to the sink, then write `commits/N`. A crash anywhere leaves the checkpoint saying
 * which batch to run again and with which offsets.
 */
export class MicroBatchExecution {
  readonly runId = randomUUID();
  id = '';
  status: StreamingQueryStatus = { message: 'Initializing sources', isDataAvailable: false, isTriggerActive: false };
  exception: Error | undefined;
  active = false;

  private readonly checkpoint: Checkpoint;
  private readonly tables = new BatchTables(`q${this.runId.replaceAll('-', '').slice(0, 12)}`);
  private readonly operators = new Map<Step, StatefulOperator>();
  private source!: Source;
  private c!: DuckDBConnection;
  private batchId = 0;
  private committed: readonly (Offset | undefined)[] = [undefined];
  private nextWatermarkMs = 0;
  private lastBatchWatermarkMs = 0;
  private replay: PlannedBatch | undefined;
  private lastTriggerStart: number | undefined;
  private lastIdleEvent = 0;
  private stopRequested = false;
  private wake: (() => void) | undefined;
  /** Triggers started so far (processAllAvailable waits for one that starts after it is called). */
  private triggerStarts = 0;
  private readonly drainWaiters: { after: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private ended!: Promise<void>;

  constructor(
    private readonly spec: QuerySpec,
    private readonly events: ExecutionEvents,
  ) {
    this.checkpoint = new Checkpoint(spec.lake.engine.storage, spec.checkpoint);
  }

  /** Reads the checkpoint and starts the sources and sink; the batches then run in the background. */
  async start(): Promise<void> {
    checkPlan(this.spec.steps, this.spec.outputMode);
    if (running.has(this.spec.checkpoint)) {
      throw streamingError('STREAM_QUERY_ALREADY_ACTIVE', `a query with checkpoint ${decodeURIComponent(this.spec.checkpoint)} is already running in this process; stop it first`);
    }
    running.add(this.spec.checkpoint);
    try {
      this.source = await this.spec.source();
      const meta = await this.checkpoint.metadata({ sources: [this.source.identity], sink: this.spec.sink.identity });
      this.id = meta.id;
      const from = await startPoint(this.checkpoint, 1);
      this.batchId = from.batchId;
      this.committed = from.committed;
      this.nextWatermarkMs = from.watermarkMs;
      this.lastBatchWatermarkMs = from.lastBatchWatermarkMs;
      if (from.replay) this.replay = { batchId: from.replay.batchId, start: from.committed, end: from.replay.seq.offsets, metadata: from.replay.seq.metadata };
      this.c = await connect();
      await ensureStreamSchema(this.c);
      this.makeOperators();
      const { lake } = this.spec;
      await this.source.start?.({ lake, engine: lake.engine, queryId: this.id, checkpointDir: this.checkpoint.sourceDir(0) }, this.committed[0]);
      await this.spec.sink.start?.({ lake, engine: lake.engine, queryId: this.id, queryName: this.spec.queryName, outputMode: this.spec.outputMode });
    } catch (e) {
      await this.release();
      throw e;
    }
    this.active = true;
    this.events.started();
    this.ended = this.loop();
  }

  /** Asks the query to stop and waits until it has (a running batch finishes first). */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.wake?.();
    await this.ended;
  }

  /** Settles when the query ends: resolves when stopped, rejects with the failure. */
  async terminated(): Promise<void> {
    await this.ended;
    if (this.exception) throw this.exception;
  }

  /** Resolves once a trigger that began after this call found no new data (everything available is processed). */
  processAllAvailable(): Promise<void> {
    if (!this.active) return this.exception ? Promise.reject(this.exception) : Promise.resolve();
    return new Promise((resolve, reject) => {
      this.drainWaiters.push({ after: this.triggerStarts, resolve, reject });
      this.wake?.();
    });
  }

  private makeOperators(): void {
    const watermark = watermarkOf(this.spec.steps);
    const { storage } = this.spec.lake.engine;
    const options = { snapshotInterval: 10, retain: this.spec.minBatchesToRetain };
    this.spec.steps.forEach((step, i) => {
      if (step.kind !== 'aggregate' && step.kind !== 'dropDuplicates') return;
      const values = step.kind === 'aggregate' ? AggregationOperator.valueColumns(step) : watermark ? [EVENT_TIME] : [];
      const store = new StateStore(this.c, storage, this.checkpoint.stateDir(this.operators.size), this.tables.lasting(`state${i}`), values, options);
      const wm = watermark ? { column: watermark.column } : undefined;
      this.operators.set(step, step.kind === 'aggregate' ? new AggregationOperator(step, wm, this.spec.outputMode, store) : new DeduplicationOperator(step.columns, wm, store));
    });
  }

  private async loop(): Promise<void> {
    const { trigger } = this.spec;
    try {
      if (trigger.kind === 'availableNow') await this.source.prepareForTriggerAvailableNow?.();
      while (!this.stopRequested) {
        const triggerStart = Date.now();
        const triggerNo = ++this.triggerStarts;
        const ran = await this.runTrigger(triggerStart);
        if (!ran) this.onIdle(triggerNo);
        if (trigger.kind === 'once' || (trigger.kind === 'availableNow' && !ran)) break;
        await this.waitForNextTrigger(triggerStart, ran);
      }
    } catch (e) {
      this.exception = e instanceof Error ? e : new Error(String(e));
    }
    this.active = false;
    this.status = { message: 'Stopped', isDataAvailable: false, isTriggerActive: false };
    await this.release();
    for (const w of this.drainWaiters.splice(0)) (this.exception ? w.reject(this.exception) : w.resolve());
    this.events.terminated(this.exception);
  }

  private onIdle(triggerNo: number): void {
    this.status = { message: 'Waiting for data to arrive', isDataAvailable: false, isTriggerActive: false };
    for (const w of [...this.drainWaiters]) {
      if (w.after < triggerNo) {
        this.drainWaiters.splice(this.drainWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
    if (Date.now() - this.lastIdleEvent >= IDLE_EVENT_MS) {
      this.lastIdleEvent = Date.now();
      this.events.idle();
    }
  }

  private async waitForNextTrigger(triggerStart: number, ran: boolean): Promise<void> {
    const { trigger } = this.spec;
    const interval = trigger.kind === 'processingTime' ? trigger.intervalMs : 0;
    // Batches start at multiples of the interval; one that ran late starts the next at once.
    const next = interval > 0 ? Math.floor(triggerStart / interval) * interval + interval : ran ? 0 : Date.now() + IDLE_POLL_MS;
    const wait = next - Date.now();
    if (wait <= 0 || this.stopRequested) return;
    if (interval > 0) this.status = { message: 'Waiting for next trigger', isDataAvailable: this.status.isDataAvailable, isTriggerActive: false };
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  /** One trigger: plans the next batch (or takes the one to replay) and runs it; false when there was nothing to do. */
  private async runTrigger(triggerStart: number): Promise<boolean> {
    const durations = emptyDurations();
    let batch = this.replay;
    this.replay = undefined;
    let latest: (Offset | undefined)[] = [];
    let wal: Promise<void> = Promise.resolve();
    if (!batch) {
      this.status = { message: `Getting offsets from ${this.source.description}`, isDataAvailable: false, isTriggerActive: true };
      const limit: ReadLimit = this.spec.trigger.kind === 'once' || (this.spec.trigger.kind === 'availableNow' && !this.source.prepareForTriggerAvailableNow) ? 'allAvailable' : 'default';
      latest = [await timed(durations, 'latestOffset', () => this.source.latestOffset(this.committed[0], limit))];
      const hasData = !sameOffset(latest[0], this.committed[0]);
      if (!hasData && !this.needsNoDataBatch()) return false;
      batch = { batchId: this.batchId, start: this.committed, end: latest, metadata: { batchWatermarkMs: this.nextWatermarkMs, batchTimestampMs: Date.now(), conf: {} } };
      const seq: OffsetSeq = { metadata: batch.metadata, offsets: batch.end };
      const planned = batch;
      // The offsets are made durable while the batch's rows are read; the sink writes only after (see runBatch).
      wal = timed(durations, 'walCommit', () => this.checkpoint.writeOffsets(planned.batchId, seq)).then((written) => {
        if (!written) {
          throw streamingError(
            'STREAM_QUERY_ALREADY_ACTIVE',
            `${decodeURIComponent(this.checkpoint.offsets.fileOf(planned.batchId))} was written by another run of this query: two queries share the checkpoint ${decodeURIComponent(this.spec.checkpoint)}`,
          );
        }
      });
      // Awaited in runBatch; this only keeps a failure of the read meanwhile from leaving it unhandled.
      wal.catch(() => undefined);
    } else {
      latest = [...batch.end];
    }
    await this.runBatch(batch, durations, triggerStart, latest, wal);
    return true;
  }

  /** Whether a batch without new rows must run: the watermark moved, so stateful operators may evict or emit. */
  private needsNoDataBatch(): boolean {
    return this.operators.size > 0 && watermarkOf(this.spec.steps) !== undefined && this.batchId > 0 && this.nextWatermarkMs > this.lastBatchWatermarkMs;
  }

  /**
   * Runs a planned batch. `wal` is the write of its offsets: the rows are read meanwhile, and
   * nothing reaches the sink or state before it is durable, so a restart replays exactly this batch.
   */
  private async runBatch(batch: PlannedBatch, durations: DurationMs, triggerStart: number, latest: readonly (Offset | undefined)[], wal: Promise<void>): Promise<void> {
    this.status = { message: 'Processing new data', isDataAvailable: true, isTriggerActive: true };
    const rows = await timed(durations, 'getBatch', () => this.source.getBatch(batch.start[0], batch.end[0]!));
    let ran: BatchRun;
    try {
      const written = await this.writeQuery(rows, batch.batchId, durations, wal);
      ran = written ?? (await this.runFromTable(rows, this.takesQuery(rows), batch.batchId, batch.metadata.batchWatermarkMs, durations, wal));
    } finally {
      if (rows.kind !== 'rows') await rows.release?.();
    }
    const { result, sink, numInputRows, numOutputRows } = ran;
    const wm = watermarkOf(this.spec.steps);
    const nextWatermark = wm && result.eventTime ? Math.max(batch.metadata.batchWatermarkMs, result.eventTime.maxMs - wm.delayMs) : batch.metadata.batchWatermarkMs;
    await timed(durations, 'commitOffsets', () => this.checkpoint.writeCommit(batch.batchId, { nextBatchWatermarkMs: nextWatermark }));
    await this.source.commit?.(batch.end[0]!);
    this.committed = batch.end;
    this.lastBatchWatermarkMs = batch.metadata.batchWatermarkMs;
    this.nextWatermarkMs = nextWatermark;
    this.batchId = batch.batchId + 1;
    await this.tables.dropAll(this.c);
    if (this.batchId % 10 === 0) await this.checkpoint.purge(batch.batchId, this.spec.minBatchesToRetain);
    durations.triggerExecution = Date.now() - triggerStart;
    const progress = buildProgress({
      id: this.id,
      runId: this.runId,
      name: this.spec.queryName,
      triggerStart,
      previousTriggerStart: this.lastTriggerStart,
      batch,
      latest,
      numInputRows,
      numOutputRows,
      durations,
      result,
      watermark: wm ? batch.metadata.batchWatermarkMs : undefined,
      source: this.source,
      sinkDescription: this.spec.sink.description,
      sink,
    });
    this.lastTriggerStart = triggerStart;
    this.events.progress(progress);
  }

  /**
   * A batch that is a query, for a query without steps, goes to a sink that takes queries as it
   * is: no copy. Undefined when the batch is not such, or when writing it failed (the sink left
   * nothing behind): the batch then runs from a table.
   */
  private async writeQuery(rows: SourceBatch, batchId: number, durations: DurationMs, wal: Promise<void>): Promise<BatchRun | undefined> {
    if (rows.kind !== 'query' || !this.takesQuery(rows)) return undefined;
    await wal;
    try {
      const relation = `(${rows.sql})`;
      const df = this.spec.lake.query(`SELECT * FROM ${relation}`);
      const sink = await timed(durations, 'addBatch', () => this.spec.sink.addBatch({ batchId, outputMode: this.spec.outputMode, relation, df, numRows: Number.NaN }));
      return { result: { table: relation, observed: {}, stateOperators: [] }, sink, numInputRows: sink.numOutputRows, numOutputRows: sink.numOutputRows };
    } catch {
      // The query met input it does not take as it is (see SourceBatch.fallback); an error of
      // the sink's own comes back when the batch is written from the table.
      return undefined;
    }
  }

  private takesQuery(rows: SourceBatch): boolean {
    return rows.kind === 'query' && rows.fallback !== undefined && this.spec.steps.length === 0 && this.spec.sink.takesQueries === true;
  }

  /**
   * The batch made a table, through the query's steps, to the sink. A query with a fallback is
   * made a table from the fallback when it failed (`queryFailed`) or fails here.
   */
  private async runFromTable(rows: SourceBatch, queryFailed: boolean, batchId: number, watermarkMs: number, durations: DurationMs, wal: Promise<void>): Promise<BatchRun> {
    const { lake } = this.spec;
    const input = this.tables.table('input');
    await timed(durations, 'getBatch', async () => {
      if (rows.kind !== 'query' || !rows.fallback) return materializeBatch(this.c, rows, input);
      if (!queryFailed) {
        try {
          return await materializeBatch(this.c, rows, input);
        } catch {
          await this.c.run(`DROP TABLE IF EXISTS ${input}`);
        }
      }
      const fallback = await rows.fallback();
      try {
        await materializeBatch(this.c, fallback, input);
      } finally {
        if (fallback.kind !== 'rows') await fallback.release?.();
      }
    });
    await wal;
    const numInputRows = await this.count(input);
    const scope = { lake, c: this.c, batchId, watermarkMs, table: (label: string) => this.tables.table(label) };
    return timed(durations, 'addBatch', async () => {
      const result: StepsResult = await runSteps(scope, input, this.spec.steps, this.operators);
      const numRows = await this.count(result.table);
      const sink = await this.spec.sink.addBatch({ batchId, outputMode: this.spec.outputMode, relation: result.table, df: lake.query(`SELECT * FROM ${result.table}`), numRows });
      return { result, sink, numInputRows, numOutputRows: numRows };
    });
  }

  private async count(table: string): Promise<number> {
    const r = await this.c.runAndReadAll(`SELECT count(*)::BIGINT FROM ${table}`);
    return Number(r.getRows()[0][0]);
  }

  /** Releases everything the run holds; safe to call when start failed half-way. */
  private async release(): Promise<void> {
    const quietly = async (f: (() => Promise<void>) | undefined) => {
      try {
        await f?.();
      } catch (e) {
        this.exception ??= e instanceof Error ? e : new Error(String(e));
      }
    };
    for (const op of this.operators.values()) await quietly(() => op.close());
    await quietly(this.source?.stop ? () => this.source.stop!() : undefined);
    await quietly(this.spec.sink.stop ? () => this.spec.sink.stop!() : undefined);
    if (this.c) {
      await quietly(() => this.tables.dropAll(this.c));
      this.c.closeSync();
    }
    running.delete(this.spec.checkpoint);
    await quietly(this.spec.onEnd ? () => this.spec.onEnd!(this.exception) : undefined);
  }
}
