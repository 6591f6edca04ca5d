/**
 * What the simulated service looks like: CDN edges (CloudFront edge location codes), app types
 * and versions, browsers, devices, videos, and the ISPs its viewers use. ISPs are named by their
 * real autonomous system numbers: their names and client addresses come from the IP database,
 * so enrichment finds exactly what a real viewer of that ISP would give.
 */

export interface Edge {
  readonly location: string;
  /** Median seconds a segment request takes at this edge when it is healthy. */
  readonly medianSeconds: number;
}

export const EDGES: readonly Edge[] = [
  { location: 'IAD89-C3', medianSeconds: 0.12 },
  { location: 'DFW55-C3', medianSeconds: 0.14 },
  { location: 'FRA56-P1', medianSeconds: 0.1 },
  { location: 'AMS1-C1', medianSeconds: 0.09 },
  { location: 'LHR61-C2', medianSeconds: 0.11 },
  { location: 'CDG50-C1', medianSeconds: 0.1 },
  { location: 'MAD50-C1', medianSeconds: 0.13 },
  { location: 'NRT57-P2', medianSeconds: 0.15 },
  { location: 'BOM78-P1', medianSeconds: 0.18 },
  { location: 'SYD4-C1', medianSeconds: 0.16 },
];

/** An ISP by autonomous system number, how many viewers it has (relative), the edge that serves it, and how many of its viewers use IPv6. */
export interface IspProfile {
  readonly asn: number;
  readonly weight: number;
  readonly edge: string;
  readonly ipv6Share: number;
}

export const ISPS: readonly IspProfile[] = [
  { asn: 7922, weight: 14, edge: 'IAD89-C3', ipv6Share: 0.5 },
  { asn: 7018, weight: 9, edge: 'DFW55-C3', ipv6Share: 0.3 },
  { asn: 21928, weight: 6, edge: 'DFW55-C3', ipv6Share: 0.6 },
  { asn: 3320, weight: 10, edge: 'FRA56-P1', ipv6Share: 0.4 },
  { asn: 1136, weight: 6, edge: 'AMS1-C1', ipv6Share: 0.3 },
  { asn: 2856, weight: 8, edge: 'LHR61-C2', ipv6Share: 0.2 },
  { asn: 5089, weight: 5, edge: 'LHR61-C2', ipv6Share: 0.1 },
  { asn: 3215, weight: 8, edge: 'CDG50-C1', ipv6Share: 0.2 },
  { asn: 12322, weight: 5, edge: 'CDG50-C1', ipv6Share: 0.4 },
  { asn: 3352, weight: 6, edge: 'MAD50-C1', ipv6Share: 0.1 },
  { asn: 2516, weight: 6, edge: 'NRT57-P2', ipv6Share: 0.3 },
  { asn: 55836, weight: 9, edge: 'BOM78-P1', ipv6Share: 0.7 },
  { asn: 7545, weight: 5, edge: 'SYD4-C1', ipv6Share: 0.3 },
];

export interface AppProfile {
  readonly type: string;
  readonly weight: number;
  readonly versions: readonly string[];
  readonly browsers: readonly string[];
  readonly devices: readonly string[];
}

export const APPS: readonly AppProfile[] = [
  { type: 'web', weight: 40, versions: ['3.8.1', '3.9.0'], browsers: ['Chrome', 'Safari', 'Firefox', 'Edge'], devices: ['desktop', 'laptop'] },
  { type: 'ios', weight: 22, versions: ['7.2.0', '7.3.1'], browsers: ['AVPlayer'], devices: ['iPhone', 'iPad'] },
  { type: 'android', weight: 25, versions: ['5.1.4', '5.2.0'], browsers: ['ExoPlayer'], devices: ['phone', 'tablet'] },
  { type: 'tv', weight: 13, versions: ['2.0.7'], browsers: ['Tizen', 'webOS', 'Roku'], devices: ['smart-tv', 'set-top-box'] },
];

/** Player event types (the expectations on silver accept exactly these). */
export const EVENT_TYPES = ['session_start', 'play', 'pause', 'buffer_start', 'buffer_end', 'bitrate_change', 'heartbeat', 'error', 'stop'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Bitrate ladder of every video (kbps). */
export const BITRATES: readonly number[] = [800, 1600, 3000, 4500, 7500];

/** Number of videos in the catalogue; their popularity follows Zipf's law. */
export const VIDEO_COUNT = 60;

/** Seconds of video per HLS segment: one CDN request each. */
export const SEGMENT_SECONDS = 4;
