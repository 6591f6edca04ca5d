-- The QoS pipeline's silver and gold tables and real-time views (loch pipeline SQL). Bronze, the
-- player events as they came, is defined by one of two files beside this one: bronze-files.sql
-- (events landed as JSON files) or bronze-nats.sql (events from a NATS JetStream stream).
-- Parameters: ${LANDING_CDN_LOGS}, where CDN log files land; ${FILES_PER_BATCH}, the files each
-- micro-batch takes; ${GOLD_WINDOW} and ${GOLD_WATERMARK}, the gold aggregates' window
-- ('1 minute') and how late an event may be (30 seconds). qos_ip(address) and
-- qos_anonymize_ips(list) are the UDFs of @loch/qos/udfs: the anonymized address (IPv4 /24,
-- IPv6 /48) with the country and ISP the IP databases give for it. Run it with the plain command:
--   loch pipeline run bronze-files.sql qos.sql --lake ./lake --udf @loch/qos/udfs \
--     --conf LANDING_EVENTS=./landing/events --conf LANDING_CDN_LOGS=./landing/cdn_logs \
--     --conf FILES_PER_BATCH=3 --conf GOLD_WINDOW='1 minute' --conf GOLD_WATERMARK='30 seconds'
-- The alerts are streaming queries over the gold tables (src/alerts/): they notify, which SQL does not.

-- Events typed, the client address anonymized and enriched; rows failing an expectation dropped.
CREATE OR REFRESH STREAMING TABLE qos_silver_events (
  CONSTRAINT valid_timestamp EXPECT (event_time IS NOT NULL AND event_time >= TIMESTAMP '2000-01-01 00:00:00' AND event_time < TIMESTAMP '2100-01-01 00:00:00') ON VIOLATION DROP ROW,
  CONSTRAINT known_event_type EXPECT (event_type IN ('session_start', 'play', 'pause', 'buffer_start', 'buffer_end', 'bitrate_change', 'heartbeat', 'error', 'stop')) ON VIOLATION DROP ROW,
  CONSTRAINT has_session EXPECT (session_id IS NOT NULL) ON VIOLATION DROP ROW
)
COMMENT 'player events, typed, anonymized and enriched with country and ISP'
AS SELECT
  CAST(event_id AS STRING) AS event_id,
  CAST(CAST(event_time AS STRING) AS TIMESTAMP) AS event_time,
  to_date(CAST(CAST(event_time AS STRING) AS TIMESTAMP)) AS event_date,
  CAST(event_type AS STRING) AS event_type,
  CAST(session_id AS STRING) AS session_id,
  CAST(user_id AS STRING) AS user_id,
  CAST(video_id AS STRING) AS video_id,
  CAST(app_type AS STRING) AS app_type,
  CAST(app_version AS STRING) AS app_version,
  CAST(browser AS STRING) AS browser,
  CAST(device AS STRING) AS device,
  CAST(cdn_edge AS STRING) AS cdn_edge,
  ip.address AS client_ip,
  ip.country AS country,
  ip.asn AS asn,
  ip.isp AS isp,
  CAST(bitrate_kbps AS INT) AS bitrate_kbps,
  CAST(position_s AS INT) AS position_s,
  CAST(ttff_ms AS INT) AS ttff_ms,
  CAST(buffer_ms AS INT) AS buffer_ms,
  CAST(error_code AS STRING) AS error_code,
  CAST(stop_reason AS STRING) AS stop_reason
FROM (SELECT *, qos_ip(CAST(client_ip AS STRING)) AS ip FROM STREAM(qos_bronze_events));

-- CDN access logs (CloudFront's fields) through Auto Loader: read as text (CloudFront's `time` would
-- infer as a TIME, which Delta cannot store), then typed, anonymized, enriched.
CREATE OR REFRESH STREAMING TABLE qos_silver_cdn_logs (
  CONSTRAINT valid_timestamp EXPECT (ts IS NOT NULL AND ts >= TIMESTAMP '2000-01-01 00:00:00' AND ts < TIMESTAMP '2100-01-01 00:00:00') ON VIOLATION DROP ROW,
  CONSTRAINT valid_status EXPECT (sc_status BETWEEN 100 AND 599) ON VIOLATION DROP ROW,
  CONSTRAINT non_negative_time_taken EXPECT (time_taken >= 0) ON VIOLATION DROP ROW
)
COMMENT 'CDN access logs, typed, anonymized and enriched with country and ISP'
AS SELECT
  CAST(concat(CAST(`date` AS STRING), ' ', CAST(`time` AS STRING)) AS TIMESTAMP) AS ts,
  to_date(CAST(`date` AS STRING)) AS log_date,
  CAST(x_edge_location AS STRING) AS x_edge_location,
  CAST(sc_bytes AS BIGINT) AS sc_bytes,
  ip.address AS c_ip,
  ip.country AS country,
  ip.asn AS asn,
  ip.isp AS isp,
  CAST(cs_method AS STRING) AS cs_method,
  CAST(cs_host AS STRING) AS cs_host,
  CAST(cs_uri_stem AS STRING) AS cs_uri_stem,
  CAST(sc_status AS INT) AS sc_status,
  CAST(cs_user_agent AS STRING) AS cs_user_agent,
  CAST(x_edge_result_type AS STRING) AS x_edge_result_type,
  CAST(x_edge_request_id AS STRING) AS x_edge_request_id,
  CAST(cs_protocol AS STRING) AS cs_protocol,
  CAST(cs_bytes AS BIGINT) AS cs_bytes,
  CAST(time_taken AS DOUBLE) AS time_taken,
  qos_anonymize_ips(CAST(x_forwarded_for AS STRING)) AS x_forwarded_for,
  CAST(ssl_protocol AS STRING) AS ssl_protocol,
  CAST(cs_protocol_version AS STRING) AS cs_protocol_version,
  CAST(time_to_first_byte AS DOUBLE) AS time_to_first_byte,
  CAST(x_edge_detailed_result_type AS STRING) AS x_edge_detailed_result_type,
  CAST(sc_content_type AS STRING) AS sc_content_type,
  CAST(sc_content_len AS BIGINT) AS sc_content_len
FROM (SELECT *, qos_ip(CAST(c_ip AS STRING)) AS ip FROM STREAM read_files('${LANDING_CDN_LOGS}', format => 'json', inferColumnTypes => 'false', maxFilesPerTrigger => '${FILES_PER_BATCH}'));

-- Gold: the dashboard's windowed aggregates over event time (${GOLD_WINDOW} windows), each a
-- streaming aggregation with a watermark: a window's row is written once, when the watermark
-- (latest event time less ${GOLD_WATERMARK}) passes its end, and never changes. Alerts read these.
CREATE OR REFRESH STREAMING TABLE qos_gold_cdn_latency
COMMENT 'per CDN edge and window: requests, request time, time to first byte, bytes, server errors'
AS SELECT window.start AS window_start, window.end AS window_end, x_edge_location,
  count(*) AS requests, avg(time_taken) AS avg_time_taken, max(time_taken) AS max_time_taken,
  avg(time_to_first_byte) AS avg_ttfb, sum(sc_bytes) AS bytes, count_if(sc_status >= 500) AS server_errors
FROM STREAM(qos_silver_cdn_logs) WATERMARK ts DELAY OF INTERVAL ${GOLD_WATERMARK}
GROUP BY window(ts, '${GOLD_WINDOW}'), x_edge_location;

CREATE OR REFRESH STREAMING TABLE qos_gold_ttff_by_edge
COMMENT 'time to first frame per CDN edge and window'
AS SELECT window.start AS window_start, window.end AS window_end, cdn_edge,
  count(*) AS plays, avg(ttff_ms) AS avg_ttff_ms, max(ttff_ms) AS max_ttff_ms
FROM STREAM(qos_silver_events) WATERMARK event_time DELAY OF INTERVAL ${GOLD_WATERMARK}
WHERE ttff_ms IS NOT NULL
GROUP BY window(event_time, '${GOLD_WINDOW}'), cdn_edge;

CREATE OR REFRESH STREAMING TABLE qos_gold_buffering_by_app
COMMENT 'buffering per app type, app version and browser and window'
AS SELECT window.start AS window_start, window.end AS window_end, app_type, app_version, browser,
  count(*) AS events, count_if(event_type = 'buffer_start') AS buffer_events, sum(buffer_ms) AS buffer_ms,
  count_if(event_type = 'heartbeat') / 2.0 AS viewer_minutes
FROM STREAM(qos_silver_events) WATERMARK event_time DELAY OF INTERVAL ${GOLD_WATERMARK}
GROUP BY window(event_time, '${GOLD_WINDOW}'), app_type, app_version, browser;

CREATE OR REFRESH STREAMING TABLE qos_gold_app_errors
COMMENT 'share of error events per app type and window'
AS SELECT window.start AS window_start, window.end AS window_end, app_type,
  count(*) AS events, count_if(event_type = 'error') AS errors, count_if(event_type = 'error') / count(*) AS error_rate
FROM STREAM(qos_silver_events) WATERMARK event_time DELAY OF INTERVAL ${GOLD_WATERMARK}
GROUP BY window(event_time, '${GOLD_WINDOW}'), app_type;

CREATE OR REFRESH STREAMING TABLE qos_gold_isp_buffering
COMMENT 'buffering per ISP and window'
AS SELECT window.start AS window_start, window.end AS window_end, isp,
  count(*) AS events, count_if(event_type = 'buffer_start') AS buffer_events,
  count_if(event_type = 'heartbeat') / 2.0 AS viewer_minutes, size(collect_set(session_id)) AS sessions
FROM STREAM(qos_silver_events) WATERMARK event_time DELAY OF INTERVAL ${GOLD_WATERMARK}
WHERE isp IS NOT NULL
GROUP BY window(event_time, '${GOLD_WINDOW}'), isp;

CREATE OR REFRESH STREAMING TABLE qos_gold_video_engagement
COMMENT 'starts, pauses and how sessions ended, per video and window'
AS SELECT window.start AS window_start, window.end AS window_end, video_id,
  count_if(event_type = 'session_start') AS starts, count_if(event_type = 'pause') AS pauses, count_if(event_type = 'stop') AS stops,
  count_if(stop_reason = 'finished') AS finished, count_if(stop_reason = 'user') AS abandoned, count_if(stop_reason = 'error') AS failed,
  size(collect_set(session_id)) AS sessions
FROM STREAM(qos_silver_events) WATERMARK event_time DELAY OF INTERVAL ${GOLD_WATERMARK}
GROUP BY window(event_time, '${GOLD_WINDOW}'), video_id;

-- Real-time widgets: recomputed from silver over the last minutes of event time.
CREATE OR REFRESH MATERIALIZED VIEW qos_gold_active_users
COMMENT 'active users and sessions per minute, last five minutes'
AS SELECT date_trunc('minute', event_time) AS minute, count(DISTINCT user_id) AS active_users, count(DISTINCT session_id) AS sessions
FROM qos_silver_events
WHERE event_time > (SELECT max(event_time) FROM qos_silver_events) - INTERVAL 5 MINUTES
GROUP BY 1;

CREATE OR REFRESH MATERIALIZED VIEW qos_gold_popular_videos
COMMENT 'the ten videos with most sessions, last five minutes'
AS SELECT video_id, count(DISTINCT session_id) AS sessions, count_if(event_type = 'play') AS plays, count_if(stop_reason = 'finished') AS finished
FROM qos_silver_events
WHERE event_time > (SELECT max(event_time) FROM qos_silver_events) - INTERVAL 5 MINUTES
GROUP BY video_id ORDER BY sessions DESC, video_id LIMIT 10;

CREATE OR REFRESH MATERIALIZED VIEW qos_gold_concurrent_viewers
COMMENT 'viewers per video now: sessions seen in the last two minutes that have not stopped'
AS SELECT video_id, count(*) AS viewers, max(last_seen) AS as_of FROM (
  SELECT video_id, session_id, max(event_time) AS last_seen, max_by(event_type, event_time) AS last_type
  FROM qos_silver_events
  WHERE event_time > (SELECT max(event_time) FROM qos_silver_events) - INTERVAL 2 MINUTES
  GROUP BY video_id, session_id) AS s
WHERE last_type <> 'stop'
GROUP BY video_id;
