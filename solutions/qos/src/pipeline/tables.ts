/**
 * The QoS lake's tables. Bronze, silver, the gold windowed aggregates and the real-time views are
 * defined in `pipelines/qos.sql`; the alerts table here.
 */

export const TABLES = {
  bronzeEvents: 'qos_bronze_events',
  silverEvents: 'qos_silver_events',
  silverCdnLogs: 'qos_silver_cdn_logs',
  goldCdnLatency: 'qos_gold_cdn_latency',
  goldTtffByEdge: 'qos_gold_ttff_by_edge',
  goldBufferingByApp: 'qos_gold_buffering_by_app',
  goldAppErrors: 'qos_gold_app_errors',
  goldIspBuffering: 'qos_gold_isp_buffering',
  goldVideoEngagement: 'qos_gold_video_engagement',
  goldActiveUsers: 'qos_gold_active_users',
  goldPopularVideos: 'qos_gold_popular_videos',
  goldConcurrentViewers: 'qos_gold_concurrent_viewers',
  alerts: 'qos_alerts',
  eventLog: 'qos_event_log',
} as const;

/** Alerts fired: one row per rule, entity and window. */
export const ALERTS_SCHEMA = {
  alert_id: 'string',
  rule: 'string',
  entity: 'string',
  window_start: 'timestamp',
  window_end: 'timestamp',
  measured: 'double',
  threshold: 'double',
  baseline: 'double',
  message: 'string',
  fired_at: 'timestamp',
} as const;
