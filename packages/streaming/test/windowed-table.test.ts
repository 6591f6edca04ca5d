/**
 * A streaming table that aggregates over event-time windows with a watermark (Databricks SQL's
 * WATERMARK clause): each window is written once, when the watermark passes its end, and the
 * table equals the same aggregation in batch over the rows that were on time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pipeline } from '@loch/streaming';
import { rows, scratch } from './support/lake.js';

const WINDOWED = `CREATE OR REFRESH STREAMING TABLE per_minute
  AS SELECT window(ts, '1 minute') AS w, cdn, avg(x) AS avg_x, count(*) AS n, max(x)
  FROM STREAM(events) WATERMARK ts DELAY OF INTERVAL 30 SECONDS
  WHERE cdn IS NOT NULL
  GROUP BY window(ts, '1 minute'), cdn`;

const feed = (values: string) => `INSERT INTO events VALUES ${values}`;

test('windowed aggregation with WATERMARK ... DELAY OF: after two feeds the table equals the batch aggregation of on-time rows', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await s.lake.sql('CREATE TABLE events (id INT, ts TIMESTAMP, cdn STRING, x DOUBLE)');
  await s.lake.sql(
    feed(`(1, TIMESTAMP'2026-01-01 00:00:05', 'a', 1), (2, TIMESTAMP'2026-01-01 00:00:50', 'a', 3), (3, TIMESTAMP'2026-01-01 00:00:20', 'b', 10),
          (4, TIMESTAMP'2026-01-01 00:01:10', 'a', 5), (5, TIMESTAMP'2026-01-01 00:02:10', 'b', 7), (6, TIMESTAMP'2026-01-01 00:01:30', NULL, 100)`),
  );
  const [first] = await s.lake.sql(WINDOWED);
  // The watermark is 00:01:40 (latest 00:02:10 less 30 s): only the first minute is final.
  assert.match(first.summary ?? '', /^per_minute \(streaming table\): 2 rows written/);
  assert.deepEqual(await rows(s.lake, "SELECT strftime(w.start, '%H:%M') AS m, strftime(w.`end`, '%H:%M') AS e, cdn, avg_x, n FROM per_minute ORDER BY m, cdn"), [
    { m: '00:00', e: '00:01', cdn: 'a', avg_x: 2, n: 2 },
    { m: '00:00', e: '00:01', cdn: 'b', avg_x: 10, n: 1 },
  ]);

  await s.lake.sql(
    feed(`(7, TIMESTAMP'2026-01-01 00:01:45', 'a', 9), (8, TIMESTAMP'2026-01-01 00:03:00', 'b', 1), (9, TIMESTAMP'2026-01-01 00:04:59', 'a', 2),
          (99, TIMESTAMP'2026-01-01 00:00:40', 'a', 1000)`),
  );
  await s.lake.sql('REFRESH STREAMING TABLE per_minute');
  // Row 99 came after its window was final (watermark 00:01:40 > 00:01:00): dropped, as in Spark.
  // The watermark is now 00:04:29: minutes 0-3 are final, minute 4 is still open.
  const batch = await rows(
    s.lake,
    `SELECT strftime(date_trunc('minute', ts), '%H:%M') AS m, cdn, avg(x) AS avg_x, count(*) AS n, max(x) AS mx FROM events
     WHERE cdn IS NOT NULL AND id <> 99 AND ts < TIMESTAMP'2026-01-01 00:04:00' GROUP BY ALL ORDER BY m, cdn`,
  );
  const streamed = await rows(s.lake, "SELECT strftime(w.start, '%H:%M') AS m, cdn, avg_x, n, `max(x)` AS mx FROM per_minute ORDER BY m, cdn");
  assert.equal(batch.length, 5);
  assert.deepEqual(streamed, batch);

  // Nothing new: nothing written, nothing twice.
  await s.lake.sql('REFRESH STREAMING TABLE per_minute');
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM per_minute'), [{ n: 5 }]);
});

test('a streaming table that aggregates without a watermark on a grouping key fails naming the statement', () => {
  const bad = (sql: string, m: RegExp) =>
    assert.throws(() => Pipeline.fromText(sql, 'p.sql'), (e: Error & { code?: string }) => e.code === 'PIPELINE_PARSE_ERROR' && m.test(e.message));
  bad('CREATE OR REFRESH STREAMING TABLE t AS SELECT cdn, count(*) FROM STREAM(e) GROUP BY cdn', /p\.sql:1: a streaming table that aggregates needs a watermark/);
  bad('CREATE OR REFRESH STREAMING TABLE t AS SELECT cdn, count(*) FROM STREAM(e) WATERMARK ts DELAY OF INTERVAL 1 MINUTE GROUP BY cdn', /GROUP BY must include window\(ts, \.\.\.\)/);
  bad("CREATE OR REFRESH STREAMING TABLE t AS SELECT count(*) FROM STREAM(e) WATERMARK ts DELAY OF INTERVAL 1 FORTNIGHT GROUP BY window(ts, '1 minute')", /DELAY OF INTERVAL 1/);
  bad("CREATE OR REFRESH STREAMING TABLE t AS SELECT count(*) FROM STREAM(e) WATERMARK ts DELAY OF INTERVAL 1 MINUTE GROUP BY window(ts, '1 minute') ORDER BY 1", /ORDER is not supported/);
  // WATERMARK of an expression names its column, as in Databricks.
  const p = Pipeline.fromText(
    "CREATE OR REFRESH STREAMING TABLE t AS SELECT window(ts, '10 seconds') AS w, count(*) AS n FROM STREAM(e) WATERMARK to_timestamp(ts_str) AS ts DELAY OF INTERVAL 10 SECONDS AS s GROUP BY window(ts, '10 seconds')",
    'p.sql',
  );
  const d = p.def.datasets[0];
  assert.ok(d.kind === 'streamingTable' && d.aggregation);
  assert.equal(d.aggregation.watermark.delayMs, 10_000);
  assert.match(d.aggregation.pre, /to_timestamp\(ts_str\) AS `ts` FROM __loch_stream_input AS `s`/);
});

test("window.start and window.end select the grouping window's bounds (Spark's idiom), by alias or as window_start / window_end", async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await s.lake.sql('CREATE TABLE events (id INT, ts TIMESTAMP, cdn STRING, x DOUBLE)');
  await s.lake.sql(feed(`(1, TIMESTAMP'2026-01-01 00:00:05', 'a', 1), (2, TIMESTAMP'2026-01-01 00:00:50', 'a', 3), (3, TIMESTAMP'2026-01-01 00:03:00', 'b', 10)`));
  await s.lake.sql(`CREATE OR REFRESH STREAMING TABLE bounds
    AS SELECT window.start AS ws, window(ts, '1 minute').end, cdn, count(*) AS n
    FROM STREAM(events) WATERMARK ts DELAY OF INTERVAL 30 SECONDS GROUP BY window(ts, '1 minute'), cdn`);
  assert.deepEqual(await rows(s.lake, "SELECT strftime(ws, '%H:%M:%S') AS ws, strftime(window_end, '%H:%M:%S') AS we, cdn, n FROM bounds"), [
    { ws: '00:00:00', we: '00:01:00', cdn: 'a', n: 2 },
  ]);
});
