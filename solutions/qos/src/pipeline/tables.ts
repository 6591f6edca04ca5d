/** The QoS lake's tables: names and the schemas of the ones the pipeline writes from JavaScript. */

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
  expectations: 'qos_expectations',
} as const;

/** Silver player events: typed, the client address anonymized, country and ISP added. */
export const SILVER_EVENTS_SCHEMA = {
  event_id: 'string',
  event_time: 'timestamp',
  event_date: 'date',
  event_type: 'string',
  session_id: 'string',
  user_id: 'string',
  video_id: 'string',
  app_type: 'string',
  app_version: 'string',
  browser: 'string',
  device: 'string',
  cdn_edge: 'string',
  client_ip: 'string',
  country: 'string',
  asn: 'long',
  isp: 'string',
  bitrate_kbps: 'integer',
  position_s: 'integer',
  ttff_ms: 'integer',
  buffer_ms: 'integer',
  error_code: 'string',
  stop_reason: 'string',
} as const;

/** Silver CDN logs: CloudFront's fields typed, `ts` from date and time, the client address anonymized, country and ISP added. */
export const SILVER_CDN_SCHEMA = {
  ts: 'timestamp',
  log_date: 'date',
  x_edge_location: 'string',
  sc_bytes: 'long',
  c_ip: 'string',
  country: 'string',
  asn: 'long',
  isp: 'string',
  cs_method: 'string',
  cs_host: 'string',
  cs_uri_stem: 'string',
  sc_status: 'integer',
  cs_user_agent: 'string',
  x_edge_result_type: 'string',
  x_edge_request_id: 'string',
  cs_protocol: 'string',
  cs_bytes: 'long',
  time_taken: 'double',
  x_forwarded_for: 'string',
  ssl_protocol: 'string',
  cs_protocol_version: 'string',
  time_to_first_byte: 'double',
  x_edge_detailed_result_type: 'string',
  sc_content_type: 'string',
  sc_content_len: 'long',
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

/** Rows that failed an expectation, counted per batch. */
export const EXPECTATIONS_SCHEMA = {
  table_name: 'string',
  batch_id: 'long',
  expectation: 'string',
  failed_rows: 'long',
  passed_rows: 'long',
  recorded_at: 'timestamp',
} as const;
