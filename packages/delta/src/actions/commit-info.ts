/**
 * The `commitInfo` action: provenance of a commit. Its shape is free-form in the protocol; these
 * are the fields Spark and Loch write and history shows.
 */
export interface CommitInfo {
  readonly timestamp?: number | null;
  readonly inCommitTimestamp?: number | null;
  readonly operation?: string | null;
  readonly operationParameters?: Readonly<Record<string, unknown>> | null;
  readonly operationMetrics?: Readonly<Record<string, string>> | null;
  readonly readVersion?: number | null;
  readonly isolationLevel?: string | null;
  readonly isBlindAppend?: boolean | null;
  readonly engineInfo?: string | null;
  readonly txnId?: string | null;
  readonly userMetadata?: string | null;
  readonly [key: string]: unknown;
}
