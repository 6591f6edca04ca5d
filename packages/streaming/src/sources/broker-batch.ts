import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withConnection } from '@loch/engine-node';
import { structureOf } from '../query/batch-tables.js';
import type { SourceBatch } from '../source.js';

/** One message from a broker, as broker sources hand it to a batch. */
export interface BrokerMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Headers as JSON text (`{"k": ["v"]}`), or null. */
  readonly headers: string | null;
  /** The broker's position for the message (a JetStream stream sequence, or the source's own counter). */
  readonly sequence: number;
  /** Microseconds since the epoch. */
  readonly timestampMicros: number;
  /** Acknowledges the message to the broker (a durable consumer's), once its batch is committed. */
  readonly ack?: () => Promise<unknown>;
}

/** Messages parsed as JSON into these columns; what is not a JSON object goes whole into `_rescued_data`. */
export interface ParseSpec {
  readonly format: 'json';
  readonly schema: StructType;
}

const decoder = new TextDecoder();

/** Bytes a staged line cannot hold: its own end, and the column separator DuckDB's reader is given. */
const UNSAFE = [10, 13, 1, 0];
const SPACE = 32;
/** Staged lines start with the sequence, the time (µs) and the subject's number, at fixed widths. */
const SEQ = 16;
const TIME = 16;
const SUBJECT = 6;
const HEAD = SEQ + TIME + SUBJECT;

/**
 * A batch of messages for the engine: subject, sequence, timestamp, and data (binary) with
 * headers, or the columns parsed from the data (see brokerBatchQuery). Parsed messages go into a
 * file of lines, each a fixed-width head (sequence, time, subject) then the payload's own bytes,
 * nothing escaped, which DuckDB reads, cuts apart and parses in the one statement that makes the
 * batch's table (building JSON text per message in JavaScript cost 5× more; a staging table in
 * between cost another copy of every payload). JSON needs no line breaks or control bytes outside
 * its strings (and has none escaped inside them), so those become spaces; a payload that is not
 * JSON keeps its text but for those.
 */
export async function brokerBatch(rows: readonly BrokerMessage[], parse: ParseSpec | undefined, stagingTable: string): Promise<SourceBatch> {
  if (!parse) {
    await withConnection((c) => stageRaw(c, stagingTable, rows));
    return { kind: 'query', sql: brokerBatchQuery(stagingTable, undefined), release: () => withConnection((c) => c.run(`DROP TABLE IF EXISTS ${stagingTable}`)).then(() => undefined) };
  }
  const { file, relation } = await stageLines(rows);
  // A view in DuckDB's own SQL, so that the batch reads the same whether the engine copies it into a table or gives it
  // to a Delta sink as it is (through the lake's Spark SQL); the fallback is that copy.
  await withConnection((c) => c.run(`CREATE VIEW ${stagingTable} AS ${brokerBatchQuery(`(${relation}) AS __staged`, parse)}`));
  const sql = `SELECT * FROM ${stagingTable}`;
  return {
    kind: 'query',
    sql,
    release: async () => {
      await withConnection((c) => c.run(`DROP VIEW IF EXISTS ${stagingTable}`));
      await rm(file, { force: true });
    },
    fallback: async () => ({ kind: 'query', sql }),
  };
}

/** Writes the messages as lines to a temporary file; the relation reads them back as subject, sequence, timestamp and `__text`. */
async function stageLines(rows: readonly BrokerMessage[]): Promise<{ file: string; relation: string }> {
  const subjects = new Map<string, number>();
  let size = 0;
  for (const m of rows) size += lineBytes(m.data);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const m of rows) {
    let s = subjects.get(m.subject);
    if (s === undefined) subjects.set(m.subject, (s = subjects.size));
    at = writeLine(out, at, m.sequence, m.timestampMicros, s, m.data);
  }
  const file = join(tmpdir(), `loch-broker-${process.pid}-${randomUUID()}.txt`);
  await writeFile(file, out);
  return { file, relation: linesRelation(file, [...subjects.keys()]) };
}

/** The bytes a message's line takes. */
export const lineBytes = (data: Uint8Array): number => HEAD + data.byteLength + 1;

/** Writes a message's line at `at` (the head, the payload made safe, a line end); returns where the next one goes. */
export function writeLine(out: Buffer, at: number, sequence: number, timestampMicros: number, subject: number, data: Uint8Array): number {
  digits(out, at, SEQ, sequence);
  digits(out, at + SEQ, TIME, timestampMicros);
  digits(out, at + SEQ + TIME, SUBJECT, subject);
  out.set(data, at + HEAD);
  if (UNSAFE.some((b) => data.indexOf(b) >= 0)) {
    for (let i = at + HEAD; i < at + HEAD + data.length; i++) if (UNSAFE.includes(out[i])) out[i] = SPACE;
  }
  at += HEAD + data.length;
  out[at++] = 10;
  return at;
}

/** The lines of `file` as subject, sequence, timestamp and `__text`; `subjects` are the subjects by their number in the lines. */
export function linesRelation(file: string, subjects: readonly string[]): string {
  // One subject (the usual case) is a constant; several are looked up in a list by number.
  const subject = subjects.length <= 1 ? sqlString(subjects[0] ?? '') : `[${subjects.map(sqlString).join(', ')}][CAST(substr(line, ${SEQ + TIME + 1}, ${SUBJECT}) AS INTEGER) + 1]`;
  return (
    `SELECT ${subject} AS subject, CAST(substr(line, 1, ${SEQ}) AS BIGINT) AS sequence, ` +
    `timezone('UTC', make_timestamp(CAST(substr(line, ${SEQ + 1}, ${TIME}) AS BIGINT))) AS "timestamp", substr(line, ${HEAD + 1}) AS __text ` +
    `FROM read_csv(${sqlString(file)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\x01', quote = '', escape = '', auto_detect = false, strict_mode = false)`
  );
}

/** Writes `n` (a non-negative integer below 2^53) as `width` decimal digits, zero-padded, at `at` (no string padded, no buffer write call: the cheapest way measured). */
function digits(out: Buffer, at: number, width: number, n: number): void {
  const s = String(n);
  const k = at + width - s.length;
  out.fill(48, at, k);
  for (let i = 0; i < s.length; i++) out[k + i] = s.charCodeAt(i);
}

/** Raw messages (bytes kept exactly) as one JSON document, base64 data. */
async function stageRaw(c: DuckDBConnection, table: string, rows: readonly BrokerMessage[]): Promise<void> {
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const m = rows[i];
    parts[i] = `{"s":${JSON.stringify(m.subject)},"q":${m.sequence},"t":${m.timestampMicros},"b":"${Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64')}","h":${m.headers === null ? 'null' : JSON.stringify(m.headers)}}`;
  }
  await c.run(
    `CREATE TABLE ${table} AS SELECT r.s AS subject, r.q AS sequence, timezone('UTC', make_timestamp(r.t)) AS "timestamp", from_base64(r.b) AS data, r.h AS headers FROM (SELECT unnest(json_transform($1::JSON, $2)) AS r)`,
    [`[${parts.join(',')}]`, '[{"s":"VARCHAR","q":"BIGINT","t":"BIGINT","b":"VARCHAR","h":"VARCHAR"}]'],
  );
}

/** The batch's rows from the staged relation (a table, or a subquery with its alias): the raw columns, or the parsed ones with `_rescued_data`. */
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
