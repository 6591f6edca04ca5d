import { sqlIdent } from '@loch/engine-node';
import { invalidOption } from '../errors.js';
import { parseDurationMicros } from './durations.js';

/** A time window over an event-time column, as Spark's `window(col, duration[, slide[, start]])`. */
export interface WindowColumn {
  readonly kind: 'window';
  readonly column: string;
  readonly sizeMicros: number;
  readonly slideMicros: number;
  readonly startMicros: number;
}

/**
 * Spark's `window` for `groupBy`: tumbling windows of `windowDuration` ('5 minutes'), or
 * sliding ones every `slideDuration`; windows start at multiples of the slide after the epoch,
 * shifted by `startTime`. A row falls in every window with start <= time < end; rows whose time
 * is NULL fall in none. The output column `window` is a struct of `start` and `end`.
 */
export function window(column: string, windowDuration: string, slideDuration?: string, startTime?: string): WindowColumn {
  const sizeMicros = parseDurationMicros(windowDuration, `window(${column}) duration`);
  const slideMicros = slideDuration === undefined ? sizeMicros : parseDurationMicros(slideDuration, `window(${column}) slide`);
  const startMicros = startTime === undefined ? 0 : parseDurationMicros(startTime, `window(${column}) startTime`);
  if (sizeMicros <= 0) throw invalidOption(`window(${column}): the duration must be positive, got '${windowDuration}'`);
  if (slideMicros <= 0 || slideMicros > sizeMicros) throw invalidOption(`window(${column}): the slide must be positive and at most the duration, got '${slideDuration}'`);
  if (startMicros >= slideMicros) throw invalidOption(`window(${column}): startTime must be less than the slide, got '${startTime}'`);
  return { kind: 'window', column, sizeMicros, slideMicros, startMicros };
}

export function isWindow(v: unknown): v is WindowColumn {
  return typeof v === 'object' && v !== null && (v as WindowColumn).kind === 'window';
}

/** The column holding a row's window start (epoch microseconds) in expanded rows and in state. */
export const WINDOW_START = '__window_start';

/**
 * `relation`'s rows, each repeated for every window it falls in, with the window's start in
 * WINDOW_START. Rows without an event time are left out (they fall in no window). DuckDB SQL.
 */
export function expandWindows(w: WindowColumn, relation: string): string {
  const t = `epoch_us(${sqlIdent(w.column)})`;
  const lastStart = `(${t} - ((((${t} - ${w.startMicros}) % ${w.slideMicros}) + ${w.slideMicros}) % ${w.slideMicros}))`;
  if (w.slideMicros === w.sizeMicros) {
    return `SELECT *, ${lastStart} AS ${WINDOW_START} FROM ${relation} WHERE ${sqlIdent(w.column)} IS NOT NULL`;
  }
  const n = Math.ceil(w.sizeMicros / w.slideMicros);
  return `SELECT * EXCLUDE (__t, __last, __i), __last - __i * ${w.slideMicros} AS ${WINDOW_START}
  FROM (SELECT *, ${t} AS __t, ${lastStart} AS __last FROM ${relation} WHERE ${sqlIdent(w.column)} IS NOT NULL) AS __rows,
       range(0, ${n}) AS __w(__i)
  WHERE __last - __i * ${w.slideMicros} + ${w.sizeMicros} > __t`;
}

/** The `window` struct (start, end) from WINDOW_START, typed like the event-time column (`columnType`). DuckDB SQL. */
export function windowStruct(w: WindowColumn, columnType: string): string {
  const type = /WITH TIME ZONE|TIMESTAMPTZ/i.test(columnType) ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  return `struct_pack("start" := make_timestamp(${WINDOW_START})::${type}, "end" := make_timestamp(${WINDOW_START} + ${w.sizeMicros})::${type})`;
}
