import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IpDatabase } from '../ip/ip-database.js';
import { ISPS } from './catalog.js';
import { defaultIncidents, type Incident } from './incidents.js';
import type { CdnLogRecord, PlayerEvent } from './records.js';
import { Rng } from './rng.js';
import { simulateSession, type SessionContext } from './session.js';
import { makeViewers, type IspRanges } from './viewers.js';

/** How much traffic, over how long, and what goes wrong. Every field has a default. */
export interface TrafficOptions {
  readonly seed?: number;
  /** Simulated start (ISO 8601); default 2026-12-07T08:00:00Z. */
  readonly start?: string;
  readonly durationSeconds?: number;
  /** New viewing sessions per simulated second. */
  readonly sessionsPerSecond?: number;
  /** Incidents to inject; default one of each kind (defaultIncidents). Pass [] for clean traffic. */
  readonly incidents?: readonly Incident[];
  readonly bufferingPerMinute?: number;
  readonly errorsPerMinute?: number;
}

export type TrafficConfig = Required<TrafficOptions>;

/** Generated traffic: player events and CDN log records, each in time order. */
export interface Traffic {
  readonly config: TrafficConfig;
  readonly events: readonly PlayerEvent[];
  readonly logs: readonly CdnLogRecord[];
}

/** Sessions under way when the run starts began up to this long before it (their early events are not in the run). */
const WARM_UP_SECONDS = 240;

export function trafficConfig(options: TrafficOptions = {}): TrafficConfig {
  const durationSeconds = options.durationSeconds ?? 300;
  return {
    seed: options.seed ?? 42,
    start: options.start ?? '2026-12-07T08:00:00.000Z',
    durationSeconds,
    sessionsPerSecond: options.sessionsPerSecond ?? 3,
    incidents: options.incidents ?? defaultIncidents(durationSeconds),
    bufferingPerMinute: options.bufferingPerMinute ?? 2,
    errorsPerMinute: options.errorsPerMinute ?? 0.02,
  };
}

/** The real address ranges of the catalogue's ISPs. */
export function ispRanges(db: IpDatabase): IspRanges {
  return new Map(
    ISPS.map((isp) => {
      const ranges = db.rangesOf(isp.asn);
      return [isp.asn, { v4: ranges.filter((r) => r.version === 4), v6: ranges.filter((r) => r.version === 6) }];
    }),
  );
}

/**
 * Seeded traffic: sessions arrive as a Poisson process, each a viewer (ISP, address, app,
 * device) watching a video; the same options and seed give the same records.
 */
export function generateTraffic(db: IpDatabase, options: TrafficOptions = {}): Traffic {
  const config = trafficConfig(options);
  const rng = new Rng(config.seed);
  const startMs = Date.parse(config.start);
  if (!Number.isFinite(startMs)) throw new Error(`QOS_INVALID_OPTION: start '${config.start}' is not an ISO 8601 time`);
  const viewers = makeViewers(rng, Math.max(50, Math.round(config.sessionsPerSecond * (config.durationSeconds + WARM_UP_SECONDS) * 0.6)), ispRanges(db));
  const ctx: SessionContext = { startMs, durationSeconds: config.durationSeconds, incidents: config.incidents, bufferingPerMinute: config.bufferingPerMinute, errorsPerMinute: config.errorsPerMinute };
  const events: PlayerEvent[] = [];
  const logs: CdnLogRecord[] = [];
  for (let t = -WARM_UP_SECONDS + rng.exponential(1 / config.sessionsPerSecond); t < config.durationSeconds; t += rng.exponential(1 / config.sessionsPerSecond)) {
    const s = simulateSession(rng, ctx, rng.pick(viewers), t);
    events.push(...s.events);
    logs.push(...s.logs);
  }
  const startIso = new Date(startMs).toISOString();
  const inRun = events.filter((e) => e.event_time >= startIso).sort((a, b) => a.event_time.localeCompare(b.event_time));
  const logsInRun = logs.filter((l) => `${l.date}T${l.time}` >= startIso.slice(0, 19)).sort((a, b) => `${a.date}T${a.time}`.localeCompare(`${b.date}T${b.time}`));
  return { config, events: inRun, logs: logsInRun };
}

/** One slice of traffic: the records of `sliceSeconds` of simulated time from `fromMs`. */
export interface TrafficSlice {
  readonly fromMs: number;
  readonly events: readonly PlayerEvent[];
  readonly logs: readonly CdnLogRecord[];
}

/** The traffic cut into consecutive slices of `sliceSeconds` (how it arrives: a file per slice). */
export function sliceTraffic(traffic: Traffic, sliceSeconds: number): TrafficSlice[] {
  const startMs = Date.parse(traffic.config.start);
  const n = Math.ceil(traffic.config.durationSeconds / sliceSeconds);
  const slices = Array.from({ length: n }, (_, i) => ({ fromMs: startMs + i * sliceSeconds * 1000, events: [] as PlayerEvent[], logs: [] as CdnLogRecord[] }));
  const index = (ms: number) => Math.min(n - 1, Math.max(0, Math.floor((ms - startMs) / (sliceSeconds * 1000))));
  for (const e of traffic.events) slices[index(Date.parse(e.event_time))].events.push(e);
  for (const l of traffic.logs) slices[index(Date.parse(`${l.date}T${l.time}Z`))].logs.push(l);
  return slices;
}

const jsonLines = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Where a slice's files go: `<dir>/YYYY/MM/DD/HH-MM-SS.json`, as a CDN delivers its logs. */
export function slicePath(dir: string, fromMs: number): string {
  const iso = new Date(fromMs).toISOString();
  return join(dir, iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), `${iso.slice(11, 19).replaceAll(':', '-')}.json`);
}

/** Writes one slice: player events under `eventsDir`, CDN logs under `logsDir` (JSON lines). */
export async function writeSlice(slice: TrafficSlice, eventsDir: string, logsDir: string): Promise<void> {
  for (const [dir, rows] of [[eventsDir, slice.events], [logsDir, slice.logs]] as const) {
    if (rows.length === 0) continue;
    const file = slicePath(dir, slice.fromMs);
    await mkdir(join(file, '..'), { recursive: true });
    // Written under a dot name, then renamed: a reader listing the folder never sees half a file.
    const tmp = join(file, '..', `.${slice.fromMs}.tmp`);
    await writeFile(tmp, jsonLines(rows));
    await rename(tmp, file);
  }
}
