import { tableUrl, truncateTable, type Lakehouse } from '@loch/lakehouse';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isStreamingError, streamingError } from '../errors.js';
import { parseTrigger } from '../query/trigger.js';
import { whereDefined, type DatasetDef, type PipelineDef, type StreamingTableDef } from './definition.js';
import { EventLog } from './event-log.js';
import type { ExpectationCounts } from './expectations.js';
import { checkpointDirOf, startFlow } from './flow.js';
import { formatGraph, pipelineGraph, type GraphNode } from './graph.js';
import { parsePipeline, type PipelineSourceText } from './parse-pipeline.js';
import { substituteParameters, type PipelineParameters } from './parameters.js';
import type { FlowBatch } from './table-sink.js';
import { refreshView } from './view.js';
import { ContinuousPipeline, type ContinuousOptions } from './continuous.js';

/** What one update did to one dataset (the CLI prints these as JSON lines). */
export interface DatasetUpdate {
  readonly dataset: string;
  readonly type: 'streaming_table' | 'materialized_view';
  readonly status: 'COMPLETED' | 'SKIPPED';
  readonly batches: number;
  readonly num_output_rows: number;
  readonly dropped_records: number;
  readonly expectations: readonly ExpectationCounts[];
  readonly version?: number;
  /** Why a dataset was skipped (its input is not there yet). */
  readonly reason?: string;
  readonly duration_ms: number;
}

/** How a pipeline's SQL is read. */
export interface PipelineSource {
  /** The pipeline's name (default: the file's base name). */
  readonly name?: string;
  /** Values for the `${name}` references in its SQL (Databricks pipelines' configuration). */
  readonly parameters?: PipelineParameters;
}

export interface PipelineRunOptions {
  /** Empty every streaming table and forget its checkpoint first, so all input is read again. */
  readonly fullRefresh?: boolean;
  /** The event log's table name in the lake (default `event_log`); false for none. */
  readonly eventLog?: string | false;
  /** Called with a line per dataset per update (per batch when continuous). */
  readonly onProgress?: (line: string, update: DatasetUpdate) => void;
}

/** Codes that mean a dataset's input is not there yet: the dataset waits instead of failing. */
const NOT_READY = new Set(['DELTA_TABLE_NOT_FOUND', 'CF_EMPTY_DIR_FOR_SCHEMA_INFERENCE']);
export const isNotReady = (e: unknown): boolean => NOT_READY.has(String((e as { code?: unknown } | undefined)?.code));

/**
 * A pipeline of streaming tables and materialized views read from a SQL file, updated in
 * dependency order: `run` makes one triggered update (every streaming table takes what is new,
 * exactly once, then every view is recomputed) and `start` keeps the pipeline running.
 */
export class Pipeline {
  readonly graph: readonly GraphNode[];

  private constructor(readonly def: PipelineDef) {
    this.graph = pipelineGraph(def);
  }

  /**
   * A pipeline from SQL text; `file` names it in messages, and its base name names the pipeline
   * unless `options.name` does. `options.parameters` fill the text's `${name}` references.
   */
  static fromText(text: string, file: string, options: PipelineSource = {}): Pipeline {
    return Pipeline.fromTexts([{ text, file }], options);
  }

  /**
   * A pipeline of several files (as a Databricks pipeline has several source files): their
   * datasets together, a table defined once across them; named by the first file by default.
   */
  static fromTexts(sources: readonly PipelineSourceText[], options: PipelineSource = {}): Pipeline {
    if (sources.length === 0) throw streamingError('PIPELINE_PARSE_ERROR', 'a pipeline needs at least one file');
    const texts = sources.map((s) => ({ file: s.file, text: substituteParameters(s.text, s.file, options.parameters ?? {}) }));
    return new Pipeline(parsePipeline(texts, options.name ?? basename(sources[0].file, extname(sources[0].file))));
  }

  static async fromFile(path: string, options: PipelineSource = {}): Promise<Pipeline> {
    return Pipeline.fromFiles([path], options);
  }

  static async fromFiles(paths: readonly string[], options: PipelineSource = {}): Promise<Pipeline> {
    const sources = await Promise.all(
      paths.map(async (file) => {
        try {
          return { file, text: await readFile(file, 'utf8') };
        } catch (e) {
          throw streamingError('PIPELINE_PARSE_ERROR', `${file}: cannot read the pipeline file: ${(e as Error).message}`, e);
        }
      }),
    );
    return Pipeline.fromTexts(sources, options);
  }

  get name(): string {
    return this.def.name;
  }

  /** The graph as text, one line per dataset in update order. */
  describe(): string {
    return formatGraph(this.graph);
  }

  /** Whether the pipeline defines a table of that name. */
  defines(name: string): boolean {
    return this.def.datasets.some((d) => d.name.toLowerCase() === name.toLowerCase());
  }

  where(d: Pick<DatasetDef, 'file' | 'line' | 'name'>): string {
    return whereDefined(d);
  }

  eventLogOf(lake: Lakehouse, options: PipelineRunOptions): EventLog {
    return new EventLog(options.eventLog === false ? undefined : lake.table(options.eventLog ?? 'event_log'), this.name);
  }

  /** One triggered update: each dataset in dependency order; rejects with the first failure, naming its file, line and table. */
  async run(lake: Lakehouse, options: PipelineRunOptions = {}): Promise<DatasetUpdate[]> {
    const log = this.eventLogOf(lake, options);
    const updateId = randomUUID();
    log.add(updateId, { event_type: 'create_update', level: 'INFO', status: 'RUNNING', message: `Update ${updateId} of pipeline ${this.name} started${options.fullRefresh ? ' (full refresh)' : ''}` });
    const out: DatasetUpdate[] = [];
    const waiting = new Set<string>();
    try {
      for (const node of this.graph) {
        const d = node.dataset;
        if (options.fullRefresh && d.kind === 'streamingTable') await resetStreamingTable(lake, d);
        const blocker = node.dependsOn.find((x) => waiting.has(x.toLowerCase()));
        const u = blocker !== undefined ? skipped(d, `waiting for ${blocker}`) : await this.updateDataset(lake, d);
        if (u.status === 'SKIPPED') waiting.add(d.name.toLowerCase());
        out.push(u);
        log.add(updateId, flowEvent(u));
        options.onProgress?.(progressLine(this.name, u), u);
      }
    } catch (e) {
      log.add(updateId, { event_type: 'update_progress', level: 'ERROR', status: 'FAILED', message: `Update ${updateId} failed: ${(e as Error).message}`, error: String(e) });
      await log.flush();
      throw e;
    }
    log.add(updateId, { event_type: 'update_progress', level: 'INFO', status: 'COMPLETED', message: `Update ${updateId} of pipeline ${this.name} completed` });
    await log.flush();
    return out;
  }

  /** Keeps the pipeline running: streaming tables as continuous queries, views recomputed when their inputs change. */
  start(lake: Lakehouse, options: PipelineRunOptions & ContinuousOptions = {}): ContinuousPipeline {
    return ContinuousPipeline.start(this, lake, options);
  }

  /** Updates one dataset once; a dataset whose input is not there yet is skipped. */
  async updateDataset(lake: Lakehouse, d: DatasetDef): Promise<DatasetUpdate> {
    const started = Date.now();
    try {
      if (d.kind === 'materializedView') {
        const r = await refreshView(lake, d, this.where(d));
        return { dataset: d.name, type: 'materialized_view', status: 'COMPLETED', batches: 1, num_output_rows: r.numOutputRows, dropped_records: r.droppedRecords, expectations: r.expectations, ...(r.version !== undefined ? { version: r.version } : {}), duration_ms: Date.now() - started };
      }
      return await this.runFlowOnce(lake, d, started);
    } catch (e) {
      // Input a pipeline dataset or a landing folder will give later is waited for; a missing table from outside the pipeline is an error.
      if (isNotReady(e) && !(d.kind === 'streamingTable' && d.source.kind === 'table' && !this.defines(d.source.name))) return skipped(d, (e as Error).message, started);
      throw this.failure(d, e);
    }
  }

  /** Wraps a failure so that it names the file, line and table (the cause's code stays in the message). */
  failure(d: DatasetDef, e: unknown): Error {
    if (isStreamingError(e) && (e.code.startsWith('PIPELINE_') || e.code === 'EXPECTATION_VIOLATION')) return e;
    const code = (e as { code?: unknown }).code;
    return streamingError('PIPELINE_UPDATE_FAILED', `${this.where(d)}: ${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}`, e);
  }

  /** A streaming table's query with Trigger.AvailableNow, run to its end; restarted when Auto Loader evolved the schema. */
  private async runFlowOnce(lake: Lakehouse, d: StreamingTableDef, started: number): Promise<DatasetUpdate> {
    const batches: FlowBatch[] = [];
    for (let attempt = 1; ; attempt++) {
      const q = await startFlow({ lake, def: d, where: this.where(d), trigger: parseTrigger({ availableNow: true }), onBatch: (b) => batches.push(b) });
      try {
        await q.awaitTermination();
        break;
      } catch (e) {
        if (!isStreamingError(e, 'UNKNOWN_FIELD_EXCEPTION') || attempt >= 5) throw e;
      }
    }
    if (batches.length === 0 && !(await tableExists(lake, d.name))) return skipped(d, 'no input yet', started);
    return { ...summarize(d.name, batches), duration_ms: Date.now() - started };
  }
}

async function tableExists(lake: Lakehouse, name: string): Promise<boolean> {
  return lake
    .table(name)
    .snapshot()
    .then(() => true)
    .catch(() => false);
}

/** What a run of batches did, summed. */
export function summarize(dataset: string, batches: readonly FlowBatch[]): Omit<DatasetUpdate, 'duration_ms'> {
  const expectations = new Map<string, ExpectationCounts>();
  for (const b of batches) {
    for (const e of b.expectations) {
      const before = expectations.get(e.name);
      expectations.set(e.name, before ? { ...e, passed_records: before.passed_records + e.passed_records, failed_records: before.failed_records + e.failed_records } : e);
    }
  }
  const version = batches.map((b) => b.version).filter((v): v is number => v !== undefined).at(-1);
  return {
    dataset,
    type: 'streaming_table',
    status: 'COMPLETED',
    batches: batches.length,
    num_output_rows: batches.reduce((n, b) => n + b.numOutputRows, 0),
    dropped_records: batches.reduce((n, b) => n + b.droppedRecords, 0),
    expectations: [...expectations.values()],
    ...(version !== undefined ? { version } : {}),
  };
}

function skipped(d: DatasetDef, reason: string, started = Date.now()): DatasetUpdate {
  return { dataset: d.name, type: d.kind === 'streamingTable' ? 'streaming_table' : 'materialized_view', status: 'SKIPPED', batches: 0, num_output_rows: 0, dropped_records: 0, expectations: [], reason, duration_ms: Date.now() - started };
}

/** Full refresh: the table emptied (history kept) and its checkpoint forgotten, so every input is read again. */
export async function resetStreamingTable(lake: Lakehouse, d: StreamingTableDef): Promise<void> {
  const table = lake.table(d.name);
  if (await tableExists(lake, d.name)) await truncateTable(table.engine, await table.location());
  await lake.engine.storage.deletePrefix(tableUrl(checkpointDirOf(lake, d.name)));
}

export function flowEvent(u: DatasetUpdate): Parameters<EventLog['add']>[1] {
  return {
    event_type: 'flow_progress',
    level: u.expectations.some((e) => e.failed_records > 0) ? 'WARN' : 'INFO',
    dataset: u.dataset,
    status: u.status,
    message: u.reason ?? `${u.dataset}: ${u.num_output_rows} rows written in ${u.batches} batch(es)`,
    num_output_rows: u.num_output_rows,
    dropped_records: u.dropped_records,
    expectations: u.expectations,
  };
}

/** The line an update prints for a dataset: `[qos] silver: 990 rows in 1 batch, 10 dropped; valid_ip 990 passed, 10 failed (drop)`. */
export function progressLine(pipeline: string, u: DatasetUpdate): string {
  const kind = u.type === 'streaming_table' ? 'streaming table' : 'materialized view';
  if (u.status === 'SKIPPED') return `[${pipeline}] ${u.dataset} (${kind}): skipped, ${u.reason}`;
  const parts = [`${u.num_output_rows} row${u.num_output_rows === 1 ? '' : 's'} ${u.type === 'streaming_table' ? `written in ${u.batches} batch${u.batches === 1 ? '' : 'es'}` : 'recomputed'}`];
  if (u.dropped_records > 0) parts.push(`${u.dropped_records} dropped`);
  if (u.version !== undefined) parts.push(`version ${u.version}`);
  const exp = u.expectations.map((e) => `${e.name} ${e.passed_records} passed, ${e.failed_records} failed${e.action === 'warn' ? '' : ` (${e.action})`}`);
  return `[${pipeline}] ${u.dataset} (${kind}): ${parts.join(', ')}${exp.length > 0 ? `; expectations: ${exp.join('; ')}` : ''} in ${u.duration_ms} ms`;
}
