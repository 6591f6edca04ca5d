import type { Lakehouse } from '@loch/lakehouse';
import { ALERTS_SCHEMA, TABLES } from './tables.js';

const SQL_TYPES: Record<string, string> = { string: 'STRING', timestamp: 'TIMESTAMP', date: 'DATE', long: 'BIGINT', integer: 'INT', double: 'DOUBLE' };

function ddl(name: string, schema: Readonly<Record<string, string>>): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (${Object.entries(schema).map(([c, t]) => `${c} ${SQL_TYPES[t]}`).join(', ')}) USING DELTA`;
}

/** Creates the alerts table, so that the console and queries find it before the first alert. */
export async function ensureTables(lake: Lakehouse): Promise<void> {
  await lake.sql(ddl(TABLES.alerts, ALERTS_SCHEMA));
}

/** Whether table `name` has a snapshot to read (its folder is listed from creation, before its first commit). */
async function readable(lake: Lakehouse, name: string): Promise<boolean> {
  if (!(await lake.tables()).includes(name)) return false;
  return lake
    .table(name)
    .snapshot()
    .then(
      () => true,
      () => false,
    );
}

/** Waits until table `name` exists (its first batch written upstream), up to `timeoutMs`. */
export async function waitForTable(lake: Lakehouse, name: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await readable(lake, name))) {
    if (Date.now() > until) throw Object.assign(new Error(`QOS_TABLE_MISSING: ${name} did not appear within ${timeoutMs / 1000} s`), { code: 'QOS_TABLE_MISSING' });
    await new Promise((r) => setTimeout(r, 250));
  }
}
