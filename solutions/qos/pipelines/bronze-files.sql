-- QoS bronze from files: player events landed as JSON files under ${LANDING_EVENTS}, through
-- Auto Loader, as they came: append-only, unchanged, partitioned by event date and type.
CREATE OR REFRESH STREAMING TABLE qos_bronze_events
COMMENT 'player events as they came (the only table holding raw client addresses)'
PARTITIONED BY (event_date, event_type)
AS SELECT *, to_date(CAST(event_time AS STRING)) AS event_date
FROM STREAM read_files('${LANDING_EVENTS}', format => 'json', maxFilesPerTrigger => '${FILES_PER_BATCH}');
