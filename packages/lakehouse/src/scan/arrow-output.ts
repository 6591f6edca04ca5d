/**
 * Arrow output without loading Apache Arrow up front. Loading the library costs ~150 ms, half of
 * a short `loch sql` run that never asks for Arrow; the package's main entry loads it (and
 * registers it here), the `@loch/lakehouse/core` entry the CLI uses does not.
 */
import type { Table } from 'apache-arrow';
import { deltaError, type StructType } from '@loch/delta';
import type { JsonValue } from './json-values.js';

type Row = { readonly [column: string]: JsonValue };
type ToArrow = (schema: StructType, rows: readonly Row[]) => Table;

let impl: ToArrow | undefined;

export function provideArrow(f: ToArrow): void {
  impl = f;
}

/** Rows as an Arrow table (the library is there whenever the main entry was imported). */
export function toArrowTable(schema: StructType, rows: readonly Row[]): Table {
  if (!impl) throw deltaError('DELTA_INVALID_ARGUMENT', "Arrow output needs Apache Arrow: import from '@loch/lakehouse' rather than '@loch/lakehouse/core'");
  return impl(schema, rows);
}
