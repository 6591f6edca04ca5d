import type { Lakehouse } from '@loch/lakehouse';
import { window, type StreamingDataFrame } from '@loch/streaming';
import { TABLES } from './tables.js';

/** Event-time windows of the gold aggregates, and how late a row may be and still count. */
export interface GoldWindows {
  readonly size: string;
  readonly watermark: string;
}

export const DEFAULT_WINDOWS: GoldWindows = { size: '1 minute', watermark: '30 seconds' };

/** One gold aggregate: the silver table it reads, its grouping keys, its aggregates, and an optional filter. */
export interface GoldAggregate {
  readonly table: string;
  readonly from: string;
  readonly time: string;
  readonly keys: readonly string[];
  readonly aggregates: Readonly<Record<string, string>>;
  readonly where?: string;
}

/**
 * The dashboard's windowed aggregates, each a streaming aggregation with a watermark in append
 * mode: a window's row is written once, when the watermark passes its end, and never changes.
 */
export const GOLD_AGGREGATES: readonly GoldAggregate[] = [
  {
    table: TABLES.goldCdnLatency,
    from: TABLES.silverCdnLogs,
    time: 'ts',
    keys: ['x_edge_location'],
    aggregates: { requests: 'count(*)', avg_time_taken: 'avg(time_taken)', max_time_taken: 'max(time_taken)', avg_ttfb: 'avg(time_to_first_byte)', bytes: 'sum(sc_bytes)', server_errors: 'count_if(sc_status >= 500)' },
  },
  {
    table: TABLES.goldTtffByEdge,
    from: TABLES.silverEvents,
    time: 'event_time',
    keys: ['cdn_edge'],
    where: 'ttff_ms IS NOT NULL',
    aggregates: { plays: 'count(*)', avg_ttff_ms: 'avg(ttff_ms)', max_ttff_ms: 'max(ttff_ms)' },
  },
  {
    table: TABLES.goldBufferingByApp,
    from: TABLES.silverEvents,
    time: 'event_time',
    keys: ['app_type', 'app_version', 'browser'],
    aggregates: { events: 'count(*)', buffer_events: "count_if(event_type = 'buffer_start')", buffer_ms: 'sum(buffer_ms)', viewer_minutes: "count_if(event_type = 'heartbeat') / 2.0" },
  },
  {
    table: TABLES.goldAppErrors,
    from: TABLES.silverEvents,
    time: 'event_time',
    keys: ['app_type'],
    aggregates: { events: 'count(*)', errors: "count_if(event_type = 'error')", error_rate: "count_if(event_type = 'error') / count(*)" },
  },
  {
    table: TABLES.goldIspBuffering,
    from: TABLES.silverEvents,
    time: 'event_time',
    keys: ['isp'],
    where: 'isp IS NOT NULL',
    aggregates: {
      events: 'count(*)',
      buffer_events: "count_if(event_type = 'buffer_start')",
      viewer_minutes: "count_if(event_type = 'heartbeat') / 2.0",
      sessions: 'size(collect_set(session_id))',
    },
  },
  {
    table: TABLES.goldVideoEngagement,
    from: TABLES.silverEvents,
    time: 'event_time',
    keys: ['video_id'],
    aggregates: {
      starts: "count_if(event_type = 'session_start')",
      pauses: "count_if(event_type = 'pause')",
      stops: "count_if(event_type = 'stop')",
      finished: "count_if(stop_reason = 'finished')",
      abandoned: "count_if(stop_reason = 'user')",
      failed: "count_if(stop_reason = 'error')",
      sessions: 'size(collect_set(session_id))',
    },
  },
];

/** The streaming frame of one gold aggregate over its silver table's appends. */
export function goldFrame(lake: Lakehouse, g: GoldAggregate, windows: GoldWindows, sourceOptions: Readonly<Record<string, string | number>> = {}): StreamingDataFrame {
  let df = lake.readStream.format('delta').options(sourceOptions).table(g.from);
  if (g.where) df = df.filter(g.where);
  return df
    .withWatermark(g.time, windows.watermark)
    .groupBy(window(g.time, windows.size), ...g.keys)
    .agg(g.aggregates)
    .select('`window`.start AS window_start', '`window`.end AS window_end', ...g.keys, ...Object.keys(g.aggregates));
}
