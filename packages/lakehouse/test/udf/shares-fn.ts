/** Grouped-map functions for the tests of workers that read their own shares of the input (they load this module). */
import { Float64, Int32, Int64, Table, vectorFromArray } from 'apache-arrow';
import { threadId } from 'node:worker_threads';

/** A group's key columns (every column but v, from its first row), its size, the sum of v, and the thread that ran it. */
export function count(group: Table): Table {
  const v = group.getChild('v')!;
  let total = 0;
  for (let i = 0; i < group.numRows; i++) total += Number(v.get(i));
  const keys = group.schema.fields.filter((f) => f.name !== 'v').map((f) => [f.name, group.getChild(f.name)!.slice(0, 1)] as const);
  return new Table({
    ...Object.fromEntries(keys),
    n: vectorFromArray([BigInt(group.numRows)], new Int64()),
    total: vectorFromArray([total], new Float64()),
    thread: vectorFromArray([threadId], new Int32()),
  });
}

/** `count`, but fails on the group whose k is 'g7'. */
export function failOn(group: Table): Table {
  if (group.getChild('k')!.get(0) === 'g7') throw new Error('no g7');
  return count(group);
}

/** The group's rows as they came, and how many rows the group has (in a column `group_rows`), for comparing every column's values with SQL's. */
export function echo(group: Table): Table {
  const n = vectorFromArray(Array.from({ length: group.numRows }, () => group.numRows), new Int32());
  return new Table({ ...Object.fromEntries(group.schema.fields.map((f) => [f.name, group.getChild(f.name)!])), group_rows: n });
}
