import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine, Snapshot } from '@loch/delta';
import type { WriteData } from '../../../write/source.js';

export type MatchedClause =
  | { readonly kind: 'update'; readonly set: Readonly<Record<string, string>>; readonly condition?: string }
  | { readonly kind: 'updateAll'; readonly condition?: string }
  | { readonly kind: 'delete'; readonly condition?: string };
export type NotMatchedClause =
  | { readonly kind: 'insert'; readonly values: Readonly<Record<string, string>>; readonly condition?: string }
  | { readonly kind: 'insertAll'; readonly condition?: string };
export type NotMatchedBySourceClause =
  | { readonly kind: 'update'; readonly set: Readonly<Record<string, string>>; readonly condition?: string }
  | { readonly kind: 'delete'; readonly condition?: string };

export interface MergeSpec {
  readonly source: WriteData;
  /** Join condition over `target.<col>` and `source.<col>` (aliases configurable). */
  readonly condition: string;
  readonly targetAlias?: string;
  readonly sourceAlias?: string;
  readonly matched: readonly MatchedClause[];
  readonly notMatched: readonly NotMatchedClause[];
  readonly notMatchedBySource: readonly NotMatchedBySourceClause[];
  /** Add source columns missing from the target for updateAll/insertAll (autoMerge). */
  readonly schemaEvolution?: boolean;
}

export interface MergeResult {
  readonly version: number | undefined;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What every step of one MERGE shares: the connection, the snapshot, and the names of its temporary tables. */
export interface MergeRun {
  readonly engine: Engine;
  readonly c: DuckDBConnection;
  readonly snapshot: Snapshot;
  readonly spec: MergeSpec;
  /** The target's and the source's aliases, quoted for SQL. */
  readonly T: string;
  readonly S: string;
  /** The source's rows, with a TRUE `__loch_src` column. */
  readonly srcTable: string;
  /** The joined rows: each one's action, output columns, target file and row. */
  readonly resultTable: string;
}
