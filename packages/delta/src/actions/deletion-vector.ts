/**
 * The `deletionVector` field of add and remove actions: where a file's deletion vector is and
 * how many rows it deletes. Declared here, with the actions, so that the actions need nothing
 * from the DV file format (dv/), which reads through the Engine's storage.
 */
export interface DeletionVectorDescriptor {
  /** 'u': file relative to the table, named by a UUID; 'i': inline; 'p': absolute path. */
  readonly storageType: 'u' | 'i' | 'p';
  readonly pathOrInlineDv: string;
  /** Byte position of the entry in the DV file; absent for inline DVs. */
  readonly offset?: number;
  /** Size of the serialized bitmap (before Z85 encoding, when inline). */
  readonly sizeInBytes: number;
  /** Number of rows the DV removes. */
  readonly cardinality: number;
  readonly maxRowIndex?: number;
}
