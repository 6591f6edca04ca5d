import { Pipeline } from '@loch/streaming';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { QosLayout } from './layout.js';

/** Where the pipeline's SQL files are in the package: silver, gold and views; bronze from files or from NATS. */
export const PIPELINE_FILE = new URL('../../../pipelines/qos.sql', import.meta.url);
export const BRONZE_FILES_FILE = new URL('../../../pipelines/bronze-files.sql', import.meta.url);
export const BRONZE_NATS_FILE = new URL('../../../pipelines/bronze-nats.sql', import.meta.url);

/** Where player events come from: JSON files in the landing folder, or a NATS JetStream stream. */
export type EventsSource = { readonly kind: 'files' } | { readonly kind: 'nats'; readonly servers: string; readonly stream: string };

/** The pipeline's event log table (Databricks' event log shape: rows, dropped records, expectations). */
export const EVENT_LOG = 'qos_event_log';

/** The gold aggregates' event-time windows, and how late an event may be and still count. */
export interface GoldWindows {
  readonly size: string;
  readonly watermark: string;
}

export const DEFAULT_WINDOWS: GoldWindows = { size: '1 minute', watermark: '30 seconds' };

export interface QosPipelineOptions {
  /** Landing files Auto Loader takes per batch (default 1000, Auto Loader's own). */
  readonly filesPerBatch?: number;
  readonly windows?: GoldWindows;
  /** Where bronze's player events come from (default: files). */
  readonly events?: EventsSource;
}

/**
 * The QoS pipeline (`pipelines/bronze-files.sql` or `bronze-nats.sql`, then `qos.sql`: silver,
 * gold windowed aggregates, real-time views) for a run's landing folders. Its silver tables call
 * the UDFs of registerQosFunctions, which must be registered on the lake it runs on.
 */
export function qosPipeline(layout: QosLayout, options: QosPipelineOptions = {}): Pipeline {
  const windows = options.windows ?? DEFAULT_WINDOWS;
  const events = options.events ?? { kind: 'files' };
  const parameters = {
    LANDING_EVENTS: sqlText(layout.landingEvents),
    LANDING_CDN_LOGS: sqlText(layout.landingCdnLogs),
    FILES_PER_BATCH: String(options.filesPerBatch ?? 1000),
    GOLD_WINDOW: sqlText(windows.size),
    GOLD_WATERMARK: windows.watermark,
    ...(events.kind === 'nats' ? { NATS_SERVERS: sqlText(events.servers), NATS_STREAM: sqlText(events.stream) } : {}),
  };
  const bronze = events.kind === 'nats' ? BRONZE_NATS_FILE : BRONZE_FILES_FILE;
  const source = (url: URL) => ({ file: basename(url.pathname), text: readFileSync(url, 'utf8') });
  return Pipeline.fromTexts([source(bronze), source(PIPELINE_FILE)], { name: 'qos', parameters });
}

/** A value for a parameter the file quotes ('${LANDING_EVENTS}'): its quotes doubled. */
function sqlText(value: string): string {
  return value.replaceAll("'", "''");
}
