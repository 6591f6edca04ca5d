/**
 * Loch's streaming engine: Spark Structured Streaming's model over Delta tables and files.
 * Importing this package gives every Lakehouse `readStream` and `streams`.
 */
import { extendLakehouse } from '@loch/lakehouse';
import { registerBuiltinFormats } from './builtin-formats.js';
import type { StreamingQueryManager } from './query/manager.js';
import { streamsOf } from './query/streams.js';
import { DataStreamReader } from './reader.js';
import { installSqlStatements } from './pipelines/sql-statements.js';

declare module '@loch/lakehouse' {
  interface LakehouseExtensions {
    /** Spark's `spark.readStream`: how a stream is read (`lake.readStream.format('cloudFiles')...load(dir)`). */
    readonly readStream: DataStreamReader;
    /** Spark's `spark.streams`: the lake's running queries and listeners. */
    readonly streams: StreamingQueryManager;
  }
}

registerBuiltinFormats();
installSqlStatements();
extendLakehouse('readStream', (lake) => new DataStreamReader(lake));
extendLakehouse('streams', (lake) => streamsOf(lake));

export { DataStreamReader } from './reader.js';
export { DataStreamWriter } from './writer.js';
export { StreamingDataFrame, GroupedStream } from './frame/streaming-frame.js';
export { window, type WindowColumn } from './frame/window.js';
export type { GroupKey } from './frame/plan.js';
export { StreamingQuery } from './query/streaming-query.js';
export { StreamingQueryManager } from './query/manager.js';
export { ProgressTableListener } from './query/progress-table.js';
export type { StreamingQueryListener, QueryStartedEvent, QueryProgressEvent, QueryIdleEvent, QueryTerminatedEvent } from './query/listener.js';
export type { StreamingQueryProgress, StreamingQueryStatus, StateOperatorProgress, SourceProgress, SinkProgress, DurationMs } from './query/progress.js';
export type { TriggerSpec } from './query/trigger.js';
export type { Offset, ReadLimit, Source, SourceBatch, SourceContext } from './source.js';
export type { OutputMode, Sink, SinkBatch, SinkCommit, SinkContext } from './sink.js';
export { registerSourceFormat, registerSinkFormat, getOption, numberOption, booleanOption, type SourceFormat, type SinkFormat, type SourceFormatArgs, type SinkFormatArgs } from './formats.js';
export { MemoryStream } from './sources/memory.js';
export type { ForeachWriter } from './sinks/foreach.js';
export type { ForeachBatchFunction } from './sinks/foreach-batch.js';
export { StreamingError, isStreamingError, type StreamingErrorCode } from './errors.js';
export { Pipeline, type DatasetUpdate, type PipelineRunOptions, type PipelineSource } from './pipelines/pipeline.js';
export type { PipelineParameters } from './pipelines/parameters.js';
export { ContinuousPipeline, type ContinuousOptions } from './pipelines/continuous.js';
export type { PipelineDef, DatasetDef, StreamingTableDef, MaterializedViewDef, Expectation, ViolationAction, StreamSource, DeclaredColumn } from './pipelines/definition.js';
export type { GraphNode } from './pipelines/graph.js';
export type { ExpectationCounts } from './pipelines/expectations.js';
export { amqpWriter, natsWriter, mqttWriter, type AmqpWriterOptions, type NatsWriterOptions, type MqttWriterOptions } from './sinks/writers/broker-writers.js';
export { webhookWriter, type WebhookWriterOptions } from './sinks/writers/webhook-writer.js';
