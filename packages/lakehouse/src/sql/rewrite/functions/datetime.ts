/** Dates and timestamps: arithmetic, fields, truncation, parsing and formatting, epoch conversions, time zones. */
import { isWord } from '../../parse/lexer.js';
import type { Call } from '../call.js';
import { identName, sqlString } from '../tokens.js';
import { formatTimestamp, parsePatterns } from './datetime-patterns.js';
import { bind, type Rule, sparkFunctionError } from './rule.js';

export const DATETIME_RULES: readonly (readonly [string, Rule])[] = [
  // Spark accepts the call form; DuckDB only the keyword.
  ['current_timestamp', { args: [0, 0], to: () => 'current_timestamp' }],
  // DuckDB's own forms are left alone: datediff(part, start, end), date_sub(part, start, end),
  // date_add(date, INTERVAL ...). Spark writes the unit of its three-argument forms as a keyword
  // (`datediff(MONTH, a, b)`; a quoted unit is a Spark syntax error), so a quoted one is DuckDB's:
  // DuckDB counts the unit boundaries crossed, Spark the whole units elapsed.
  ['datediff', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampDiff(c) : daysBetween(c)), }],
  ['date_diff', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampDiff(c) : daysBetween(c)), }],
  ['timestampdiff', { args: [3, 3], to: timestampDiff }],
  ['date_add', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampAdd(c) : addDays(c)), notACall: (c) => c.args.length === 2 && isWord(c.first(1), 'INTERVAL') }],
  // Databricks' dateadd(date, days) is date_add's synonym.
  ['dateadd', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampAdd(c) : addDays(c)) }],
  ['timestampadd', { args: [3, 3], to: timestampAdd }],
  ['date_sub', { args: [2, 2], to: (c) => `(${toDate(c.sql(0))} - ${days(c)})`, notACall: (c) => c.args.length === 3 }],
  // Both clamp to the month's last day (2016-08-31 + 1 month = 2016-09-30), as Spark 3 does.
  ['add_months', { args: [2, 2], to: (c) => `CAST(${toDate(c.sql(0))} + to_months(CAST(${c.sql(1)} AS INTEGER)) AS DATE)` }],
  ['to_date', { args: [1, 2], to: (c) => (c.args.length === 1 ? toDate(c.sql(0)) : `CAST(${parseTimestamp(c, 0, c.pattern(1))} AS DATE)`) }],
  // Numbers are seconds since the epoch in both (DuckDB's to_timestamp(n) is left alone).
  ['to_timestamp', { args: [1, 2], to: (c) => (c.args.length === 1 ? toTimestamp(c.sql(0)) : parseTimestamp(c, 0, c.pattern(1))), notACall: (c) => c.args.length === 1 && c.sig(0).length === 1 && c.first(0)?.kind === 'number' }],
  ['unix_timestamp', { args: [0, 2], to: unixTimestamp }],
  ['from_unixtime', { args: [1, 2], to: (c) => formatTimestamp(`to_timestamp(CAST(${c.sql(0)} AS BIGINT))`, c.args.length === 2 ? c.pattern(1) : DEFAULT_PATTERN, c.name) }],
  ['date_format', { args: [2, 2], to: (c) => formatTimestamp(`TRY_CAST(${c.sql(0)} AS TIMESTAMPTZ)`, c.pattern(1), c.name) }],
  // --- Dates and timestamps -------------------------------------------------------------------
  // Spark: 1 = Sunday ... 7 = Saturday; DuckDB's dayofweek is 0 = Sunday.
  ['dayofweek', { args: [1, 1], to: (c) => `(dayofweek(${toDate(c.sql(0))}) + 1)` }],
  // Spark: 0 = Monday ... 6 = Sunday; DuckDB's weekday is its dayofweek (0 = Sunday).
  ['weekday', { args: [1, 1], to: (c) => `(isodow(${toDate(c.sql(0))}) - 1)` }],
  // DuckDB cannot tell which type a string literal stands for; Spark casts it.
  ...(['year', 'quarter', 'month', 'day', 'dayofmonth', 'dayofyear', 'weekofyear'] as const).map((fn): [string, Rule] => [fn, { args: [1, 1], to: (c) => `${fn}(${toDate(c.sql(0))})`, notACall: (c) => !c.isString(0) }]),
  ...(['hour', 'minute', 'second'] as const).map((fn): [string, Rule] => [fn, { args: [1, 1], to: (c) => `${fn}(${localTimestamp(c.sql(0))})`, notACall: (c) => !c.isString(0) }]),
  ['last_day', { args: [1, 1], to: (c) => `last_day(${toDate(c.sql(0))})` }],
  ['extract', { args: [1, 1], to: extract, notACall: (c) => extractParts(c) === undefined }],
  ['date_part', { args: [2, 2], to: datePart, notACall: (c) => datePartField(c) === undefined }],
  ['date_trunc', { args: [2, 2], to: dateTrunc, notACall: (c) => !c.isString(1) && DUCKDB_TRUNC_UNITS.has((c.literal(0) ?? '').toLowerCase()) }],
  // trunc(number[, digits]) is DuckDB's; Spark's trunc(date, fmt) takes a unit string.
  ['trunc', { args: [2, 2], to: truncDate, notACall: (c) => !c.isString(1) }],
  ['months_between', { args: [2, 3], to: monthsBetween }],
  ['next_day', { args: [2, 2], to: nextDay }],
  // make_timestamp's seventh argument is a time zone, which DuckDB's make_timestamp lacks.
  // (DuckDB's make_timestamp(micros) is left as it is.)
  ['make_timestamp', { args: [6, 7], to: makeTimestamp, notACall: (c) => c.args.length < 6 }],
  // Spark keeps whole microseconds, cut (not rounded) from the seconds.
  ['timestamp_seconds', { args: [1, 1], to: (c) => `timezone('UTC', make_timestamp(CAST(trunc(CAST(${c.sql(0)} AS DOUBLE) * 1000000) AS BIGINT)))` }],
  // With ANSI off a date that does not exist is NULL.
  ['make_date', { args: [3, 3], to: (c) => `try(make_date(${c.sqls().map((a) => `CAST(${a} AS INTEGER)`).join(', ')}))` }],
  ['timestamp_millis', { args: [1, 1], to: (c) => `(to_timestamp(0) + to_milliseconds(CAST(${c.sql(0)} AS BIGINT)))` }],
  ['timestamp_micros', { args: [1, 1], to: (c) => `(to_timestamp(0) + to_microseconds(CAST(${c.sql(0)} AS BIGINT)))` }],
  // Spark floors to the unit (before 1970 too).
  ['unix_seconds', { args: [1, 1], to: (c) => `CAST(floor(epoch(${instant(c.sql(0))})) AS BIGINT)` }],
  ['unix_millis', { args: [1, 1], to: (c) => `CAST(floor(epoch_us(${instant(c.sql(0))}) / 1000) AS BIGINT)` }],
  ['unix_micros', { args: [1, 1], to: (c) => `epoch_us(${instant(c.sql(0))})` }],
  ['unix_date', { args: [1, 1], to: (c) => `CAST(date_diff('day', DATE '1970-01-01', ${toDate(c.sql(0))}) AS INTEGER)` }],
  ['date_from_unix_date', { args: [1, 1], to: (c) => `(DATE '1970-01-01' + CAST(${c.sql(0)} AS INTEGER))` }],
  // The wall clock of the instant in one zone read as a wall clock in the other.
  ['from_utc_timestamp', { args: [2, 2], to: (c) => `timezone('UTC', timezone(${c.sql(1)}, ${instant(c.sql(0))}))` }],
  ['to_utc_timestamp', { args: [2, 2], to: (c) => `timezone(${c.sql(1)}, timezone('UTC', ${instant(c.sql(0))}))` }],
];

/** Spark's `yyyy-MM-dd HH:mm:ss`, the pattern unix_timestamp and from_unixtime default to. */
const DEFAULT_PATTERN = 'yyyy-MM-dd HH:mm:ss';

function toTimestamp(x: string): string {
  const numeric = `typeof(${x}) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE') OR typeof(${x}) LIKE 'DECIMAL%'`;
  return `CASE WHEN ${numeric} THEN to_timestamp(TRY_CAST(${x} AS DOUBLE)) ELSE TRY_CAST(${x} AS TIMESTAMPTZ) END`;
}

function toDate(sql: string): string {
  return `TRY_CAST(${sql} AS DATE)`;
}

function unixTimestamp(c: Call): string {
  const ts = c.args.length === 0 ? 'current_timestamp' : parseTimestamp(c, 0, c.args.length === 2 ? c.pattern(1) : DEFAULT_PATTERN);
  return `CAST(floor(epoch(${ts})) AS BIGINT)`;
}

/**
 * Argument `i` as a TIMESTAMPTZ: a string is parsed with the pattern; a date or timestamp is taken
 * as it is (Spark ignores the pattern for them).
 */
function parseTimestamp(c: Call, i: number, pattern: string): string {
  const x = c.sql(i);
  const tries = parsePatterns(pattern, c.name).map(({ format, zulu, defaultYear }) => {
    const text = zulu ? `regexp_replace(CAST(${x} AS VARCHAR), 'Z$', '+00:00')` : `CAST(${x} AS VARCHAR)`;
    return defaultYear ? `CAST(try_strptime('1970 ' || ${text}, ${sqlString(`%Y ${format}`)}) AS TIMESTAMPTZ)` : `CAST(try_strptime(${text}, ${sqlString(format)}) AS TIMESTAMPTZ)`;
  });
  const parsed = tries.length === 1 ? tries[0] : `coalesce(${tries.join(', ')})`;
  return c.isString(i) ? parsed : `CASE WHEN typeof(${x}) LIKE 'VARCHAR%' THEN ${parsed} ELSE TRY_CAST(${x} AS TIMESTAMPTZ) END`;
}

/** A Spark TIMESTAMP (an instant): strings parsed in the session time zone, offsets honoured. */
function instant(sql: string): string {
  return `TRY_CAST(${sql} AS TIMESTAMPTZ)`;
}

/** The wall clock of a Spark TIMESTAMP in the session time zone, whose fields Spark reads. */
function localTimestamp(sql: string): string {
  return `CAST(${instant(sql)} AS TIMESTAMP)`;
}

/** Spark's datetime fields (date_part, EXTRACT) by DuckDB's name for them. */
const SPARK_FIELDS = new Map<string, string>([
  ...['year', 'y', 'years', 'yr', 'yrs'].map((f): [string, string] => [f, 'year']),
  ['yearofweek', 'isoyear'],
  ...['quarter', 'qtr'].map((f): [string, string] => [f, 'quarter']),
  ...['month', 'mon', 'mons', 'months'].map((f): [string, string] => [f, 'month']),
  ...['week', 'w', 'weeks'].map((f): [string, string] => [f, 'week']),
  ...['day', 'd', 'days'].map((f): [string, string] => [f, 'day']),
  ...['dayofweek', 'dow'].map((f): [string, string] => [f, 'dow']),
  ...['dayofweek_iso', 'dow_iso'].map((f): [string, string] => [f, 'isodow']),
  ['doy', 'doy'],
  ...['hour', 'h', 'hours', 'hr', 'hrs'].map((f): [string, string] => [f, 'hour']),
  ...['minute', 'm', 'min', 'mins', 'minutes'].map((f): [string, string] => [f, 'minute']),
  ...['second', 's', 'sec', 'seconds', 'secs'].map((f): [string, string] => [f, 'second']),
]);

/**
 * A datetime field of `source` as Spark reads it: the day of the week counts from 1 (Sunday) and
 * the seconds keep their fraction; undefined when DuckDB reads the field the same way already.
 */
function fieldSql(field: string, source: string, sourceIsString: boolean): string | undefined {
  const part = SPARK_FIELDS.get(field.toLowerCase());
  if (part === undefined || (part === field.toLowerCase() && part !== 'dow' && part !== 'second' && !sourceIsString)) return undefined;
  const x = sourceIsString ? localTimestamp(source) : source;
  if (part === 'dow') return `(date_part('dow', ${x}) + 1)`;
  if (part === 'second') return `CAST(date_part('microseconds', ${x}) / 1000000 AS DECIMAL(8, 6))`;
  return `date_part('${part}', ${x})`;
}

/** `EXTRACT(field FROM source)` as Spark reads the field, or undefined when DuckDB's answer is Spark's. */
function extractParts(c: Call): string | undefined {
  const s = c.sig(0);
  const field = identName(s[0]) ?? (s[0]?.kind === 'string' ? s[0].value : undefined);
  if (field === undefined || !isWord(s[1], 'FROM') || s.length < 3) return undefined;
  return fieldSql(field, c.from(0, 2), s.length === 3 && s[2].kind === 'string');
}

function extract(c: Call): string {
  return extractParts(c) ?? '';
}

function datePartField(c: Call): string | undefined {
  const field = c.literal(0);
  return field === undefined ? undefined : fieldSql(field, c.sql(1), c.isString(1));
}

function datePart(c: Call): string {
  return datePartField(c) ?? '';
}

/** Spark's date_trunc units by DuckDB's. */
const TRUNC_UNITS = new Map([
  ['year', 'year'], ['yyyy', 'year'], ['yy', 'year'], ['quarter', 'quarter'], ['month', 'month'], ['mm', 'month'], ['mon', 'month'],
  ['week', 'week'], ['day', 'day'], ['dd', 'day'], ['hour', 'hour'], ['minute', 'minute'], ['second', 'second'],
  ['millisecond', 'millisecond'], ['microsecond', 'microsecond'],
]);
/** Units date_trunc reads as Spark does in both (a date_trunc with one of these is DuckDB's own too). */
const DUCKDB_TRUNC_UNITS = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond']);

/** date_trunc(unit, ts): a timestamp; a unit Spark does not know gives NULL. */
function dateTrunc(c: Call): string {
  const ts = instant(c.sql(1));
  const unit = c.literal(0);
  if (unit !== undefined) {
    const u = TRUNC_UNITS.get(unit.toLowerCase());
    return u === undefined ? 'CAST(NULL AS TIMESTAMPTZ)' : `date_trunc('${u}', ${ts})`;
  }
  const byUnit = new Map<string, string[]>();
  for (const [spark, duck] of TRUNC_UNITS) byUnit.set(duck, [...(byUnit.get(duck) ?? []), spark.toUpperCase()]);
  const f = `upper(${c.sql(0)})`;
  return `CASE ${[...byUnit].map(([duck, names]) => `WHEN ${f} IN (${names.map(sqlString).join(', ')}) THEN date_trunc('${duck}', ${ts})`).join(' ')} END`;
}

/** Spark's trunc(date, unit) units: a date, truncated to a year, quarter, month or week. */
const DATE_TRUNC_UNITS = new Map([['year', 'year'], ['yyyy', 'year'], ['yy', 'year'], ['quarter', 'quarter'], ['month', 'month'], ['mm', 'month'], ['mon', 'month'], ['week', 'week']]);

function truncDate(c: Call): string {
  const unit = DATE_TRUNC_UNITS.get((c.literal(1) ?? '').toLowerCase());
  return unit === undefined ? 'CAST(NULL AS DATE)' : `CAST(date_trunc('${unit}', ${toDate(c.sql(0))}) AS DATE)`;
}

/**
 * Spark: whole months when both are the same day of the month or both a month's last day;
 * otherwise the days and seconds between count 31 days a month, rounded to 8 digits by default.
 */
function monthsBetween(c: Call): string {
  let round: boolean | undefined = true;
  if (c.args.length === 3) {
    const s = c.sig(2);
    round = s.length === 1 && isWord(s[0], 'TRUE', 'FALSE') ? isWord(s[0], 'TRUE') : undefined;
  }
  return bind(c, [localTimestamp(c.sql(0)), localTimestamp(c.sql(1))], ([a, b]) => {
    const months = (x: string) => `(year(${x}) * 12 + month(${x}))`;
    const lastDay = (x: string) => `day(${x}) = day(last_day(${x}))`;
    const seconds = (x: string) => `(hour(${x}) * 3600 + minute(${x}) * 60 + second(${x}))`;
    const diff = `CAST(${months(a)} - ${months(b)} AS DOUBLE)`;
    const raw = `CASE WHEN day(${a}) = day(${b}) OR (${lastDay(a)} AND ${lastDay(b)}) THEN ${diff} ELSE ${diff} + ((day(${a}) - day(${b})) * 86400 + ${seconds(a)} - ${seconds(b)}) / 2678400 END`;
    // Java's Math.round: half up.
    const rounded = `floor((${raw}) * 1e8 + 0.5) / 1e8`;
    return round === true ? rounded : round === false ? raw : `CASE WHEN ${c.sql(2)} THEN ${rounded} ELSE ${raw} END`;
  });
}

/** Spark's day names (two letters, three letters, the whole name) by DuckDB's dayofweek. */
const DAYS_OF_WEEK: readonly (readonly [number, readonly string[]])[] = [
  [0, ['SU', 'SUN', 'SUNDAY']], [1, ['MO', 'MON', 'MONDAY']], [2, ['TU', 'TUE', 'TUESDAY']], [3, ['WE', 'WED', 'WEDNESDAY']],
  [4, ['TH', 'THU', 'THURSDAY']], [5, ['FR', 'FRI', 'FRIDAY']], [6, ['SA', 'SAT', 'SATURDAY']],
];

/** The first date after the date that is the given day of the week (NULL for a name Spark does not know). */
function nextDay(c: Call): string {
  const literal = c.literal(1);
  let target: string;
  if (literal !== undefined) {
    const day = DAYS_OF_WEEK.find(([, names]) => names.includes(literal.toUpperCase()));
    if (!day) return 'CAST(NULL AS DATE)';
    target = String(day[0]);
  } else {
    const name = `upper(${c.sql(1)})`;
    target = `CASE ${DAYS_OF_WEEK.map(([n, names]) => `WHEN ${name} IN (${names.map(sqlString).join(', ')}) THEN ${n}`).join(' ')} END`;
  }
  return bind(c, [toDate(c.sql(0))], ([d]) => `${d} + CAST((${target} - dayofweek(${d}) + 6) % 7 + 1 AS INTEGER)`);
}

/** Spark's datetime unit keywords (timestampadd, timestampdiff and their synonyms). */
const UNITS = new Set(['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DAYOFYEAR', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND']);

/** The unit keyword of a three-argument datetime call, upper case; undefined when the unit is not one. */
function unitWord(c: Call): string | undefined {
  const s = c.sig(0);
  return s.length === 1 && s[0].kind === 'word' && UNITS.has(s[0].text.toUpperCase()) ? s[0].text.toUpperCase() : undefined;
}

/** The unit of timestampadd / timestampdiff: a keyword, or (DuckDB lacks these names) a quoted one. */
function unitOf(c: Call): string {
  const unit = unitWord(c);
  // Spark's grammar takes the unit as a keyword only: a quoted one is a parse error there.
  if (unit === undefined) throw sparkFunctionError(c.name, `the unit must be one of ${[...UNITS].join(', ')}, unquoted`);
  return unit;
}

/** DuckDB's interval for a Spark unit, n of them. */
const INTERVALS = new Map<string, (n: string) => string>([
  ['YEAR', (n) => `to_years(CAST(${n} AS INTEGER))`],
  ['QUARTER', (n) => `to_months(CAST(${n} AS INTEGER) * 3)`],
  ['MONTH', (n) => `to_months(CAST(${n} AS INTEGER))`],
  ['WEEK', (n) => `to_weeks(CAST(${n} AS INTEGER))`],
  ['DAY', (n) => `to_days(CAST(${n} AS INTEGER))`],
  ['DAYOFYEAR', (n) => `to_days(CAST(${n} AS INTEGER))`],
  ['HOUR', (n) => `to_hours(CAST(${n} AS BIGINT))`],
  ['MINUTE', (n) => `to_minutes(CAST(${n} AS BIGINT))`],
  ['SECOND', (n) => `to_seconds(CAST(${n} AS BIGINT))`],
  ['MILLISECOND', (n) => `to_milliseconds(CAST(${n} AS BIGINT))`],
  ['MICROSECOND', (n) => `to_microseconds(CAST(${n} AS BIGINT))`],
]);

/** timestampadd(unit, n, ts): months clamp to the month's last day, days follow the calendar. */
function timestampAdd(c: Call): string {
  const interval = INTERVALS.get(unitOf(c));
  if (!interval) throw sparkFunctionError(c.name, 'unknown unit');
  return `(${instant(c.sql(2))} + ${interval(c.sql(1))})`;
}

/** Microseconds in each unit timestampdiff counts exactly (a day is 86400 seconds). */
const UNIT_MICROS = new Map([['MICROSECOND', 1], ['MILLISECOND', 1000], ['SECOND', 1e6], ['MINUTE', 6e7], ['HOUR', 3.6e9], ['DAY', 8.64e10], ['WEEK', 6.048e11]]);

/** timestampdiff(unit, start, end): whole units elapsed, toward zero (DuckDB's date_diff counts boundaries). */
function timestampDiff(c: Call): string {
  const unit = unitOf(c);
  const micros = UNIT_MICROS.get(unit);
  if (micros !== undefined) return `((epoch_us(${instant(c.sql(2))}) - epoch_us(${instant(c.sql(1))})) // ${micros})`;
  if (unit === 'DAYOFYEAR') throw sparkFunctionError(c.name, 'DAYOFYEAR is not a unit to count');
  const months = monthsElapsed(c, localTimestamp(c.sql(1)), localTimestamp(c.sql(2)));
  return unit === 'MONTH' ? months : `(${months} // ${unit === 'QUARTER' ? 3 : 12})`;
}

/**
 * Whole months from `a` to `b` as Java's LocalDateTime.until counts them (so Spark): a month has
 * passed when the day of the month and the time of day have come round again; the end date first
 * moves a day toward the start when its time of day has not reached the start's.
 */
function monthsElapsed(c: Call, a: string, b: string): string {
  return bind(c, [a, b], ([x, y]) => {
    const [dx, dy, tx, ty] = [`CAST(${x} AS DATE)`, `CAST(${y} AS DATE)`, `CAST(${x} AS TIME)`, `CAST(${y} AS TIME)`];
    const end = `CASE WHEN ${dy} > ${dx} AND ${ty} < ${tx} THEN ${dy} - 1 WHEN ${dy} < ${dx} AND ${ty} > ${tx} THEN ${dy} + 1 ELSE ${dy} END`;
    const packed = (d: string) => `((year(${d}) * 12 + month(${d})) * 32 + day(${d}))`;
    return `(${bind(c, [end], ([e]) => packed(e))} - ${packed(dx)}) // 32`;
  });
}

/** Spark's two-argument date_add(date, days): a date. */
function addDays(c: Call): string {
  return `(${toDate(c.sql(0))} + ${days(c)})`;
}

/**
 * The days of date_add / date_sub: Spark takes an INT, SMALLINT or TINYINT (or a string literal
 * of an integer) and refuses any other type, a BIGINT or a string column included.
 */
function days(c: Call): string {
  const literal = c.literal(1);
  if (literal !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(literal)) throw sparkFunctionError(c.name, `'${literal}' is not an integer number of days`);
    return `CAST(${c.sql(1)} AS INTEGER)`;
  }
  const x = c.sql(1);
  return `CASE WHEN typeof(${x}) IN ('INTEGER', 'SMALLINT', 'TINYINT', '"NULL"') THEN CAST(${x} AS INTEGER) ELSE error('${c.name}(): the days must be an INT, SMALLINT or TINYINT, as in Spark') END`;
}

/** Spark's two-argument datediff(end, start): days. */
function daysBetween(c: Call): string {
  return `date_diff('day', ${toDate(c.sql(1))}, ${toDate(c.sql(0))})`;
}

/**
 * make_timestamp: NULL for fields out of range (ANSI off); 60 seconds is the next minute, as in
 * Spark, and anything past it NULL.
 */
function makeTimestamp(c: Call): string {
  const [y, mo, d, h, mi, sec, zone] = c.sqls();
  const make = (s: string) => `try(make_timestamptz(${[y, mo, d, h, mi, s, ...(zone !== undefined ? [zone] : [])].join(', ')}))`;
  return `CASE WHEN ${sec} = 60 THEN ${make('0')} + INTERVAL 1 MINUTE WHEN ${sec} > 60 OR ${sec} < 0 THEN NULL ELSE ${make(sec)} END`;
}
