/** Numbers: logarithms, pmod, bround, random values. */
import type { Call } from '../call.js';
import { type Rule, sparkFunctionError } from './rule.js';

export const MATH_RULES: readonly (readonly [string, Rule])[] = [
  // --- Numbers and other functions ------------------------------------------------------------
  // Spark's one-argument log is the natural logarithm (DuckDB's is base 10); Spark's logarithms
  // are NULL where undefined (DuckDB raises an error), and base 1 divides by ln(1) = 0 as Spark does.
  ['log', { args: [1, 2], to: (c) => (c.args.length === 1 ? `CASE WHEN ${c.atom(0)} > 0 THEN ln(${c.sql(0)}) END` : `CASE WHEN ${c.atom(0)} > 0 AND ${c.atom(1)} > 0 THEN ln(${c.sql(1)}) / ln(${c.sql(0)}) END`) }],
  ['ln', { args: [1, 1], to: (c) => `CASE WHEN ${c.atom(0)} > 0 THEN ln(${c.sql(0)}) END` }],
  ['log10', { args: [1, 1], to: (c) => `CASE WHEN ${c.atom(0)} > 0 THEN log10(${c.sql(0)}) END` }],
  ['log2', { args: [1, 1], to: (c) => `CASE WHEN ${c.atom(0)} > 0 THEN log2(${c.sql(0)}) END` }],
  ['pmod', { args: [2, 2], to: (c) => `CASE WHEN ${c.atom(0)} % ${c.atom(1)} < 0 THEN (${c.atom(0)} % ${c.atom(1)} + ${c.atom(1)}) % ${c.atom(1)} ELSE ${c.atom(0)} % ${c.atom(1)} END` }],
  ['bround', { args: [1, 2], to: (c) => `round_even(${c.sql(0)}, ${c.args.length === 2 ? c.sql(1) : '0'})` }],
  ['nanvl', { args: [2, 2], to: (c) => `CASE WHEN isnan(CAST(${c.sql(0)} AS DOUBLE)) THEN ${c.sql(1)} ELSE ${c.sql(0)} END` }],
  // A seed makes Spark's sequence repeatable; DuckDB's random() takes none.
  ['rand', { args: [0, 1], to: (c) => randomValue(c, 'random()') }],
  ['random', { args: [1, 1], to: (c) => randomValue(c, 'random()'), notACall: (c) => c.args.length === 0 }],
  ['randn', { args: [0, 1], to: (c) => randomValue(c, '(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))') }],
];

function randomValue(c: Call, sql: string): string {
  if (c.args.length > 0) throw sparkFunctionError(c.name, "a seed cannot be translated (DuckDB's random() takes none); call it without one");
  return sql;
}
