-- QoS bronze from a broker: player events published as JSON messages to the NATS JetStream stream
-- ${NATS_STREAM} (servers ${NATS_SERVERS}), as they came: append-only, unchanged, partitioned by
-- event date and type. Offsets are the stream's sequence numbers, kept in the table's checkpoint:
-- each message lands once. A message that is not JSON lands whole in _rescued_data.
CREATE OR REFRESH STREAMING TABLE qos_bronze_events
COMMENT 'player events as they came (the only table holding raw client addresses)'
PARTITIONED BY (event_date, event_type)
AS SELECT *, to_date(event_time) AS event_date
FROM STREAM read_nats(servers => '${NATS_SERVERS}', stream => '${NATS_STREAM}', format => 'json',
  schema => 'event_id STRING, event_time TIMESTAMP, event_type STRING, session_id STRING, user_id STRING, video_id STRING, app_type STRING, app_version STRING, browser STRING, device STRING, cdn_edge STRING, client_ip STRING, bitrate_kbps BIGINT, position_s BIGINT, ttff_ms BIGINT, buffer_ms BIGINT, error_code STRING, stop_reason STRING');
