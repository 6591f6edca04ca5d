import { invalidOption } from '../errors.js';

const UNIT_MICROS: Readonly<Record<string, number>> = {
  microsecond: 1,
  us: 1,
  millisecond: 1_000,
  ms: 1_000,
  second: 1_000_000,
  sec: 1_000_000,
  s: 1_000_000,
  minute: 60_000_000,
  min: 60_000_000,
  m: 60_000_000,
  hour: 3_600_000_000,
  h: 3_600_000_000,
  day: 86_400_000_000,
  d: 86_400_000_000,
  week: 7 * 86_400_000_000,
};

/**
 * A duration as Spark writes them in `window`, `withWatermark` and triggers ('10 minutes',
 * '1 hour 30 minutes', '500 milliseconds', 'interval 5 seconds'), in microseconds. A number is
 * taken as milliseconds. `what` names the argument in errors.
 */
export function parseDurationMicros(text: string | number, what: string): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw invalidOption(`${what}: ${text} is not a duration (milliseconds >= 0)`);
    return Math.round(text * 1000);
  }
  const words = text.trim().toLowerCase().replace(/^interval\s+/, '');
  const re = /(-?\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let total = 0;
  let matched = '';
  for (const m of words.matchAll(re)) {
    const unit = m[2].replace(/s$/, '');
    const micros = UNIT_MICROS[unit] ?? UNIT_MICROS[m[2]];
    if (micros === undefined) throw invalidOption(`${what}: unknown unit '${m[2]}' in '${text}' (use milliseconds, seconds, minutes, hours, days or weeks)`);
    total += Number(m[1]) * micros;
    matched += m[0];
  }
  if (matched.replace(/\s/g, '') !== words.replace(/\s/g, '') || words === '') {
    throw invalidOption(`${what}: '${text}' is not a duration such as '10 seconds' or '1 hour 30 minutes'`);
  }
  if (total < 0) throw invalidOption(`${what}: '${text}' is negative`);
  return Math.round(total);
}

export function parseDurationMs(text: string | number, what: string): number {
  return Math.round(parseDurationMicros(text, what) / 1000);
}
