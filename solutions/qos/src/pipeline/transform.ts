import { EVENT_TYPES } from '../generator/catalog.js';
import { anonymizeIp } from '../ip/anonymize.js';
import type { IpDatabase } from '../ip/ip-database.js';

/** A row as the streaming engine hands it over (Loch's JSON encoding: Auto Loader infers text). */
export type RawRow = Readonly<Record<string, unknown>>;
export type SilverRow = Record<string, string | number | null>;

/** A named check a silver row must pass; rows that fail are dropped and counted (expect or drop). */
export interface Expectation {
  readonly name: string;
  readonly check: (row: SilverRow) => boolean;
}

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);
/** Times outside these bounds are clock errors, not events. */
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const LATEST = Date.parse('2100-01-01T00:00:00Z');

const text = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const int = (v: unknown): number | null => {
  const n = v === null || v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
};
const real = (v: unknown): number | null => {
  const n = v === null || v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : null;
};
/** An ISO instant in microsecond form, or null when `v` is no valid time. */
const instant = (v: unknown): string | null => {
  const s = text(v);
  if (s === null) return null;
  const ms = Date.parse(s.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
};
const validTime = (v: unknown) => typeof v === 'string' && Date.parse(v) >= EARLIEST && Date.parse(v) < LATEST;

export const EVENT_EXPECTATIONS: readonly Expectation[] = [
  { name: 'valid_timestamp', check: (r) => validTime(r.event_time) },
  { name: 'known_event_type', check: (r) => typeof r.event_type === 'string' && KNOWN_TYPES.has(r.event_type) },
  { name: 'has_session', check: (r) => r.session_id !== null },
];

export const CDN_EXPECTATIONS: readonly Expectation[] = [
  { name: 'valid_timestamp', check: (r) => validTime(r.ts) },
  { name: 'valid_status', check: (r) => typeof r.sc_status === 'number' && r.sc_status >= 100 && r.sc_status < 600 },
  { name: 'non_negative_time_taken', check: (r) => typeof r.time_taken === 'number' && r.time_taken >= 0 },
];

/** The client's anonymized address and what the IP database says of the raw one (which goes no further). */
function clientOf(raw: unknown, db: IpDatabase): { ip: string | null; country: string | null; asn: number | null; isp: string | null } {
  const ip = text(raw);
  const info = db.lookup(ip);
  return { ip: anonymizeIp(ip), country: info.country, asn: info.asn, isp: info.isp };
}

/** A bronze player event as a silver row: typed, the address anonymized, country and ISP added. */
export function silverEvent(r: RawRow, db: IpDatabase): SilverRow {
  const client = clientOf(r.client_ip, db);
  const time = instant(r.event_time);
  return {
    event_id: text(r.event_id),
    event_time: time,
    event_date: time ? time.slice(0, 10) : null,
    event_type: text(r.event_type),
    session_id: text(r.session_id),
    user_id: text(r.user_id),
    video_id: text(r.video_id),
    app_type: text(r.app_type),
    app_version: text(r.app_version),
    browser: text(r.browser),
    device: text(r.device),
    cdn_edge: text(r.cdn_edge),
    client_ip: client.ip,
    country: client.country,
    asn: client.asn,
    isp: client.isp,
    bitrate_kbps: int(r.bitrate_kbps),
    position_s: int(r.position_s),
    ttff_ms: int(r.ttff_ms),
    buffer_ms: int(r.buffer_ms),
    error_code: text(r.error_code),
    stop_reason: text(r.stop_reason),
  };
}

/** A CDN log record as a silver row: CloudFront's fields typed, `ts` from date and time, the addresses anonymized, country and ISP added. */
export function silverCdnLog(r: RawRow, db: IpDatabase): SilverRow {
  const client = clientOf(r.c_ip, db);
  const ts = instant(`${text(r.date)}T${text(r.time)}`);
  const forwarded = text(r.x_forwarded_for);
  return {
    ts,
    log_date: ts ? ts.slice(0, 10) : null,
    x_edge_location: text(r.x_edge_location),
    sc_bytes: int(r.sc_bytes),
    c_ip: client.ip,
    country: client.country,
    asn: client.asn,
    isp: client.isp,
    cs_method: text(r.cs_method),
    cs_host: text(r.cs_host),
    cs_uri_stem: text(r.cs_uri_stem),
    sc_status: int(r.sc_status),
    cs_user_agent: text(r.cs_user_agent),
    x_edge_result_type: text(r.x_edge_result_type),
    x_edge_request_id: text(r.x_edge_request_id),
    cs_protocol: text(r.cs_protocol),
    cs_bytes: int(r.cs_bytes),
    time_taken: real(r.time_taken),
    // Proxies' lists of client addresses: each anonymized, or the field is dropped.
    x_forwarded_for: forwarded === null || forwarded === '-' ? forwarded : forwarded.split(',').map((a) => anonymizeIp(a) ?? '-').join(', '),
    ssl_protocol: text(r.ssl_protocol),
    cs_protocol_version: text(r.cs_protocol_version),
    time_to_first_byte: real(r.time_to_first_byte),
    x_edge_detailed_result_type: text(r.x_edge_detailed_result_type),
    sc_content_type: text(r.sc_content_type),
    sc_content_len: int(r.sc_content_len),
  };
}

/** Rows that pass every expectation, and how many failed each. */
export function applyExpectations(rows: readonly SilverRow[], expectations: readonly Expectation[]): { kept: SilverRow[]; failed: Map<string, number> } {
  const failed = new Map(expectations.map((e) => [e.name, 0]));
  const kept: SilverRow[] = [];
  for (const row of rows) {
    let ok = true;
    for (const e of expectations) {
      if (!e.check(row)) {
        failed.set(e.name, failed.get(e.name)! + 1);
        ok = false;
      }
    }
    if (ok) kept.push(row);
  }
  return { kept, failed };
}
