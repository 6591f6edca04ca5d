/**
 * Spark's SQL golden files (`<name>.sql.out`, SQLQueryTestSuite): blocks of a query, its result
 * schema (or `struct<>` and the exception for a query Spark rejects) and its output rows.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface GoldenQuery {
  /** 1-based position in its file. */
  readonly index: number;
  readonly sql: string;
  /** `struct<...>` as Spark printed it. */
  readonly schema: string;
  /** The output as Spark printed it: rows separated by newlines, cells by tabs. */
  readonly output: string;
  /** Spark rejected the query (the output is the exception). */
  readonly rejected: boolean;
  /**
   * A statement that prepares the file's data or conf (CREATE, INSERT, SET...) rather than a
   * query whose answer is judged: it has no output, or is a SET.
   */
  readonly setup: boolean;
}

export interface GoldenFile {
  readonly name: string;
  readonly queries: GoldenQuery[];
}

const QUERY = '-- !query\n';
const SCHEMA = '\n-- !query schema\n';
const OUTPUT = '\n-- !query output\n';

export function readGoldenFile(path: string): GoldenFile {
  const text = readFileSync(path, 'utf8');
  const queries: GoldenQuery[] = [];
  for (const block of text.split(QUERY).slice(1)) {
    const s = block.indexOf(SCHEMA);
    const o = block.indexOf(OUTPUT, s + 1);
    if (s < 0 || o < 0) continue;
    const sql = block.slice(0, s);
    const schema = block.slice(s + SCHEMA.length, o);
    // Blocks end with the output, then two blank lines before the next `-- !query`.
    const output = block.slice(o + OUTPUT.length).replace(/\n+$/, '');
    const rejected = schema === 'struct<>' && /^(org\.apache\.|java\.|scala\.)\S*(Exception|Error)\b/.test(output);
    const setup = (schema === 'struct<>' && output === '') || /^\s*SET\s/i.test(sql);
    queries.push({ index: queries.length + 1, sql, schema, output, rejected, setup });
  }
  return { name: basename(path).replace(/\.sql\.out$/, ''), queries };
}
