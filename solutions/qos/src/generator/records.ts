/** The two kinds of record the generator writes, as JSON objects. */

/** A player event, as the video player sends it. */
export interface PlayerEvent {
  readonly event_id: string;
  /** ISO 8601 UTC with milliseconds. */
  readonly event_time: string;
  readonly event_type: string;
  readonly session_id: string;
  readonly user_id: string;
  readonly video_id: string;
  readonly app_type: string;
  readonly app_version: string;
  readonly browser: string;
  readonly device: string;
  readonly cdn_edge: string;
  readonly client_ip: string;
  readonly bitrate_kbps: number;
  readonly position_s: number;
  /** Time to first frame, on the session's first play. */
  readonly ttff_ms: number | null;
  /** How long the player buffered, on buffer_end. */
  readonly buffer_ms: number | null;
  readonly error_code: string | null;
  /** Why playback ended, on stop: finished (the video's end), user, or error. */
  readonly stop_reason: string | null;
}

/**
 * A CDN access log record with CloudFront's standard log fields, in their order, named in
 * snake_case (`c-ip` -> `c_ip`, `cs(User-Agent)` -> `cs_user_agent`); '-' where CloudFront writes
 * no value. `date` and `time` are UTC; `time_taken` and `time_to_first_byte` are seconds.
 */
export interface CdnLogRecord {
  readonly date: string;
  readonly time: string;
  readonly x_edge_location: string;
  readonly sc_bytes: number;
  readonly c_ip: string;
  readonly cs_method: string;
  readonly cs_host: string;
  readonly cs_uri_stem: string;
  readonly sc_status: number;
  readonly cs_referer: string;
  readonly cs_user_agent: string;
  readonly cs_uri_query: string;
  readonly cs_cookie: string;
  readonly x_edge_result_type: string;
  readonly x_edge_request_id: string;
  readonly x_host_header: string;
  readonly cs_protocol: string;
  readonly cs_bytes: number;
  readonly time_taken: number;
  readonly x_forwarded_for: string;
  readonly ssl_protocol: string;
  readonly ssl_cipher: string;
  readonly x_edge_response_result_type: string;
  readonly cs_protocol_version: string;
  readonly fle_status: string;
  readonly fle_encrypted_fields: string;
  readonly c_port: number;
  readonly time_to_first_byte: number;
  readonly x_edge_detailed_result_type: string;
  readonly sc_content_type: string;
  readonly sc_content_len: number;
  readonly sc_range_start: string;
  readonly sc_range_end: string;
}
