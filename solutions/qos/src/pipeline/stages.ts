import type { Lakehouse } from '@loch/lakehouse';
import type { StreamingQuery, TriggerSpec } from '@loch/streaming';
import { join } from 'node:path';
import { goldFrame, GOLD_AGGREGATES, type GoldWindows } from './gold.js';
import type { QosLayout } from './layout.js';

/** What every stage needs: the lake, where things are, and when batches run. */
export interface StageContext {
  readonly lake: Lakehouse;
  readonly layout: QosLayout;
  readonly trigger: TriggerSpec;
  readonly windows: GoldWindows;
}

/** A stage of the pipeline: a named streaming query and how to start it. */
export interface Stage {
  readonly name: string;
  readonly table: string;
  /** The table it reads, when it reads one (it can start once that exists). */
  readonly input?: string;
  start(ctx: StageContext): Promise<StreamingQuery>;
}

const checkpoint = (ctx: StageContext, name: string) => join(ctx.layout.checkpoints, name);

/** Silver -> gold, one windowed aggregation per table; each silver commit is a batch, so the watermark moves as data arrives. */
const goldStages: Stage[] = GOLD_AGGREGATES.map((g) => ({
  name: g.table.replace(/^qos_/, ''),
  table: g.table,
  input: g.from,
  start: (ctx: StageContext) =>
    goldFrame(ctx.lake, g, ctx.windows, { maxFilesPerTrigger: 1 })
      .writeStream.queryName(g.table)
      .option('checkpointLocation', checkpoint(ctx, g.table))
      .trigger(ctx.trigger)
      .toTable(g.table),
}));

/** The gold streaming tables (after the SQL pipeline's bronze and silver). */
export const STAGES: readonly Stage[] = goldStages;
