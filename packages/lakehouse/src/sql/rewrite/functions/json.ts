/** JSON: get_json_object, json_tuple, to_json, from_json, schema_of_json, json_object_keys, json_array_length. */
import type { Call } from '../call.js';
import { sqlString } from '../tokens.js';
import { fromJson, schemaOfJson } from './json-schema.js';
import { ANY, type Rule, sparkFunctionError } from './rule.js';

export const JSON_RULES: readonly (readonly [string, Rule])[] = [
  // --- JSON -----------------------------------------------------------------------------------
  ['get_json_object', { args: [2, 2], to: getJsonObject }],
  // A generator of one row: a whole SELECT item, a FROM item or in LATERAL VIEW, as explode.
  ['json_tuple', { args: [2, ANY], to: (c) => c.t.generator(c, { pos: false, outer: false, tuple: true }) }],
  ['to_json', { args: [1, 2], to: toJson }],
  ['from_json', { args: [2, 3], to: fromJson }],
  ['schema_of_json', { args: [1, 2], to: schemaOfJson }],
  // Spark: NULL for text that is not JSON, or not an object (array); DuckDB raises an error.
  ['json_object_keys', { args: [1, 1], to: (c) => `CASE WHEN json_valid(${c.sql(0)}) AND json_type(${c.sql(0)}) = 'OBJECT' THEN json_keys(${c.sql(0)}) END` }],
  ['json_array_length', { args: [1, 1], to: (c) => `CASE WHEN json_valid(${c.sql(0)}) AND json_type(${c.sql(0)}) = 'ARRAY' THEN CAST(json_array_length(${c.sql(0)}) AS INTEGER) END` }],
];

/** Spark: NULL for text that is not JSON (DuckDB raises an error), strings without their quotes. */
function getJsonObject(c: Call): string {
  const json = `TRY_CAST(${c.sql(0)} AS JSON)`;
  const path = c.literal(1);
  if (path === undefined) return `json_extract_string(${json}, ${c.sql(1)})`;
  const duck = jsonPath(path, c.name);
  return duck === undefined ? 'CAST(NULL AS VARCHAR)' : `json_extract_string(${json}, ${sqlString(duck)})`;
}

/** A Spark JSON path ($.a.b[0], $['a b']) in DuckDB's syntax; undefined for one Spark finds nothing with. */
function jsonPath(path: string, fn: string): string | undefined {
  if (!path.startsWith('$')) return undefined;
  let out = '$';
  for (let i = 1; i < path.length; ) {
    const rest = path.slice(i);
    if (/^(\[\*\]|\.\*)/.test(rest)) throw sparkFunctionError(fn, 'a wildcard in the JSON path cannot be translated');
    const index = /^\[([0-9]+)\]/.exec(rest);
    const name = /^\['([^']*)'\]/.exec(rest) ?? /^\.([^.[]+)/.exec(rest);
    if (index) out += `[${index[1]}]`;
    else if (name && !name[1].includes('"')) out += `."${name[1]}"`;
    else return undefined;
    i += (index ?? name)![0].length;
  }
  return out;
}

/** A JSON string token, for the regular expressions that edit JSON text outside strings. */
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;

/**
 * Spark leaves out struct fields that are NULL (map values stay): `"name":null` members go, then
 * the commas they leave. Timestamps would come out in another format than Spark's, so they are
 * refused when the query runs.
 */
function toJson(c: Call): string {
  if (c.args.length === 2) throw sparkFunctionError(c.name, 'options cannot be translated');
  const x = c.sql(0);
  const json = `to_json(${x})`;
  const members = `regexp_replace(${json}, '${JSON_STRING}:null|(${JSON_STRING})', '\\1', 'g')`;
  const commas = `regexp_replace(${members}, '(${JSON_STRING})|(\\{),+|,+(\\})|,(,)+', '\\1\\2\\3\\4', 'g')`;
  const refused = "error('to_json(): timestamps cannot be translated (Spark writes them in its own format); format them with date_format first')";
  return `CASE WHEN typeof(${x}) LIKE '%TIMESTAMP%' THEN ${refused} WHEN typeof(${x}) LIKE '%MAP(%' THEN ${json} ELSE ${commas} END`;
}
