/**
 * The three alert rules as pure decisions over plain rows of closed windows: the caller reads the
 * gold tables and sends what comes out.
 */

export type AlertRule = 'cdn_latency' | 'app_error_rate' | 'isp_buffering';

export interface Alert {
  /** The same alert for the same rule, entity and window: notifications can be deduplicated on it. */
  readonly alertId: string;
  readonly rule: AlertRule;
  /** What the entity is: a CDN edge, an app type, an ISP. */
  readonly entityKind: 'cdn_edge' | 'app_type' | 'isp';
  readonly entity: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly measured: number;
  readonly threshold: number;
  /** What the threshold is derived from (the edge's baseline, the ISPs' average), where there is one. */
  readonly baseline: number | null;
  readonly unit: string;
  readonly message: string;
}

/** Thresholds of the rules. */
export interface AlertThresholds {
  /** CDN latency above its baseline by more than this share (0.10: 10%). */
  readonly cdnLatencyOverBaseline: number;
  /** Windows of an edge's history its baseline is the mean of, and how many it needs. */
  readonly cdnBaselineWindows: number;
  readonly cdnBaselineMinWindows: number;
  /** An app type's share of error events above which it alerts (0.05: 5%). */
  readonly appErrorRate: number;
  /** Events an app type needs in a window for its error rate to count. */
  readonly appMinEvents: number;
  /**
   * An ISP's buffering (buffer events per viewer-minute) alerts when above the average of all
   * ISPs in the window by more than this share (0.5: 50%), so the ordinary spread between ISPs
   * does not page anyone.
   */
  readonly ispBufferingOverAverage: number;
  /** Viewer-minutes an ISP needs in a window for its buffering to count. */
  readonly ispMinViewerMinutes: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  cdnLatencyOverBaseline: 0.1,
  cdnBaselineWindows: 10,
  cdnBaselineMinWindows: 2,
  appErrorRate: 0.05,
  appMinEvents: 50,
  ispBufferingOverAverage: 0.5,
  ispMinViewerMinutes: 10,
};

const hhmm = (iso: string) => iso.slice(11, 16);
const span = (start: string, end: string) => `${start.slice(0, 10)} ${hhmm(start)}-${hhmm(end)} UTC`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const id = (rule: AlertRule, entity: string, start: string) => `${rule}:${entity}:${start}`;

/** A closed window of one CDN edge, with the mean latency of its preceding windows. */
export interface CdnWindow {
  readonly edge: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly avgTimeTaken: number;
  /** Latencies of the edge's earlier windows, newest first. */
  readonly history: readonly number[];
}

export function cdnLatencyAlert(w: CdnWindow, t: AlertThresholds = DEFAULT_THRESHOLDS): Alert | undefined {
  const history = w.history.slice(0, t.cdnBaselineWindows);
  if (history.length < t.cdnBaselineMinWindows) return undefined;
  const baseline = history.reduce((s, x) => s + x, 0) / history.length;
  const threshold = baseline * (1 + t.cdnLatencyOverBaseline);
  if (!(w.avgTimeTaken > threshold)) return undefined;
  return {
    alertId: id('cdn_latency', w.edge, w.windowStart),
    rule: 'cdn_latency',
    entityKind: 'cdn_edge',
    entity: w.edge,
    windowStart: w.windowStart,
    windowEnd: w.windowEnd,
    measured: w.avgTimeTaken,
    threshold,
    baseline,
    unit: 's',
    message: `CDN edge ${w.edge}: mean request time ${w.avgTimeTaken.toFixed(3)} s in ${span(w.windowStart, w.windowEnd)}, ${pct(w.avgTimeTaken / baseline - 1)} above its baseline ${baseline.toFixed(3)} s (threshold ${threshold.toFixed(3)} s: baseline +${pct(t.cdnLatencyOverBaseline)})`,
  };
}

/** A closed window of one app type. */
export interface AppWindow {
  readonly appType: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly events: number;
  readonly errors: number;
}

export function appErrorAlert(w: AppWindow, t: AlertThresholds = DEFAULT_THRESHOLDS): Alert | undefined {
  if (w.events < t.appMinEvents) return undefined;
  const rate = w.errors / w.events;
  if (!(rate > t.appErrorRate)) return undefined;
  return {
    alertId: id('app_error_rate', w.appType, w.windowStart),
    rule: 'app_error_rate',
    entityKind: 'app_type',
    entity: w.appType,
    windowStart: w.windowStart,
    windowEnd: w.windowEnd,
    measured: rate,
    threshold: t.appErrorRate,
    baseline: null,
    unit: 'ratio',
    message: `App type ${w.appType}: ${pct(rate)} of events were errors (${w.errors} of ${w.events}) in ${span(w.windowStart, w.windowEnd)}, above the threshold ${pct(t.appErrorRate)}`,
  };
}

/** A closed window of one ISP. */
export interface IspWindow {
  readonly isp: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly bufferEvents: number;
  readonly viewerMinutes: number;
}

/** Alerts for the ISPs of one window: each ISP's buffering against the average of all of them. */
export function ispBufferingAlerts(windowRows: readonly IspWindow[], t: AlertThresholds = DEFAULT_THRESHOLDS): Alert[] {
  const minutes = windowRows.reduce((s, r) => s + r.viewerMinutes, 0);
  if (minutes === 0) return [];
  const average = windowRows.reduce((s, r) => s + r.bufferEvents, 0) / minutes;
  const threshold = average * (1 + t.ispBufferingOverAverage);
  const out: Alert[] = [];
  for (const r of windowRows) {
    if (r.viewerMinutes < t.ispMinViewerMinutes) continue;
    const rate = r.bufferEvents / r.viewerMinutes;
    if (!(rate > threshold)) continue;
    out.push({
      alertId: id('isp_buffering', r.isp, r.windowStart),
      rule: 'isp_buffering',
      entityKind: 'isp',
      entity: r.isp,
      windowStart: r.windowStart,
      windowEnd: r.windowEnd,
      measured: rate,
      threshold,
      baseline: average,
      unit: 'buffer events per viewer-minute',
      message: `ISP ${r.isp}: ${rate.toFixed(2)} buffering events per viewer-minute in ${span(r.windowStart, r.windowEnd)}, above the average of all ISPs ${average.toFixed(2)} (threshold ${threshold.toFixed(2)}: average +${pct(t.ispBufferingOverAverage)})`,
    });
  }
  return out;
}
