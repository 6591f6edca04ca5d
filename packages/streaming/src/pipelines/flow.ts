import { sparkIdent, tableUrl, type Lakehouse } from '@loch/lakehouse';
import { join } from 'node:path';
import { sourceFormat } from '../formats.js';
import { StreamingDataFrame } from '../frame/streaming-frame.js';
import { DataStreamReader } from '../reader.js';
import { streamsOf } from '../query/streams.js';
import { StreamingQuery } from '../query/streaming-query.js';
import type { Trigger } from '../query/trigger.js';
import { STREAM_INPUT, type DeclaredColumn, type StreamingTableDef, type StreamSource } from './definition.js';
import { PipelineTableSink, type FlowBatch } from './table-sink.js';

/** Where a streaming table's checkpoint lives: beside the lake's tables, under `_pipelines/checkpoints/<table>/`. */
export function checkpointDirOf(lake: Lakehouse, table: string): string {
  return join(lake.dir, '_pipelines', 'checkpoints', table.toLowerCase().replace(/[^a-z0-9_.-]/g, '_'));
}

/** read_files options that are Auto Loader's (`cloudFiles.` prefixed) rather than the reader's. */
const CLOUD_FILES_KEYS = new Set(
  ['format', 'schemaLocation', 'schemaHints', 'inferColumnTypes', 'schemaEvolutionMode', 'maxFilesPerTrigger', 'maxBytesPerTrigger', 'includeExistingFiles', 'useIncrementalListing', 'backfillInterval'].map((k) => k.toLowerCase()),
);

/** A streaming table's source as a stream of the lake. */
export function sourceFrame(lake: Lakehouse, source: StreamSource, checkpointDir: string): StreamingDataFrame {
  const reader = new DataStreamReader(lake);
  switch (source.kind) {
    case 'table':
      return reader.table(source.name);
    case 'files': {
      // read_files infers column types (Auto Loader alone keeps strings); the schema is kept with the checkpoint.
      const options: Record<string, string> = { 'cloudFiles.inferColumnTypes': 'true', 'cloudFiles.schemaLocation': checkpointDir };
      for (const [k, v] of Object.entries(source.options)) {
        const key = k.toLowerCase();
        options[CLOUD_FILES_KEYS.has(key) ? `cloudFiles.${key}` : key.startsWith('cloudfiles.') ? key : k] = v;
      }
      return reader.format('cloudFiles').options(options).load(source.path);
    }
    case 'reader': {
      // read_<format>(name => value, ...): the source format registered under that name (read_nats: 'nats').
      const format = source.function.replace(/^read_/, '');
      sourceFormat(format);
      return reader.format(format).options(source.options).load();
    }
  }
}

/** The query over each batch, its declared columns cast to their types. */
export function flowQuery(query: string, columns: readonly DeclaredColumn[]): string {
  if (columns.length === 0) return query;
  const casts = columns.map((c) => `CAST(${sparkIdent(c.name)} AS ${c.type}) AS ${sparkIdent(c.name)}`);
  return `SELECT ${casts.join(', ')} FROM (${query}) AS __loch_declared`;
}

/** The streaming table's query over its source: as it is over each batch, or as a watermarked aggregation. */
function flowFrame(source: StreamingDataFrame, def: StreamingTableDef): StreamingDataFrame {
  const a = def.aggregation;
  if (!a) return source.sql(flowQuery(def.query, def.columns), STREAM_INPUT);
  const aggregated = source
    .sql(a.pre, STREAM_INPUT)
    .withWatermark(a.watermark.column, `${a.watermark.delayMs} milliseconds`)
    .groupBy(...a.keys)
    .agg(a.aggregates)
    .select(...a.select);
  if (def.columns.length === 0) return aggregated;
  return aggregated.select(...def.columns.map((c) => `CAST(${sparkIdent(c.name)} AS ${c.type}) AS ${sparkIdent(c.name)}`));
}

export interface FlowStart {
  readonly lake: Lakehouse;
  readonly def: StreamingTableDef;
  /** For messages: `file.sql:12 (table silver)`. */
  readonly where: string;
  readonly trigger: Trigger;
  readonly onBatch: (b: FlowBatch) => void;
}

/** Starts a streaming table's query: its source, its query over each batch, the table sink. */
export async function startFlow({ lake, def, where, trigger, onBatch }: FlowStart): Promise<StreamingQuery> {
  const checkpoint = checkpointDirOf(lake, def.name);
  const frame = flowFrame(sourceFrame(lake, def.source, checkpoint), def);
  const table = lake.table(def.name);
  const sink = new PipelineTableSink(lake, table, await table.location(), {
    dataset: def.name,
    expectations: def.expectations,
    partitionBy: def.partitionBy,
    properties: def.properties,
    where,
    onBatch,
  });
  return StreamingQuery.start(
    {
      lake,
      source: frame.source,
      steps: frame.steps,
      sink,
      outputMode: 'append',
      trigger,
      checkpoint: tableUrl(checkpoint),
      queryName: def.name,
      minBatchesToRetain: 100,
    },
    streamsOf(lake),
  );
}
