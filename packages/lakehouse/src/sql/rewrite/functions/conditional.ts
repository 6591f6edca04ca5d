/** NULL handling: nvl, nvl2, nanvl, isnull, isnotnull, zeroifnull, nullifzero. */
import type { Rule } from './rule.js';

export const CONDITIONAL_RULES: readonly (readonly [string, Rule])[] = [
  ['nvl', { args: [2, 2], to: (c) => `coalesce(${c.sql(0)}, ${c.sql(1)})` }],
  ['nvl2', { args: [3, 3], to: (c) => `CASE WHEN ${c.atom(0)} IS NOT NULL THEN ${c.sql(1)} ELSE ${c.sql(2)} END` }],
  ['isnull', { args: [1, 1], to: (c) => `(${c.atom(0)} IS NULL)` }],
  ['isnotnull', { args: [1, 1], to: (c) => `(${c.atom(0)} IS NOT NULL)` }],
  ['zeroifnull', { args: [1, 1], to: (c) => `coalesce(${c.sql(0)}, 0)` }],
  ['nullifzero', { args: [1, 1], to: (c) => `nullif(${c.sql(0)}, 0)` }],
];
