import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '@loch/delta';
import { duckdbApi, sqlIdent, sqlString } from '@loch/engine-node';
import { structureOf } from '../query/batch-tables.js';

/** One message from a broker, as broker sources hand it to a batch. */
export interface BrokerMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Headers as JSON text (`{"k": ["v"]}`), or null. */
  readonly headers: string | null;
  /** The broker's position for the message (a JetStream stream sequence, or the source's own counter). */
  readonly sequence: number;
  readonly timestampMicros: bigint;
}

/** Messages parsed as JSON into these columns; what is not a JSON object goes whole into `_rescued_data`. */
export interface ParseSpec {
  readonly format: 'json';
  readonly schema: StructType;
}

const decoder = new TextDecoder();

/**
 * Makes `table` hold the messages, through DuckDB's appender (no JSON round trip): subject,
 * data (binary), headers, sequence, timestamp, and the data as text when it is to be parsed.
 */
export async function stageMessages(c: DuckDBConnection, table: string, rows: readonly BrokerMessage[], withText: boolean): Promise<void> {
  await c.run(`CREATE TABLE ${table} (subject VARCHAR, data BLOB, headers VARCHAR, sequence BIGINT, "timestamp" TIMESTAMPTZ${withText ? ', __text VARCHAR' : ''})`);
  const [schema, name] = table.split('.');
  const a = await c.createAppender(name, schema);
  try {
    for (const m of rows) {
      a.appendVarchar(m.subject);
      a.appendBlob(m.data);
      if (m.headers === null) a.appendNull();
      else a.appendVarchar(m.headers);
      a.appendBigInt(BigInt(m.sequence));
      a.appendTimestampTZ(new duckdbApi.DuckDBTimestampTZValue(m.timestampMicros));
      if (withText) a.appendVarchar(decoder.decode(m.data));
      a.endRow();
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
}

/** The batch's rows from the staged table: the raw columns, or the parsed ones with `_rescued_data`. */
export function brokerBatchQuery(table: string, parse: ParseSpec | undefined): string {
  if (!parse) return `SELECT subject, data, headers, sequence, "timestamp" FROM ${table}`;
  const structure = sqlString(JSON.stringify(structureOf(parse.schema)));
  const fields = parse.schema.fields.map((f) => `__parsed.${sqlIdent(f.name)} AS ${sqlIdent(f.name)}`).join(', ');
  return (
    `SELECT ${fields}, CASE WHEN __ok THEN NULL ELSE __text END AS _rescued_data, subject, sequence, "timestamp" FROM (` +
    `SELECT *, CASE WHEN __ok THEN json_transform(__text, ${structure}) END AS __parsed FROM (` +
    `SELECT *, coalesce(json_valid(__text) AND starts_with(ltrim(__text), '{'), false) AS __ok FROM ${table}))`
  );
}

/** How many staged messages are not JSON objects (for progress). */
export async function countUnparsable(c: DuckDBConnection, table: string): Promise<number> {
  const r = await c.runAndReadAll(`SELECT count(*) FILTER (WHERE NOT coalesce(json_valid(__text) AND starts_with(ltrim(__text), '{'), false)) FROM ${table}`);
  return Number(r.getRows()[0][0]);
}
