/** Session conf that changes how DuckDB runs the session's statements. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { sqlError } from '../errors.js';

export const TIME_ZONE_KEY = 'spark.sql.session.timeZone';

/**
 * Applies `key` (undefined `value`: reset) to the connection. Every key is also a DuckDB variable,
 * so statements can read it (`SELECT getvariable('spark.sql.shuffle.partitions')`); the session
 * time zone is DuckDB's TimeZone, in which timestamps are read from text, shown and cut into
 * fields, as Spark does in its session time zone.
 */
export async function applyConf(c: DuckDBConnection, key: string, value: string | undefined): Promise<void> {
  await c.run(confStatement(key, value));
  if (!needsMoreThanVariable(key)) return;
  const zone = value === undefined ? 'UTC' : duckTimeZone(value);
  try {
    await c.run(`SET TimeZone = ${sqlString(zone)}`);
  } catch (e) {
    throw sqlError(`SET ${TIME_ZONE_KEY}: '${value}' is not a time zone (a region such as 'America/Los_Angeles', 'UTC', or an offset such as '+08:00')`, e);
  }
}

/** The statement that keeps a conf value in its session variable. */
export const confStatement = (key: string, value: string | undefined) =>
  value === undefined ? `RESET VARIABLE ${sqlIdent(key)}` : `SET VARIABLE ${sqlIdent(key)} = ${sqlString(value)}`;

/** Whether setting `key` does more than its variable (the time zone sets DuckDB's too): then applyConf sets it. */
export const needsMoreThanVariable = (key: string) => key.toLowerCase() === TIME_ZONE_KEY.toLowerCase();

/** Spark's zone ids in ICU's names: offsets (`+08:00`, `GMT+8`, `UTC-05:00`) of whole hours as Etc/GMT zones. */
function duckTimeZone(zone: string): string {
  const m = /^(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone.trim());
  if (!m) return /^(Z|GMT|UTC|UT)$/i.test(zone.trim()) ? 'UTC' : zone.trim();
  const hours = Number(m[2]);
  if (m[3] !== undefined && m[3] !== '00') throw sqlError(`SET ${TIME_ZONE_KEY}: the offset '${zone}' is not a whole number of hours, which DuckDB's time zones cannot express; name a region instead`);
  // Etc/GMT zones have the sign reversed (Etc/GMT-8 is 8 hours ahead of UTC).
  return hours === 0 ? 'UTC' : `Etc/GMT${m[1] === '+' ? '-' : '+'}${hours}`;
}
