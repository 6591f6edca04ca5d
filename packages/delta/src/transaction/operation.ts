/** Isolation levels, as Delta names them. WriteSerializable is Delta's default. */
export type IsolationLevel = 'Serializable' | 'WriteSerializable' | 'SnapshotIsolation';

/** What a commit did, as its commitInfo records it. */
export interface Operation {
  /** Delta's operation name: 'WRITE', 'CREATE TABLE', 'DELETE', 'MERGE', ... */
  readonly name: string;
  /** Parameters; values that are not strings are JSON-encoded, as Spark writes them. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Metrics with Delta's names; written as strings, as Spark writes them. */
  readonly metrics?: Readonly<Record<string, number | string | bigint>>;
  /** True when the commit only adds files and read nothing (a blind append). */
  readonly isBlindAppend?: boolean;
  readonly userMetadata?: string;
}

export function operationParameters(p: Operation['parameters']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p ?? {})) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export function operationMetrics(m: Operation['metrics']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) out[k] = String(v);
  return out;
}
