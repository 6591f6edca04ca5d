import type { Lakehouse } from '@loch/lakehouse';
import { TABLES } from './tables.js';

/**
 * The real-time widgets' small gold tables, recomputed from silver over the last minutes of
 * event time (materialized views refreshed every few seconds while the pipeline runs):
 * active users per minute, the most popular videos, and concurrent viewers per video (sessions
 * seen in the last two minutes that have not stopped).
 */
export function realtimeViews(minutes = 5): ReadonlyArray<{ table: string; select: string }> {
  const recent = `FROM ${TABLES.silverEvents} WHERE event_time > (SELECT max(event_time) FROM ${TABLES.silverEvents}) - INTERVAL ${minutes} MINUTES`;
  return [
    {
      table: TABLES.goldActiveUsers,
      select: `SELECT date_trunc('minute', event_time) AS minute, count(DISTINCT user_id) AS active_users, count(DISTINCT session_id) AS sessions ${recent} GROUP BY 1 ORDER BY 1`,
    },
    {
      table: TABLES.goldPopularVideos,
      select: `SELECT video_id, count(DISTINCT session_id) AS sessions, count_if(event_type = 'play') AS plays, count_if(stop_reason = 'finished') AS finished ${recent} GROUP BY video_id ORDER BY sessions DESC, video_id LIMIT 10`,
    },
    {
      table: TABLES.goldConcurrentViewers,
      select: `SELECT video_id, count(*) AS viewers, max(last_seen) AS as_of FROM (
                 SELECT video_id, session_id, max(event_time) AS last_seen, max_by(event_type, event_time) AS last_type
                 FROM ${TABLES.silverEvents} WHERE event_time > (SELECT max(event_time) FROM ${TABLES.silverEvents}) - INTERVAL 2 MINUTES
                 GROUP BY video_id, session_id) AS s
               WHERE last_type <> 'stop' GROUP BY video_id ORDER BY viewers DESC, video_id`,
    },
  ];
}

/** Recomputes the real-time tables (each replaced whole, one commit each). */
export async function refreshRealtime(lake: Lakehouse, minutes = 5): Promise<void> {
  if (!(await lake.tables()).includes(TABLES.silverEvents)) return;
  for (const v of realtimeViews(minutes)) await lake.sql(`CREATE OR REPLACE TABLE ${v.table} AS ${v.select}`);
}
