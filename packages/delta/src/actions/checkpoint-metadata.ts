/** The `checkpointMetadata` action: marks a v2 checkpoint and records its version. */
export interface CheckpointMetadata {
  readonly version: number;
  readonly tags?: Readonly<Record<string, string>> | null;
}
