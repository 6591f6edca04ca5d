import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { translateSparkFunctions } from '../../../src/sql/rewrite/translate.js';
import { read, spark, one, TABLE, fails } from './spark.js';

test('datediff, date_add, date_sub, add_months: days and months on dates', async () => {
  // Spark docs' examples.
  assert.deepEqual(
    await one(`SELECT datediff('2009-07-31', '2009-07-30') AS a, datediff('2009-07-30', '2009-07-31') AS b, date_add('2016-07-30', 1) AS c,
                      date_sub('2016-07-30', 1) AS d, add_months('2016-08-31', 1) AS e, add_months('2016-02-29', 1) AS f`),
    { a: 1, b: -1, c: '2016-07-31', d: '2016-07-29', e: '2016-09-30', f: '2016-03-29' },
  );
  // Timestamps count by their date; bad strings are NULL.
  assert.deepEqual(await one(`SELECT datediff(TIMESTAMP '2020-03-01 23:59:00', '2020-02-28 00:01:00') AS a, date_add(TIMESTAMP '2020-12-31 12:00:00', 2) AS b, date_sub('nope', 1) AS c`), {
    a: 2,
    b: '2021-01-02',
    c: null,
  });
  fails('SELECT datediff(a)', /^datediff\(\): takes 2 to 3 arguments, got 1$/);
});

test('to_date, to_timestamp, unix_timestamp, from_unixtime with Spark patterns (session time zone UTC)', async () => {
  assert.deepEqual(
    await one(`SELECT to_date('2009-07-30 04:17:52') AS a, to_date('2016-12-31', 'yyyy-MM-dd') AS b, to_timestamp('2016-12-31 00:12:00') AS c,
                      to_timestamp('2016-12-31', 'yyyy-MM-dd') AS d, to_date('31/12/2016', 'dd/MM/yyyy') AS e, to_date('2016-12-31', 'dd/MM/yyyy') AS f`),
    { a: '2009-07-30', b: '2016-12-31', c: '2016-12-31 00:12:00+00', d: '2016-12-31 00:00:00+00', e: '2016-12-31', f: null },
  );
  // Spark's docs show 1460098800 and 1969-12-31 16:00:00 in America/Los_Angeles; these are the UTC answers.
  assert.deepEqual(
    await one(`SELECT unix_timestamp('2016-04-08', 'yyyy-MM-dd') AS a, unix_timestamp('2016-04-08 00:00:01') AS b, from_unixtime(0, 'yyyy-MM-dd HH:mm:ss') AS c,
                      from_unixtime(1460073600) AS d, from_unixtime(NULL) AS e`),
    { a: 1460073600, b: 1460073601, c: '1970-01-01 00:00:00', d: '2016-04-08 00:00:00', e: null },
  );
  const now = (await one('SELECT unix_timestamp() AS n')) as { n: number };
  assert.ok(Math.abs(now.n - Date.now() / 1000) < 60);
  // Strings are parsed with the pattern; timestamps and dates are taken as they are.
  assert.deepEqual(
    await spark(`SELECT id, unix_timestamp(ts) AS a, to_date(ts, 'yyyy') AS b, to_timestamp(s, 'yyyy-MM-dd') AS c, to_date(s, 'dd/MM/yyyy') AS d FROM t ORDER BY id`, TABLE),
    [
      { id: 1, a: 1460109600, b: '2016-04-08', c: '2016-04-08 00:00:00+00', d: null },
      { id: 2, a: null, b: null, c: null, d: null },
      { id: 3, a: null, b: null, c: null, d: '2016-04-08' },
    ],
  );
  // Fractions, quoted literals, offsets: an ISO instant ending in Z, and in +HH:MM.
  assert.deepEqual(
    await one(`SELECT to_timestamp('2020-01-01T10:00:00.123Z', "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") AS a, to_timestamp('2020-01-01 10:00:00.123456 +05:30', 'yyyy-MM-dd HH:mm:ss.SSSSSS xxx') AS b,
                      to_timestamp('Jan 5 2020 3PM', 'MMM d yyyy ha') AS c, to_timestamp('2020 day 005', "yyyy 'day' DDD") AS d`),
    { a: '2020-01-01 10:00:00.123+00', b: '2020-01-01 04:30:00.123456+00', c: '2020-01-05 15:00:00+00', d: '2020-01-05 00:00:00+00' },
  );
  fails("SELECT to_date(s, 'yyyy-MM-dd XXX HH')", /^to_date\(\): the offset 'XXX' must end the datetime pattern 'yyyy-MM-dd XXX HH' to be parsed$/);
  fails('SELECT unix_timestamp(1, 2, 3)', /^unix_timestamp\(\): takes 0 to 2 arguments, got 3$/);
});

test('date_format: Spark pattern letters, quotes and % in DuckDB strftime', async () => {
  const ts = `TIMESTAMP '2016-04-08 13:05:09.123456'`;
  assert.deepEqual(
    await one(`SELECT date_format('2016-04-08', 'y') AS a, date_format(${ts}, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") AS b,
                      date_format(${ts}, 'EEE, d MMM yy h:m:s a') AS c, date_format(${ts}, 'EEEE MMMM D DDD H') AS d,
                      date_format(${ts}, "yyyy%MM 'it''s' '' SSSSSS") AS e, date_format(${ts}, 'Z x xx xxx X VV') AS f, date_format(NULL, 'yyyy') AS g`),
    {
      a: '2016',
      b: '2016-04-08T13:05:09.123Z',
      c: 'Fri, 8 Apr 16 1:5:9 PM',
      d: 'Friday April 99 099 13',
      e: "2016%04 it's ' 123456",
      f: '+0000 +00 +0000 +00:00 Z UTC',
      g: null,
    },
  );
  // Offsets in another session time zone (Spark formats in the session's zone too).
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run("SET TimeZone = 'Asia/Kolkata'");
    const sql = translateSparkFunctions(`SELECT date_format(TIMESTAMP '2016-04-08 13:05:09', 'HH:mm Z|x|xx|xxx|X|XX|XXX|VV') AS a, date_format(from_unixtime(0), 'HH:mm') AS b`);
    assert.deepEqual(await read(c, sql), [{ a: '13:05 +0530|+0530|+0530|+05:30|+0530|+0530|+05:30|Asia/Kolkata', b: '05:30' }]);
  } finally {
    c.closeSync();
  }
});

test('datetime patterns: letters without a DuckDB equivalent and patterns not literal are errors', () => {
  fails("SELECT date_format(ts, 'yyyy zzzz')", /^date_format\(\): the datetime pattern 'yyyy zzzz' uses 'zzzz', which DuckDB has no equivalent for$/);
  fails("SELECT to_timestamp(s, 'yyyy-MM-dd QQ')", /cannot be parsed by DuckDB's strptime/);
  fails("SELECT to_timestamp(s, 'yyyy{MM}')", /^to_timestamp\(\): the datetime pattern 'yyyy\{MM\}' uses '\{' \(an optional section or a reserved character\)/);
  fails(`SELECT date_format(ts, "yyyy 'open")`, /^date_format\(\): the datetime pattern 'yyyy 'open' has an unclosed quote$/);
  fails('SELECT date_format(ts, fmt) FROM t', /^date_format\(\): the datetime pattern must be a string literal \(a pattern computed at run time cannot be translated\)$/);
  fails("SELECT to_date(s, concat('yyyy', '-MM')) FROM t", /^to_date\(\): the datetime pattern must be a string literal/);
});

test('dayofweek counts from Sunday = 1, weekday from Monday = 0; date parts of strings; EXTRACT / date_part fields', async () => {
  assert.deepEqual(
    await one(`SELECT dayofweek('2009-07-30') AS a, weekday('2009-07-30') AS b, dayofmonth('2009-07-30') AS c, year('2016-07-30') AS d, month('2016-07-30') AS e,
                      quarter('2016-08-31') AS f, dayofyear('2016-04-09') AS g, weekofyear('2008-02-20') AS h, hour('2009-07-30 12:58:59') AS i,
                      minute('2009-07-30 12:58:59') AS j, second('2009-07-30 12:58:59') AS k, last_day('2009-01-12') AS l, day('2009-07-30') AS m`),
    { a: 5, b: 3, c: 30, d: 2016, e: 7, f: 3, g: 100, h: 8, i: 12, j: 58, k: 59, l: '2009-01-31', m: 30 },
  );
  // Columns: a Sunday, and a timestamp read in the session time zone.
  assert.deepEqual(await one(`SELECT dayofweek(d) AS a, weekday(d) AS b, dayofweek(ts) AS c, weekday(ts) AS e, year(d) AS f FROM s`, "CREATE TEMP TABLE s AS SELECT DATE '2009-07-26' AS d, TIMESTAMPTZ '2009-07-25 23:00:00+00' AS ts"), {
    a: 1,
    b: 6,
    c: 7,
    e: 5,
    f: 2009,
  });
  assert.deepEqual(
    await one(`SELECT extract(DOW FROM DATE '2009-07-30') AS a, extract(SECOND FROM TIMESTAMP '2019-10-01 00:00:01.000001') AS b, date_part('dayofweek', DATE '2009-07-30') AS c,
                      date_part('SECONDS', TIMESTAMP '2019-10-01 00:00:01.000001') AS d, extract(YEAR FROM DATE '2019-10-01') AS e, date_part('YEAR', TIMESTAMP '2019-08-12 01:00:00.123456') AS f,
                      date_part('week', TIMESTAMP '2019-08-12 01:00:00.123456') AS g, date_part('doy', DATE '2019-08-12') AS h, extract(DOW_ISO FROM DATE '2009-07-26') AS i, extract(MINUTE FROM '2019-10-01 00:05:00') AS j`),
    { a: 5, b: 1.000001, c: 5, d: 1.000001, e: 2019, f: 2019, g: 33, h: 224, i: 7, j: 5 },
  );
});

test('date_trunc and trunc with Spark unit names, months_between, next_day', async () => {
  assert.deepEqual(
    await one(`SELECT date_trunc('YEAR', '2015-03-05T09:32:05.359') AS a, date_trunc('MM', '2015-03-05T09:32:05.359') AS b, date_trunc('DD', '2015-03-05T09:32:05.359') AS c,
                      date_trunc('HOUR', '2015-03-05T09:32:05.359') AS d, date_trunc('MILLISECOND', '2015-03-05T09:32:05.123456') AS e, date_trunc('nope', '2015-03-05') AS f`),
    { a: '2015-01-01 00:00:00+00', b: '2015-03-01 00:00:00+00', c: '2015-03-05 00:00:00+00', d: '2015-03-05 09:00:00+00', e: '2015-03-05 09:32:05.123+00', f: null },
  );
  assert.deepEqual(await spark(`SELECT date_trunc(u, TIMESTAMP '2015-03-05 09:32:05') AS t FROM VALUES ('yy'), ('Q'), ('Week'), ('mon') AS v(u)`), [
    { t: '2015-01-01 00:00:00+00' },
    { t: null },
    { t: '2015-03-02 00:00:00+00' },
    { t: '2015-03-01 00:00:00+00' },
  ]);
  assert.deepEqual(
    await one(`SELECT trunc('2019-08-04', 'week') AS a, trunc('2019-08-04', 'quarter') AS b, trunc('2009-02-12', 'MM') AS c, trunc('2015-10-27', 'YEAR') AS d, trunc('2015-10-27', 'DD') AS e`),
    { a: '2019-07-29', b: '2019-07-01', c: '2009-02-01', d: '2015-01-01', e: null },
  );
  assert.deepEqual(
    await one(`SELECT months_between('1997-02-28 10:30:00', '1996-10-30') AS a, months_between('1997-02-28 10:30:00', '1996-10-30', false) AS b,
                      months_between('2020-03-31', '2020-02-29') AS c, months_between('2020-03-15 10:00:00', '2020-02-15 23:00:00') AS d, months_between(NULL, '2020-01-01') AS e`),
    { a: 3.94959677, b: 3.9495967741935485, c: 1, d: 1, e: null },
  );
  assert.deepEqual(
    await one(`SELECT next_day('2015-01-14', 'TU') AS a, next_day('2015-01-14', 'wednesday') AS b, next_day('2015-01-14', 'xx') AS c, next_day(DATE '2015-01-17', d) AS e FROM VALUES ('Sun') AS v(d)`),
    { a: '2015-01-20', b: '2015-01-21', c: null, e: '2015-01-18' },
  );
});

test('epoch conversions, from_utc_timestamp / to_utc_timestamp, make_timestamp with a time zone', async () => {
  assert.deepEqual(
    await one(`SELECT timestamp_seconds(1230219000) AS a, timestamp_seconds(1230219000.123) AS b, timestamp_millis(1230219000123) AS c, timestamp_micros(1230219000123123) AS d`),
    { a: '2008-12-25 15:30:00+00', b: '2008-12-25 15:30:00.123+00', c: '2008-12-25 15:30:00.123+00', d: '2008-12-25 15:30:00.123123+00' },
  );
  // Before 1970 the units are floored, as Spark does.
  assert.deepEqual(
    await one(`SELECT unix_seconds(TIMESTAMP '1970-01-01 00:00:01') AS a, unix_millis(TIMESTAMP '1970-01-01 00:00:01') AS b, unix_micros(TIMESTAMP '1970-01-01 00:00:01') AS c,
                      unix_date(DATE '1970-01-02') AS d, date_from_unix_date(1) AS e, unix_seconds('1969-12-31 23:59:59.5') AS f, unix_millis(TIMESTAMP '1969-12-31 23:59:59.9995') AS g`),
    { a: 1, b: 1000, c: 1000000, d: 1, e: '1970-01-02', f: -1, g: -1 },
  );
  assert.deepEqual(await one(`SELECT from_utc_timestamp('2016-08-31', 'Asia/Seoul') AS a, to_utc_timestamp('2016-08-31', 'Asia/Seoul') AS b`), {
    a: '2016-08-31 09:00:00+00',
    b: '2016-08-30 15:00:00+00',
  });
  assert.deepEqual(await one(`SELECT make_timestamp(2014, 12, 28, 6, 30, 45.887, 'CET') AS a, make_timestamp(2014, 12, 28, 6, 30, 45.887) AS b`), {
    a: '2014-12-28 05:30:45.887+00',
    b: '2014-12-28 06:30:45.887+00',
  });
});

test('timestampadd / dateadd / date_add and timestampdiff / datediff / date_diff with a unit keyword', async () => {
  assert.deepEqual(
    await one(`SELECT timestampadd(HOUR, 8, TIMESTAMP '2022-02-11 20:30:00') AS a, timestampadd(MONTH, -1, TIMESTAMP '2022-03-31 00:00:00') AS b, timestampadd(SECOND, 58, DATE '2022-02-28') AS c,
                      dateadd(YEAR, 1, DATE '2022-02-15') AS d, date_add(MICROSECOND, 5, TIMESTAMP '2022-02-15 00:00:00') AS e, dateadd(QUARTER, 1, '2022-11-30') AS f, timestampadd(week, 2, DATE '2022-02-15') AS g`),
    {
      a: '2022-02-12 04:30:00+00',
      b: '2022-02-28 00:00:00+00',
      c: '2022-02-28 00:00:58+00',
      d: '2023-02-15 00:00:00+00',
      e: '2022-02-15 00:00:00.000005+00',
      f: '2023-02-28 00:00:00+00',
      g: '2022-03-01 00:00:00+00',
    },
  );
  // Whole units elapsed (Databricks' examples), where DuckDB's date_diff counts boundaries crossed.
  assert.deepEqual(
    await one(`SELECT timestampdiff(HOUR, TIMESTAMP '2022-02-11 20:30:00', TIMESTAMP '2022-02-12 04:30:00') AS a, timestampdiff(MONTH, TIMESTAMP '2022-01-01 00:00:00', TIMESTAMP '2022-03-28 00:00:00') AS b,
                      timestampdiff(YEAR, DATE '2022-01-01', DATE '2021-01-01') AS c, timestampdiff(SECOND, DATE '2022-01-01', TIMESTAMP '2021-12-31 23:59:50') AS d,
                      datediff(MONTH, TIMESTAMP '2021-02-28 12:00:00', TIMESTAMP '2021-03-28 11:59:59') AS e, datediff(MONTH, TIMESTAMP '2021-02-28 12:00:00', TIMESTAMP '2021-03-28 12:00:00') AS f,
                      datediff(YEAR, DATE '2021-01-01', DATE '1900-03-28') AS g, date_diff(DAY, TIMESTAMP '2024-01-01 23:00', TIMESTAMP '2024-01-02 01:00') AS h,
                      datediff(year, DATE '2023-12-31', DATE '2024-01-01') AS i, timestampdiff(MONTH, DATE '2024-01-31', DATE '2024-02-29') AS j, date_diff(DATE '2009-07-31', DATE '2009-07-30') AS k,
                      timestampdiff(QUARTER, TIMESTAMP '2021-01-31 12:00:00', TIMESTAMP '2021-05-01 00:00:00') AS l, timestampdiff(QUARTER, TIMESTAMP '2021-01-31 12:00:00', TIMESTAMP '2021-05-01 12:00:00') AS m`),
    { a: 8, b: 2, c: -1, d: -10, e: 0, f: 1, g: -120, h: 0, i: 0, j: 0, k: 1, l: 0, m: 1 },
  );
  // Databricks' two-argument dateadd is date_add.
  assert.deepEqual(await one(`SELECT dateadd('2016-07-30', 1) AS a`), { a: '2016-07-31' });
  // A quoted unit is DuckDB's syntax, which Spark rejects.
  fails(`SELECT datediff('year', DATE '2023-12-31', DATE '2024-01-01') AS a`, /unquoted/);
  fails(`SELECT timestampadd('MONTH', 1, DATE '2023-12-31') AS a`, /unquoted/);
  // date_add takes an INT, SMALLINT or TINYINT number of days (or a string literal of one).
  assert.deepEqual(await one(`SELECT date_add('2016-07-30', '2') AS a, date_sub(DATE '2016-07-30', CAST(1 AS SMALLINT)) AS b`), { a: '2016-08-01', b: '2016-07-29' });
  fails(`SELECT date_add('2016-07-30', '1.5')`, /not an integer number of days/);
  await assert.rejects(one(`SELECT date_add('2016-07-30', 1L)`), /the days must be an INT/);
  fails('SELECT timestampadd(FORTNIGHT, 1, ts) FROM t', /^timestampadd\(\): the unit must be one of YEAR, QUARTER, MONTH/);
  fails('SELECT timestampdiff(DAYOFYEAR, a, b) FROM t', /^timestampdiff\(\): DAYOFYEAR is not a unit to count$/);
});

test("date_format: Spark's letters strftime lacks (G, q/Q, F, k/K, DD, S..., long offsets, O), optional sections printed; zoned TIMESTAMP literals", async () => {
  const ts = "TIMESTAMP '2018-11-17 13:33:33.123Z'";
  assert.deepEqual(
    await one(`SELECT date_format(${ts}, 'G GGGG yyyyy') AS a, date_format(${ts}, 'q QQ QQQ QQQQ F') AS b, date_format(${ts}, 'k kk K KK DD D') AS c,
                      date_format(${ts}, 'S SSSS') AS d, date_format(${ts}, 'XXXXX ZZZZ O') AS e, date_format(${ts}, '[yyyy-MM-dd]') AS f`),
    { a: 'AD Anno Domini 02018', b: '4 04 Q4 4th quarter 3', c: '13 13 1 01 321 321', d: '1 1230', e: 'Z GMT GMT', f: '2018-11-17' },
  );
  assert.deepEqual(
    await one(`SELECT CAST(TIMESTAMP '1970-01-01 08:00:00UTC+08:00' AS VARCHAR) AS a, CAST(TIMESTAMP '2020-06-01 02:00:00Europe/Paris' AS VARCHAR) AS b, CAST(TIMESTAMP '2020-06-01 02:00:00 -01:30' AS VARCHAR) AS c`),
    { a: '1970-01-01 00:00:00', b: '2020-06-01 00:00:00', c: '2020-06-01 03:30:00' },
  );
});

test('to_timestamp / to_date: optional sections, zone names, and 1970 for a pattern without a year', async () => {
  const p = "'yyyy-MM-dd HH:mm[:ss[.SSSSSS]][zzz]'";
  assert.deepEqual(
    await one(`SELECT CAST(to_timestamp('2019-10-06 10:11', ${p}) AS VARCHAR) AS a, CAST(to_timestamp('2019-10-06 10:11:12.12', ${p}) AS VARCHAR) AS b,
                      CAST(to_timestamp('2019-10-06 10:11:12UTC', ${p}) AS VARCHAR) AS c, to_timestamp('2019-10-06 10:11:12.1234567', ${p}) AS d,
                      CAST(to_date('16', 'dd') AS VARCHAR) AS e, to_date('02-29', 'MM-dd') AS f`),
    { a: '2019-10-06 10:11:00', b: '2019-10-06 10:11:12.12', c: '2019-10-06 10:11:12', d: null, e: '1970-01-16', f: null },
  );
});
