import type { DataType, StructField } from '@loch/delta';

/** A column ALTER TABLE ADD COLUMNS adds: always nullable; at the end unless `first` or `after`. */
export interface NewColumn {
  readonly field: StructField;
  readonly first?: boolean;
  /** Add it right after this column. */
  readonly after?: string;
}

/** A metadata-only change to a table, as Spark's ALTER TABLE makes them. */
export type AlterChange =
  | { readonly kind: 'addColumns'; readonly columns: readonly NewColumn[] }
  | { readonly kind: 'setProperties'; readonly properties: Readonly<Record<string, string>> }
  | { readonly kind: 'unsetProperties'; readonly keys: readonly string[]; readonly ifExists?: boolean }
  /** A CHECK constraint: a SQL expression every row must make true (null fails, as in Delta). */
  | { readonly kind: 'addConstraint'; readonly name: string; readonly expression: string }
  | { readonly kind: 'dropConstraint'; readonly name: string; readonly ifExists?: boolean }
  /**
   * ALTER COLUMN: a new comment, SET / DROP NOT NULL (SET checks the existing rows first), or a
   * new position (FIRST, AFTER another column). Top-level columns only.
   */
  | {
      readonly kind: 'alterColumn';
      readonly column: string;
      readonly comment?: string;
      readonly nullable?: boolean;
      readonly position?: { readonly first: true } | { readonly after: string };
    }
  /** RENAME COLUMN (column mapping only: metadata, no rewrite). */
  | { readonly kind: 'renameColumn'; readonly from: string; readonly to: string }
  /** DROP COLUMN(S) (column mapping only: metadata, no rewrite). */
  | { readonly kind: 'dropColumns'; readonly columns: readonly string[]; readonly ifExists?: boolean }
  /** ALTER COLUMN ... TYPE: a widening Delta's typeWidening feature allows (metadata, no rewrite). */
  | { readonly kind: 'changeColumnType'; readonly column: string; readonly type: DataType };
