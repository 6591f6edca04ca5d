import type { Lakehouse } from '@loch/lakehouse';
import type { StreamingQuery, TriggerSpec } from '@loch/streaming';
import { join } from 'node:path';
import type { IpDatabase } from '../ip/ip-database.js';
import { goldFrame, GOLD_AGGREGATES, type GoldWindows } from './gold.js';
import type { QosLayout } from './layout.js';
import { silverWriter, type SilverBatchResult } from './silver.js';
import { SILVER_CDN_SCHEMA, SILVER_EVENTS_SCHEMA, TABLES } from './tables.js';
import { CDN_EXPECTATIONS, EVENT_EXPECTATIONS, silverCdnLog, silverEvent } from './transform.js';

/** What every stage needs: the lake, the IP database, where things are, and when batches run. */
export interface StageContext {
  readonly lake: Lakehouse;
  readonly db: IpDatabase;
  readonly layout: QosLayout;
  readonly trigger: TriggerSpec;
  /** Files Auto Loader takes per batch (landing files are slices of traffic). */
  readonly filesPerBatch: number;
  readonly windows: GoldWindows;
  readonly onSilverBatch?: (table: string, r: SilverBatchResult) => void;
}

/** A stage of the pipeline: a named streaming query and how to start it. */
export interface Stage {
  readonly name: string;
  readonly table: string;
  start(ctx: StageContext): Promise<StreamingQuery>;
}

const checkpoint = (ctx: StageContext, name: string) => join(ctx.layout.checkpoints, name);

/** Auto Loader over a landing folder of JSON lines files. */
function autoLoader(ctx: StageContext, dir: string, name: string) {
  return ctx.lake.readStream
    .format('cloudFiles')
    .option('cloudFiles.format', 'json')
    .option('cloudFiles.schemaLocation', checkpoint(ctx, `${name}_schema`))
    .option('cloudFiles.maxFilesPerTrigger', ctx.filesPerBatch)
    .load(dir);
}

/** Player events -> bronze: unchanged, append-only, partitioned by event date and type. */
const bronzeEvents: Stage = {
  name: 'bronze_events',
  table: TABLES.bronzeEvents,
  start: (ctx) =>
    autoLoader(ctx, ctx.layout.landingEvents, 'bronze_events')
      .withColumn('event_date', 'to_date(substring(event_time, 1, 10))')
      .writeStream.queryName('qos_bronze_events')
      .partitionBy('event_date', 'event_type')
      .option('checkpointLocation', checkpoint(ctx, 'bronze_events'))
      .trigger(ctx.trigger)
      .toTable(TABLES.bronzeEvents),
};

/** Bronze events -> silver: typed, anonymized, enriched, expectations applied. */
const silverEvents: Stage = {
  name: 'silver_events',
  table: TABLES.silverEvents,
  start: (ctx) =>
    ctx.lake.readStream
      .format('delta')
      .table(TABLES.bronzeEvents)
      .writeStream.queryName('qos_silver_events')
      .option('checkpointLocation', checkpoint(ctx, 'silver_events'))
      .trigger(ctx.trigger)
      .foreachBatch(
        silverWriter(
          ctx.lake,
          ctx.db,
          { table: TABLES.silverEvents, schema: SILVER_EVENTS_SCHEMA, partitionBy: [], expectations: EVENT_EXPECTATIONS, transform: silverEvent, expectationsTable: TABLES.expectations },
          (r) => ctx.onSilverBatch?.(TABLES.silverEvents, r),
        ),
      )
      .start(),
};

/** CDN logs -> Auto Loader -> silver: typed, anonymized, enriched, expectations applied. */
const silverCdnLogs: Stage = {
  name: 'silver_cdn_logs',
  table: TABLES.silverCdnLogs,
  start: (ctx) =>
    autoLoader(ctx, ctx.layout.landingCdnLogs, 'silver_cdn_logs')
      .writeStream.queryName('qos_silver_cdn_logs')
      .option('checkpointLocation', checkpoint(ctx, 'silver_cdn_logs'))
      .trigger(ctx.trigger)
      .foreachBatch(
        silverWriter(
          ctx.lake,
          ctx.db,
          { table: TABLES.silverCdnLogs, schema: SILVER_CDN_SCHEMA, partitionBy: [], expectations: CDN_EXPECTATIONS, transform: silverCdnLog, expectationsTable: TABLES.expectations },
          (r) => ctx.onSilverBatch?.(TABLES.silverCdnLogs, r),
        ),
      )
      .start(),
};

/** Silver -> gold, one windowed aggregation per table; each silver commit is a batch, so the watermark moves as data arrives. */
const goldStages: Stage[] = GOLD_AGGREGATES.map((g) => ({
  name: g.table.replace(/^qos_/, ''),
  table: g.table,
  start: (ctx: StageContext) =>
    goldFrame(ctx.lake, g, ctx.windows, { maxFilesPerTrigger: 1 })
      .writeStream.queryName(g.table)
      .option('checkpointLocation', checkpoint(ctx, g.table))
      .trigger(ctx.trigger)
      .toTable(g.table),
}));

/** The pipeline's streaming tables in dependency order. */
export const STAGES: readonly Stage[] = [bronzeEvents, silverEvents, silverCdnLogs, ...goldStages];
