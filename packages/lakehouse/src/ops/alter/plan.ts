import { higherProtocol } from '../../write/protocol.js';
import { typeName, type DataType, type Metadata, type Protocol, type Snapshot, type StructField } from '@loch/delta';

/** What one ALTER TABLE change commits. */
export interface AlterPlan {
  readonly metadata: Metadata;
  /** A higher protocol the new metadata needs. */
  readonly protocol?: Protocol;
  /** Spark's operation name ('ADD COLUMNS', 'SET TBLPROPERTIES', ...) and parameters. */
  readonly operation: string;
  readonly parameters: Record<string, unknown>;
  /**
   * The change was checked against every live row (a CHECK constraint, SET NOT NULL): rows
   * another writer adds meanwhile were not, so such a commit conflicts.
   */
  readonly checkedRows?: boolean;
}

/** The protocol the table needs for `wanted`, or undefined when the current one already does. */
export function raised(snapshot: Snapshot, wanted: Protocol): Protocol | undefined {
  const p = higherProtocol(snapshot.protocol, wanted);
  return p === snapshot.protocol ? undefined : p;
}

/** A top-level column by name: exactly, else case-insensitively (as Spark resolves names). */
export function findIndex(fields: readonly StructField[], name: string): number {
  const exact = fields.findIndex((f) => f.name === name);
  return exact >= 0 ? exact : fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
}

/** Spark's `DataType.typeName` as Delta's ADD COLUMNS parameters record it. */
export function sparkTypeName(t: DataType): string {
  if (t.kind === 'primitive' || t.kind === 'decimal') return typeName(t);
  return t.kind;
}
