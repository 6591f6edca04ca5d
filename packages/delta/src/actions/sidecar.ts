/** The `sidecar` action of a v2 checkpoint: a Parquet file (under `_delta_log/_sidecars/`) holding file actions. */
export interface Sidecar {
  readonly path: string;
  readonly sizeInBytes: number;
  readonly modificationTime: number;
  readonly tags?: Readonly<Record<string, string>> | null;
}
