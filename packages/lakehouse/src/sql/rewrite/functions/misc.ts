/** Functions about the query rather than its values: monotonically_increasing_id, spark_partition_id, the range table, the session's catalog and schema. */
import type { Rule } from './rule.js';

export const MISC_RULES: readonly (readonly [string, Rule])[] = [
  ['typeof', { args: [1, 1], to: (c) => sparkTypeName(`typeof(${c.sql(0)})`) }],
  // One partition: ids 0, 1, 2, ... are unique and increasing, as Spark's are.
  ['monotonically_increasing_id', { args: [0, 0], to: () => '(row_number() OVER () - 1)' }],
  ['spark_partition_id', { args: [0, 0], to: () => '0' }],
  // The session's catalog and schema (USE), which the session keeps in these DuckDB variables.
  ['current_catalog', { args: [0, 0], to: () => "getvariable('__loch_current_catalog')" }],
  ['current_schema', { args: [0, 0], to: () => "getvariable('__loch_current_schema')" }],
  ['current_database', { args: [0, 0], to: () => "getvariable('__loch_current_schema')" }],
  // The table range(end), range(start, end[, step[, partitions]]): one BIGINT column, id.
  ['range', { args: [1, 4], to: (c) => `(SELECT range AS id FROM range(${c.sqls().slice(0, 3).map((a) => `CAST(${a} AS BIGINT)`).join(', ')}))`, notACall: (c) => !c.t.isFromItem(c.start) }],
];

/**
 * Spark's names of types (typeof): DuckDB's name of the value's type in Spark's catalog form
 * (`int`, `string`, `timestamp` for an instant and `timestamp_ntz` for a wall clock,
 * `decimal(3,2)`, `array<int>`); other nested types in lower case.
 */
function sparkTypeName(duck: string): string {
  const steps: [string, string][] = [
    ['TIMESTAMP WITH TIME ZONE', '#ltz'],
    ['\\bTIMESTAMP\\b', 'timestamp_ntz'],
    ['#ltz', 'timestamp'],
    ['\\bINTEGER\\b', 'int'],
    ['\\bVARCHAR\\b', 'string'],
    ['\\bBLOB\\b', 'binary'],
    ['"NULL"', 'void'],
    // Arrays, innermost first: INTEGER[][] is array<array<int>>.
    ['([A-Za-z_]+(\\([0-9, ]*\\))?|array<[^\\[\\]]*>)\\[\\]', 'array<\\1>'],
    ['([A-Za-z_]+(\\([0-9, ]*\\))?|array<[^\\[\\]]*>)\\[\\]', 'array<\\1>'],
  ];
  const replaced = steps.reduce((sql, [from, to]) => `regexp_replace(${sql}, '${from}', '${to}', 'g')`, duck);
  return `lower(${replaced})`;
}
