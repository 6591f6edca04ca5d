/** The `txn` action: the last version an application committed, for idempotent writes. */
export interface Txn {
  readonly appId: string;
  readonly version: number;
  readonly lastUpdated?: number | null;
}
