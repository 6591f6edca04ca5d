/**
 * from_json and schema_of_json: Spark's schema text (`a INT, b STRING`, `array<int>`,
 * `map<string, int>`) as the structure DuckDB's json_transform reads, and Spark's inferred schema
 * of a JSON literal. Spark reads each record in PERMISSIVE mode: text that is not JSON is NULL.
 */
import type { DataType } from '@loch/delta';
import { Cursor } from '../../parse/cursor.js';
import { parseSchemaDdl, parseSparkType } from '../../parse/spark-types.js';
import { duckType } from '../../../values/duck-types.js';
import type { Call } from '../call.js';
import { sqlString } from '../tokens.js';
import { sparkFunctionError } from './rule.js';

/** The schema argument of from_json: DDL, or a type (`array<int>`, `struct<...>`, `map<...>`). */
function schemaOf(text: string, fn: string): DataType {
  try {
    if (/^\s*(array|map|struct)\s*</i.test(text)) {
      const c = new Cursor(text);
      const t = parseSparkType(c);
      if (!c.atEnd()) c.fail(`unexpected '${c.peek()!.text}' after the type`);
      return t;
    }
    return parseSchemaDdl(text);
  } catch (e) {
    throw sparkFunctionError(fn, `the schema '${text}' is not a Spark type (${(e as Error).message})`);
  }
}

/** json_transform's structure for a Spark type. */
function structure(t: DataType): unknown {
  switch (t.kind) {
    case 'struct':
      return Object.fromEntries(t.fields.map((f) => [f.name, structure(f.type)]));
    case 'array':
      return [structure(t.elementType)];
    default:
      // Text is a wall clock in the session time zone: read naive, then cast (below) in that zone.
      return t.kind === 'primitive' && t.name === 'timestamp' ? 'TIMESTAMP' : duckType(t);
  }
}

function isNumber(t: DataType): boolean {
  return t.kind === 'decimal' || (t.kind === 'primitive' && ['byte', 'short', 'integer', 'long', 'float', 'double'].includes(t.name));
}

function hasStruct(t: DataType): boolean {
  return t.kind === 'struct' || (t.kind === 'array' && hasStruct(t.elementType)) || (t.kind === 'map' && (hasStruct(t.keyType) || hasStruct(t.valueType)));
}

export function fromJson(c: Call): string {
  if (c.args.length === 3) throw sparkFunctionError(c.name, 'options cannot be translated');
  const schemaText = c.literal(1) ?? schemaOfJsonCall(c);
  if (schemaText === undefined) throw sparkFunctionError(c.name, 'the schema must be a string literal or schema_of_json of one');
  const type = schemaOf(schemaText, c.name);
  const x = c.sql(0);
  const s = (t: DataType) => sqlString(JSON.stringify(structure(t)));
  const valid = `json_valid(${x})`;
  const cast = (sql: string) => `CAST(${sql} AS ${duckType(type)})`;
  // A lone object where an array of structs is asked for is that array's one element, as in Spark.
  if (type.kind === 'array' && type.elementType.kind === 'struct') {
    return cast(`CASE WHEN NOT ${valid} THEN NULL WHEN json_type(${x}) = 'OBJECT' THEN [json_transform(${x}, ${s(type.elementType)})] ELSE json_transform(${x}, ${s(type)}) END`);
  }
  // Without structs (whose missing fields are NULL) a value of another kind makes the record NULL;
  // a JSON string is no number to Spark, though DuckDB would read "2" as 2.
  const transform = hasStruct(type) ? `json_transform(${x}, ${s(type)})` : `try(json_transform_strict(${x}, ${s(type)}))`;
  const e = c.fresh('e');
  const textForNumber =
    type.kind === 'array' && isNumber(type.elementType) ? ` AND NOT coalesce(list_bool_or(list_transform(json_extract(${x}, '$[*]'), lambda ${e}: json_type(${e}) = 'VARCHAR')), false)` : '';
  return cast(`CASE WHEN ${valid}${textForNumber} THEN ${transform} END`);
}

/** from_json(x, schema_of_json('...')): the literal's schema. */
function schemaOfJsonCall(c: Call): string | undefined {
  const s = c.sig(1);
  if (s.length !== 4 || s[0].kind !== 'word' || s[0].text.toLowerCase() !== 'schema_of_json' || s[2].kind !== 'string') return undefined;
  return inferredSchema(s[2].value, {});
}

export function schemaOfJson(c: Call): string {
  const json = c.literal(0);
  if (json === undefined) throw sparkFunctionError(c.name, 'the argument must be a string literal, as in Spark');
  const options: Record<string, string> = {};
  if (c.args.length === 2) {
    const m = c.sig(1);
    const strings = m.filter((t) => t.kind === 'string').map((t) => (t.kind === 'string' ? t.value : ''));
    if (m[0]?.kind !== 'word' || m[0].text.toLowerCase() !== 'map' || strings.length % 2 !== 0) throw sparkFunctionError(c.name, 'options must be map(...) of string literals');
    for (let i = 0; i < strings.length; i += 2) options[strings[i].toLowerCase()] = strings[i + 1];
  }
  return sqlString(inferredSchema(json, options));
}

/** Spark's schema_of_json: fields by name, integers BIGINT, other numbers DOUBLE (or DECIMAL with prefersDecimal). */
function inferredSchema(text: string, options: Record<string, string>): string {
  const leadingZeros = /^true$/i.test(options.allownumericleadingzeros ?? '');
  let value: unknown;
  try {
    value = JSON.parse(taggedNumbers(text, leadingZeros));
  } catch {
    return 'STRING';
  }
  const asString = /^true$/i.test(options.primitivesasstring ?? '');
  const decimal = /^true$/i.test(options.prefersdecimal ?? '');
  const infer = (v: unknown): string => {
    if (v === null) return 'STRING';
    if (Array.isArray(v)) return `ARRAY<${v.length === 0 ? 'STRING' : infer(v.find((x) => x !== null) ?? null)}>`;
    if (typeof v === 'object' && '__number' in v) {
      if (asString) return 'STRING';
      const src = String((v as { __number: string }).__number);
      if (/^-?\d+$/.test(src)) return 'BIGINT';
      if (decimal && /^-?\d*\.\d+$/.test(src)) {
        const [i, f] = src.replace('-', '').split('.');
        const scale = f.length;
        return `DECIMAL(${Math.max(i.replace(/^0+/, '').length + scale, scale)},${scale})`;
      }
      return 'DOUBLE';
    }
    if (typeof v === 'number') return asString ? 'STRING' : Number.isInteger(v) ? 'BIGINT' : 'DOUBLE';
    if (typeof v === 'boolean') return asString ? 'STRING' : 'BOOLEAN';
    if (typeof v === 'string') return 'STRING';
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `STRUCT<${entries.map(([k, x]) => `${k}: ${infer(x)}`).join(', ')}>`;
  };
  return infer(value);
}

/** JSON text with each number as `{"__number": "<its text>"}`, so inference sees how it was written. */
function taggedNumbers(text: string, leadingZeros: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m) {
      const src = leadingZeros ? m[0].replace(/^(-?)0+(\d)/, '$1$2') : m[0];
      out += `{"__number":"${src}"}`;
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
