import { BITRATES, EDGES, SEGMENT_SECONDS, VIDEO_COUNT, type EventType } from './catalog.js';
import { activeFactor, isActive, type Incident } from './incidents.js';
import type { CdnLogRecord, PlayerEvent } from './records.js';
import type { Rng } from './rng.js';
import type { Viewer } from './viewers.js';

/** What a session simulation needs: when the run starts and ends, and what goes wrong when. */
export interface SessionContext {
  readonly startMs: number;
  readonly durationSeconds: number;
  readonly incidents: readonly Incident[];
  /** Buffering events per viewer-minute on a healthy ISP. */
  readonly bufferingPerMinute: number;
  /** Errors per viewer-minute on a healthy app. */
  readonly errorsPerMinute: number;
}

const HEARTBEAT_SECONDS = 30;

/** A video's length in seconds, fixed by its number. */
export const videoSeconds = (video: number) => 120 + ((video * 7919) % 900);

/** Video `i` (0-based) of the Zipf-distributed catalogue. */
function zipfVideo(rng: Rng): number {
  const weights = Array.from({ length: VIDEO_COUNT }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((s, w) => s + w, 0);
  let r = rng.float() * total;
  for (let i = 0; i < VIDEO_COUNT; i++) if ((r -= weights[i]) < 0) return i;
  return VIDEO_COUNT - 1;
}

function errorsPerMinute(ctx: SessionContext, v: Viewer, t: number): number {
  let rate = ctx.errorsPerMinute;
  for (const i of ctx.incidents) if (i.kind === 'erroring-app' && isActive(i, t) && i.appType === v.app.type && i.appVersion === v.appVersion) rate += i.errorsPerMinute;
  return rate;
}

/**
 * One viewing session of `viewer` starting at simulated second `t0`: its player events and the
 * CDN requests for its segments, cut at the end of the run.
 */
export function simulateSession(rng: Rng, ctx: SessionContext, viewer: Viewer, t0: number): { events: PlayerEvent[]; logs: CdnLogRecord[] } {
  const events: PlayerEvent[] = [];
  const logs: CdnLogRecord[] = [];
  const video = zipfVideo(rng);
  const videoId = `v-${String(video + 1).padStart(4, '0')}`;
  const edge = EDGES.find((e) => e.location === viewer.isp.edge)!;
  const sessionId = rng.hex(12);
  let bitrate = rng.pick(BITRATES.slice(1, 4));
  let position = 0;
  const end = ctx.durationSeconds;
  const emit = (t: number, type: EventType, extra: Partial<Pick<PlayerEvent, 'ttff_ms' | 'buffer_ms' | 'error_code' | 'stop_reason'>> = {}) => {
    if (t >= end) return;
    events.push({
      event_id: rng.hex(16),
      event_time: new Date(ctx.startMs + Math.floor(t * 1000)).toISOString(),
      event_type: type,
      session_id: sessionId,
      user_id: viewer.userId,
      video_id: videoId,
      app_type: viewer.app.type,
      app_version: viewer.appVersion,
      browser: viewer.browser,
      device: viewer.device,
      cdn_edge: edge.location,
      client_ip: viewer.clientIp,
      bitrate_kbps: bitrate,
      position_s: Math.round(position),
      ttff_ms: extra.ttff_ms ?? null,
      buffer_ms: extra.buffer_ms ?? null,
      error_code: extra.error_code ?? null,
      stop_reason: extra.stop_reason ?? null,
    });
  };
  const slow = (t: number) => activeFactor(ctx.incidents, 'slow-edge', t, (i) => i.edge === edge.location);
  let t = t0;
  emit(t, 'session_start');
  const ttff = Math.round(rng.logNormal(700 + edge.medianSeconds * 2000, 0.25) * slow(t));
  t += ttff / 1000;
  emit(t, 'play', { ttff_ms: ttff });
  const length = videoSeconds(video);
  const watch = Math.min(rng.exponential(150), length);
  let nextHeartbeat = t + HEARTBEAT_SECONDS;
  let reason = watch >= length ? 'finished' : 'user';
  while (position < watch && t < end) {
    logs.push(segmentRequest(rng, ctx, viewer, edge, t, videoId, Math.floor(position / SEGMENT_SECONDS), bitrate, slow(t)));
    t += SEGMENT_SECONDS;
    position += SEGMENT_SECONDS;
    if (t >= nextHeartbeat) {
      emit(t, 'heartbeat');
      nextHeartbeat += HEARTBEAT_SECONDS;
    }
    const buffering = (ctx.bufferingPerMinute * activeFactor(ctx.incidents, 'buffering-isp', t, (i) => i.asn === viewer.isp.asn) * SEGMENT_SECONDS) / 60;
    if (rng.chance(buffering)) {
      const ms = Math.round(rng.logNormal(1200, 0.6));
      emit(t, 'buffer_start');
      t += ms / 1000;
      emit(t, 'buffer_end', { buffer_ms: ms });
    }
    if (rng.chance((errorsPerMinute(ctx, viewer, t) * SEGMENT_SECONDS) / 60)) {
      emit(t, 'error', { error_code: rng.pick(['MEDIA_ERR_DECODE', 'MEDIA_ERR_NETWORK', 'DRM_LICENSE_FAILED', 'MANIFEST_PARSE']) });
      if (rng.chance(0.3)) {
        reason = 'error';
        break;
      }
    }
    if (rng.chance(0.03)) {
      bitrate = rng.pick(BITRATES);
      emit(t, 'bitrate_change');
    }
    if (rng.chance(0.012)) {
      emit(t, 'pause');
      t += rng.exponential(12);
      emit(t, 'play');
    }
  }
  emit(t, 'stop', { stop_reason: reason });
  return { events, logs };
}

/** The CDN's log record for segment `segment` of a session, requested at simulated second `t`. */
function segmentRequest(rng: Rng, ctx: SessionContext, v: Viewer, edge: { location: string; medianSeconds: number }, t: number, videoId: string, segment: number, bitrate: number, slow: number): CdnLogRecord {
  const at = new Date(ctx.startMs + Math.floor(t * 1000)).toISOString();
  const bytes = Math.round(((bitrate * 1000) / 8) * SEGMENT_SECONDS * (0.9 + 0.2 * rng.float()));
  const hit = rng.chance(0.95);
  const taken = rng.logNormal(edge.medianSeconds * (hit ? 1 : 1.6), 0.2) * slow;
  const status = rng.chance(0.002) ? 503 : 200;
  return {
    date: at.slice(0, 10),
    time: at.slice(11, 19),
    x_edge_location: edge.location,
    sc_bytes: status === 200 ? bytes : 512,
    c_ip: v.clientIp,
    cs_method: 'GET',
    cs_host: 'd111111abcdef8.cloudfront.net',
    cs_uri_stem: `/vod/${videoId}/${bitrate}k/seg-${String(segment).padStart(5, '0')}.ts`,
    sc_status: status,
    cs_referer: '-',
    cs_user_agent: `${v.app.type}/${v.appVersion} (${v.device}; ${v.browser})`,
    cs_uri_query: '-',
    cs_cookie: '-',
    x_edge_result_type: status === 200 ? (hit ? 'Hit' : 'Miss') : 'Error',
    x_edge_request_id: rng.hex(28),
    x_host_header: 'video.example.com',
    cs_protocol: 'https',
    cs_bytes: 180 + rng.int(120),
    time_taken: Math.round(taken * 1000) / 1000,
    x_forwarded_for: '-',
    ssl_protocol: 'TLSv1.3',
    ssl_cipher: 'TLS_AES_128_GCM_SHA256',
    x_edge_response_result_type: status === 200 ? (hit ? 'Hit' : 'Miss') : 'Error',
    cs_protocol_version: 'HTTP/2.0',
    fle_status: '-',
    fle_encrypted_fields: '-',
    c_port: 1024 + rng.int(64000),
    time_to_first_byte: Math.round(taken * 0.4 * 1000) / 1000,
    x_edge_detailed_result_type: status === 200 ? (hit ? 'Hit' : 'Miss') : 'OriginError',
    sc_content_type: 'video/MP2T',
    sc_content_len: status === 200 ? bytes : 512,
    sc_range_start: '-',
    sc_range_end: '-',
  };
}
