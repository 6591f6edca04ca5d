import { Pipeline } from '@loch/streaming';
import { readFileSync } from 'node:fs';
import type { QosLayout } from './layout.js';

/** Where the pipeline's SQL file is in the package. */
export const PIPELINE_FILE = new URL('../../../pipelines/qos.sql', import.meta.url);

/** The pipeline's event log table (Databricks' event log shape: rows, dropped records, expectations). */
export const EVENT_LOG = 'qos_event_log';

/**
 * The QoS pipeline (`pipelines/qos.sql`: bronze, silver, real-time views) for a run's landing
 * folders. Its silver tables call the UDFs of registerQosFunctions, which must be registered on
 * the lake it runs on.
 */
export function qosPipeline(layout: QosLayout, filesPerBatch = 3): Pipeline {
  const vars: Record<string, string> = { LANDING_EVENTS: layout.landingEvents, LANDING_CDN_LOGS: layout.landingCdnLogs, FILES_PER_BATCH: String(filesPerBatch) };
  const template = readFileSync(PIPELINE_FILE, 'utf8');
  const text = template.replace(/\$\{([A-Z_]+)\}/g, (m, name: string) => (name in vars ? vars[name].replaceAll("'", "''") : m));
  return Pipeline.fromText(text, 'qos.sql', 'qos');
}
