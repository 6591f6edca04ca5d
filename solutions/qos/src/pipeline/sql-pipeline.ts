import { Pipeline } from '@loch/streaming';
import { readFileSync } from 'node:fs';
import type { QosLayout } from './layout.js';

/** Where the pipeline's SQL file is in the package. */
export const PIPELINE_FILE = new URL('../../../pipelines/qos.sql', import.meta.url);

/** The pipeline's event log table (Databricks' event log shape: rows, dropped records, expectations). */
export const EVENT_LOG = 'qos_event_log';

/** The gold aggregates' event-time windows, and how late an event may be and still count. */
export interface GoldWindows {
  readonly size: string;
  readonly watermark: string;
}

export const DEFAULT_WINDOWS: GoldWindows = { size: '1 minute', watermark: '30 seconds' };

/**
 * The QoS pipeline (`pipelines/qos.sql`: bronze, silver, gold windowed aggregates, real-time
 * views) for a run's landing folders. Its silver tables call the UDFs of registerQosFunctions,
 * which must be registered on the lake it runs on.
 */
export function qosPipeline(layout: QosLayout, filesPerBatch = 3, windows: GoldWindows = DEFAULT_WINDOWS): Pipeline {
  const parameters = {
    LANDING_EVENTS: sqlText(layout.landingEvents),
    LANDING_CDN_LOGS: sqlText(layout.landingCdnLogs),
    FILES_PER_BATCH: String(filesPerBatch),
    GOLD_WINDOW: sqlText(windows.size),
    GOLD_WATERMARK: windows.watermark,
  };
  return Pipeline.fromText(readFileSync(PIPELINE_FILE, 'utf8'), 'qos.sql', { name: 'qos', parameters });
}

/** A value for a parameter the file quotes ('${LANDING_EVENTS}'): its quotes doubled. */
function sqlText(value: string): string {
  return value.replaceAll("'", "''");
}
