/** The `protocol` action: what a client must understand to read or write the table. */
export interface Protocol {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  /** Present exactly when minReaderVersion is 3. */
  readonly readerFeatures?: readonly string[] | null;
  /** Present exactly when minWriterVersion is 7. */
  readonly writerFeatures?: readonly string[] | null;
}
