/**
 * Incidents the generator can inject, so that the alerts have something real to find. Each is
 * active from `fromSecond` (inclusive) to `toSecond` (exclusive) of simulated time.
 */
export type Incident =
  /** A CDN edge whose requests take `factor` times as long (and whose players wait as much longer for the first frame). */
  | { readonly kind: 'slow-edge'; readonly edge: string; readonly fromSecond: number; readonly toSecond: number; readonly factor: number }
  /** An app version whose players hit errors, `errorsPerMinute` per viewer. */
  | { readonly kind: 'erroring-app'; readonly appType: string; readonly appVersion: string; readonly fromSecond: number; readonly toSecond: number; readonly errorsPerMinute: number }
  /** An ISP (by autonomous system number) whose viewers buffer `factor` times as often. */
  | { readonly kind: 'buffering-isp'; readonly asn: number; readonly fromSecond: number; readonly toSecond: number; readonly factor: number };

export type IncidentKind = Incident['kind'];

/** One incident of each kind, spread over a run of `durationSeconds` after a clean start that sets the baselines. */
export function defaultIncidents(durationSeconds: number): Incident[] {
  const at = (share: number) => Math.round(durationSeconds * share);
  return [
    { kind: 'slow-edge', edge: 'FRA56-P1', fromSecond: at(0.5), toSecond: at(0.85), factor: 1.8 },
    { kind: 'erroring-app', appType: 'android', appVersion: '5.2.0', fromSecond: at(0.4), toSecond: at(0.75), errorsPerMinute: 3 },
    { kind: 'buffering-isp', asn: 2856, fromSecond: at(0.35), toSecond: at(0.7), factor: 5 },
  ];
}

/** Whether `incident` is going on at simulated second `t`. */
export function isActive(incident: Incident, t: number): boolean {
  return t >= incident.fromSecond && t < incident.toSecond;
}

type FactorIncident = Extract<Incident, { kind: 'slow-edge' | 'buffering-isp' }>;

/** The product of the factors of the active incidents of `kind` that `matches` (1 when none). */
export function activeFactor<K extends FactorIncident['kind']>(incidents: readonly Incident[], kind: K, t: number, matches: (i: Extract<FactorIncident, { kind: K }>) => boolean): number {
  let f = 1;
  for (const i of incidents) {
    if (i.kind === kind && isActive(i, t) && matches(i as Extract<FactorIncident, { kind: K }>)) f *= (i as FactorIncident).factor;
  }
  return f;
}
