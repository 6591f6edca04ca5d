/**
 * The registry of Spark SQL functions rewritten into DuckDB SQL with Spark's semantics (Spark 3.x
 * defaults: ANSI mode off, so bad input gives NULL rather than an error). Each family's file
 * declares its functions as rules; a new Spark function goes into its family's list, with the
 * helpers it needs beside it. Only calls named here change; every other byte of the text is kept,
 * and calls inside the arguments of any call are rewritten too. Functions DuckDB already runs as
 * Spark does are not here: ifnull, instr, map_entries, map_keys, map_values, map_from_entries,
 * greatest and least (both skip NULLs), levenshtein, base64, sha1, md5, hex, count_if, bool_and,
 * bool_or, median, round (half away from zero), array_sort (NULLs last); year, month, dayofmonth,
 * hour... of a date or a timestamp (the rules only cast a string literal for them).
 *
 * The rewrite sees text, not types. Where Spark's answer depends on an argument's type (array or
 * map, string or timestamp), the SQL asks DuckDB: `typeof(x)` is folded while binding, so the
 * CASE built on it costs nothing at run time, and each branch casts `x` so that it binds for
 * every type.
 */
import { AGGREGATE_RULES } from './aggregate.js';
import { ARRAY_RULES } from './array.js';
import { CAST_RULES } from './cast.js';
import { CONDITIONAL_RULES } from './conditional.js';
import { DATETIME_RULES } from './datetime.js';
import { JSON_RULES } from './json.js';
import { MATH_RULES } from './math.js';
import { MISC_RULES } from './misc.js';
import type { Rule } from './rule.js';
import { STRING_RULES } from './string.js';

export { ANY, sparkFunctionError, type Rule } from './rule.js';

const FAMILIES = [ARRAY_RULES, AGGREGATE_RULES, CAST_RULES, CONDITIONAL_RULES, DATETIME_RULES, JSON_RULES, MATH_RULES, MISC_RULES, STRING_RULES];

/** Every rule by the function's name, lower case. */
export const RULES: ReadonlyMap<string, Rule> = registry(FAMILIES);

function registry(families: readonly (readonly (readonly [string, Rule])[])[]): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  for (const family of families) {
    for (const [name, rule] of family) {
      // Two families claiming one name would make the table's answer depend on their order.
      if (rules.has(name)) throw new Error(`Spark function ${name} has two rules`);
      rules.set(name, rule);
    }
  }
  return rules;
}
