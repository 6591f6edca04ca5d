import type { ChangeRange } from '@loch/delta';
import { sqlError } from '../errors.js';
import { isPunct, isWord, type Token } from '../parse/lexer.js';
import { nameOf, type TableName } from '../parse/parse-common.js';

/**
 * Databricks' `table_changes('table', start [, end])`: the change data feed of a table as a
 * relation. `start` and `end` are versions (numbers) or timestamps (strings), both inclusive; the
 * table is a lake name (`events`, `sales.orders`) or a path.
 */
export interface ChangesRef {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly table: TableName;
  readonly range: ChangeRange;
}

/** `table_changes(...)` at token `i`, or undefined when something else is there. */
export function changesCallAt(text: string, sig: readonly Token[], i: number): { ref: ChangesRef; last: number } | undefined {
  if (!isWord(sig[i], 'table_changes') || !isPunct(sig[i + 1], '(')) return undefined;
  const bad = (what: string): never => {
    throw sqlError(`table_changes: ${what} (table_changes('events', 2, 5) or table_changes('events', '2024-01-31 00:00:00'))`);
  };
  const name = sig[i + 2];
  if (name?.kind !== 'string') bad('the first argument must be the table name, a quoted string');
  const bounds: (number | string)[] = [];
  let j = i + 3;
  while (isPunct(sig[j], ',')) {
    const v = sig[j + 1];
    if (v?.kind === 'number' && /^\d+$/.test(v.text)) bounds.push(Number(v.text));
    else if (v?.kind === 'string') bounds.push(v.value);
    else bad('versions are whole numbers and timestamps quoted strings');
    j += 2;
  }
  if (!isPunct(sig[j], ')')) bad('expected , or ) after an argument');
  if (bounds.length < 1 || bounds.length > 2) bad('give a start and optionally an end');
  const [from, to] = bounds;
  const range: ChangeRange = {
    ...(typeof from === 'number' ? { startingVersion: from } : { startingTimestamp: from }),
    ...(to === undefined ? {} : typeof to === 'number' ? { endingVersion: to } : { endingTimestamp: to }),
  };
  const table: TableName = /[/\\]/.test(name.value) ? { kind: 'path', path: name.value } : nameOf(name.value.split('.'));
  return { ref: { start: sig[i].start, end: sig[j].end, text: text.slice(sig[i].start, sig[j].end), table, range }, last: j };
}
