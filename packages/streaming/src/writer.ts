import { tableUrl } from '@loch/lakehouse';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidOption, streamingError } from './errors.js';
import type { StreamingDataFrame } from './frame/streaming-frame.js';
import { getOption, numberOption, sinkFormat } from './formats.js';
import { streamsOf } from './query/streams.js';
import { StreamingQuery } from './query/streaming-query.js';
import { DEFAULT_TRIGGER, parseTrigger, type Trigger, type TriggerSpec } from './query/trigger.js';
import type { OutputMode, Sink } from './sink.js';
import { ForeachBatchSink, type ForeachBatchFunction } from './sinks/foreach-batch.js';
import { ForeachSink, type ForeachWriter } from './sinks/foreach.js';

type OptionValue = string | number | boolean;

interface WriterSpec {
  readonly format: string;
  readonly options: Readonly<Record<string, string>>;
  readonly outputMode: OutputMode;
  readonly trigger: Trigger;
  readonly queryName?: string;
  readonly partitionBy: readonly string[];
  readonly sink?: Sink;
}

const OUTPUT_MODES: readonly OutputMode[] = ['append', 'update', 'complete'];
/** Sinks that keep nothing worth recovering: a temporary checkpoint will do. */
const NO_CHECKPOINT_NEEDED = new Set(['memory', 'console']);

/**
 * How a streaming frame is written (Spark's DataStreamWriter), an immutable builder: `format`
 * ('delta' by default, 'memory', 'console', or a registered one), `option`s, `outputMode`,
 * `trigger`, `queryName`, `partitionBy`, or `foreachBatch` / `foreach` for user code; then
 * `start(path)` or `toTable(name)` starts the query.
 */
export class DataStreamWriter {
  private constructor(
    private readonly frame: StreamingDataFrame,
    private readonly spec: WriterSpec,
  ) {}

  static of(frame: StreamingDataFrame): DataStreamWriter {
    return new DataStreamWriter(frame, { format: 'delta', options: {}, outputMode: 'append', trigger: DEFAULT_TRIGGER, partitionBy: [] });
  }

  private with(change: Partial<WriterSpec>): DataStreamWriter {
    return new DataStreamWriter(this.frame, { ...this.spec, ...change });
  }

  format(name: string): DataStreamWriter {
    return this.with({ format: name });
  }

  /** An option (`checkpointLocation`, `mergeSchema`, ...); names are case-insensitive. */
  option(key: string, value: OptionValue): DataStreamWriter {
    return this.with({ options: { ...this.spec.options, [key.toLowerCase()]: String(value) } });
  }

  options(options: Readonly<Record<string, OptionValue>>): DataStreamWriter {
    let w: DataStreamWriter = this;
    for (const [k, v] of Object.entries(options)) w = w.option(k, v);
    return w;
  }

  outputMode(mode: OutputMode): DataStreamWriter {
    const m = String(mode).toLowerCase() as OutputMode;
    if (!OUTPUT_MODES.includes(m)) throw invalidOption(`outputMode: '${mode}' is not one of append, update, complete`);
    return this.with({ outputMode: m });
  }

  trigger(spec: TriggerSpec): DataStreamWriter {
    return this.with({ trigger: parseTrigger(spec) });
  }

  /** The query's name: shown in progress, and the table a memory sink writes. */
  queryName(name: string): DataStreamWriter {
    return this.with({ queryName: name });
  }

  /** Partition columns when the query creates its Delta table. */
  partitionBy(...columns: string[]): DataStreamWriter {
    return this.with({ partitionBy: columns });
  }

  /** Runs `fn` on every batch (see ForeachBatchSink): at least once, with the batch id. */
  foreachBatch(fn: ForeachBatchFunction): DataStreamWriter {
    return this.with({ sink: new ForeachBatchSink(fn) });
  }

  /** Runs `writer` for every row (see ForeachWriter): at least once. */
  foreach(writer: ForeachWriter): DataStreamWriter {
    return this.with({ sink: new ForeachSink(writer) });
  }

  /** Starts the query, writing to `path` (a Delta table's location for format 'delta'). */
  start(path?: string): Promise<StreamingQuery> {
    return this.launch(path === undefined ? {} : { path });
  }

  /** Starts the query, writing to the lake's table `name` (created by the first batch if needed). */
  toTable(name: string): Promise<StreamingQuery> {
    return this.launch({ table: name });
  }

  private async launch(target: { path?: string; table?: string }): Promise<StreamingQuery> {
    const { lake } = this.frame;
    const { spec } = this;
    const sink =
      spec.sink ??
      (await sinkFormat(spec.format)({ lake, options: spec.options, ...target, ...(spec.queryName ? { queryName: spec.queryName } : {}), partitionBy: spec.partitionBy }));
    if (sink.outputModes && !sink.outputModes.includes(spec.outputMode)) {
      throw streamingError('STREAM_UNSUPPORTED_OUTPUT_MODE', `${sink.description} does not support ${spec.outputMode} output mode (it takes ${sink.outputModes.join(', ')})`);
    }
    let location = getOption(spec.options, 'checkpointLocation');
    let temporary: string | undefined;
    if (location === undefined) {
      if (spec.sink || !NO_CHECKPOINT_NEEDED.has(spec.format.toLowerCase())) {
        throw invalidOption(`checkpointLocation must be specified: writeStream.option('checkpointLocation', '/path/to/checkpoint')`);
      }
      temporary = await mkdtemp(join(tmpdir(), 'loch-checkpoint-'));
      location = temporary;
    }
    return StreamingQuery.start(
      {
        lake,
        source: this.frame.source,
        steps: this.frame.steps,
        sink,
        outputMode: spec.outputMode,
        trigger: spec.trigger,
        checkpoint: tableUrl(location),
        queryName: spec.queryName,
        minBatchesToRetain: numberOption(spec.options, 'minBatchesToRetain', 'writeStream') ?? 100,
        ...(temporary ? { onEnd: () => rm(temporary!, { recursive: true, force: true }) } : {}),
      },
      streamsOf(lake),
    );
  }
}
