/**
 * DuckDB's parse trees as JSON (`json_serialize_sql`), read exactly: numbers keep every digit
 * (BIGINT and DECIMAL constants, and DuckDB's "no location" 2^64-1 markers, which must survive a
 * round trip through `json_deserialize_sql`).
 */
import { JsonNumber, numberText, parseExactJson, type ExactJson } from '@loch/delta';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '@loch/engine-node';

/** One expression node: `class` (COMPARISON, CONSTANT, ...), `type` (COMPARE_EQUAL, ...) and its fields. */
export type DuckNode = { readonly [key: string]: ExactJson } & { readonly class?: ExactJson; readonly type?: ExactJson };

export function isNode(v: ExactJson | undefined): v is DuckNode {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

export const str = (v: ExactJson | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
export const nodes = (v: ExactJson | undefined): DuckNode[] => (Array.isArray(v) ? v.filter(isNode) : []);

/**
 * JSON text of an exactly parsed value (numbers written as they were read). The pieces go to one
 * list joined at the end (joining each node's children into a string of its own copied a deep
 * tree's text once per level: a chain of 1,000 additions took seconds), and the nesting is walked
 * with a list of its own rather than the call stack, which a rewritten tree can outgrow.
 */
export function toJsonText(v: ExactJson): string {
  const out: string[] = [];
  // What is left to write, the next on top: values, and the text between them.
  const todo: (ExactJson | Punctuation)[] = [v];
  while (todo.length > 0) {
    const x = todo.pop()!;
    if (x instanceof Punctuation) out.push(x.text);
    else if (x === null) out.push('null');
    else if (x instanceof JsonNumber) out.push(x.text);
    else if (Array.isArray(x)) {
      out.push('[');
      todo.push(CLOSE_ARRAY);
      for (let i = x.length - 1; i >= 0; i--) {
        todo.push(x[i]);
        if (i > 0) todo.push(COMMA);
      }
    } else if (typeof x === 'object') {
      out.push('{');
      todo.push(CLOSE_OBJECT);
      const keys = Object.keys(x);
      for (let i = keys.length - 1; i >= 0; i--) todo.push(x[keys[i]], new Punctuation(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`));
    } else if (typeof x === 'number' && !Number.isFinite(x)) {
      throw new Error('non-finite number in a parse tree');
    } else {
      out.push(JSON.stringify(x));
    }
  }
  return out.join('');
}

/** Text toJsonText writes between values (a class of its own: a JSON string value is a string too). */
class Punctuation {
  constructor(readonly text: string) {}
}

const COMMA = new Punctuation(',');
const CLOSE_ARRAY = new Punctuation(']');
const CLOSE_OBJECT = new Punctuation('}');

/** The integer in a JSON number or a DuckDB `{upper, lower}` 128-bit value. */
export function integerValue(v: ExactJson | undefined, signed = true): bigint | undefined {
  const t = numberText(v);
  if (t !== undefined) return /^-?\d+$/.test(t) ? BigInt(t) : undefined;
  if (isNode(v)) {
    const upper = integerValue(v.upper);
    const lower = integerValue(v.lower);
    if (upper === undefined || lower === undefined) return undefined;
    const u = signed ? upper : BigInt.asUintN(64, upper);
    return u * 2n ** 64n + BigInt.asUintN(64, lower);
  }
  return undefined;
}

/** A statement's parse tree, or undefined when DuckDB cannot parse it. */
export async function serializeSql(c: DuckDBConnection, sql: string): Promise<DuckNode | undefined> {
  const r = await c.runAndReadAll(`SELECT json_serialize_sql(${sqlString(sql)})`);
  const text = r.getRows()[0]?.[0];
  if (typeof text !== 'string') return undefined;
  const j = parseExactJson(text);
  if (!isNode(j) || j.error !== false) return undefined;
  return j;
}

/** SQL text back from a parse tree. */
export async function deserializeSql(c: DuckDBConnection, tree: ExactJson): Promise<string | undefined> {
  const r = await c.runAndReadAll(`SELECT json_deserialize_sql(${sqlString(toJsonText(tree))})`);
  const text = r.getRows()[0]?.[0];
  return typeof text === 'string' ? text : undefined;
}

/** SQL text back from several parse trees in one round trip; undefined for a tree DuckDB cannot turn back. */
export async function deserializeMany(c: DuckDBConnection, trees: readonly ExactJson[]): Promise<(string | undefined)[]> {
  if (trees.length === 0) return [];
  const r = await c.runAndReadAll(`SELECT ${trees.map((t) => `json_deserialize_sql(${sqlString(toJsonText(t))})`).join(', ')}`);
  const row = r.getRows()[0] ?? [];
  return trees.map((_, i) => (typeof row[i] === 'string' ? (row[i] as string) : undefined));
}
