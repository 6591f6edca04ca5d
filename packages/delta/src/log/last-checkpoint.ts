/** The `_last_checkpoint` hint: where the newest checkpoint is. */
export interface LastCheckpoint {
  readonly version: number;
  readonly size: number;
  readonly parts?: number;
  readonly sizeInBytes?: number;
  readonly numOfAddFiles?: number;
  readonly checkpointSchema?: unknown;
  readonly checksum?: string;
  readonly v2Checkpoint?: unknown;
}

/**
 * Parses `_last_checkpoint`. It is only a hint: a corrupt or half-written one must never stop a
 * read, so this returns undefined instead of throwing.
 */
export function parseLastCheckpoint(text: string): LastCheckpoint | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o === null || typeof o !== 'object' || !Number.isInteger(o.version) || (o.version as number) < 0) return undefined;
    return o as unknown as LastCheckpoint;
  } catch {
    return undefined;
  }
}
