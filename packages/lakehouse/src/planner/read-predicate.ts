import { addFileList, planScan, type AddFile, type Predicate, type Snapshot } from '@loch/delta';

/**
 * A transaction's read predicate from a pruning predicate: does a file (e.g. one a concurrent
 * writer added) possibly hold rows the predicate selects? Used for conflict detection, so a
 * concurrent append into partitions or value ranges the transaction did not read is no conflict.
 */
export function mayHoldMatches(snapshot: Snapshot, predicate: Predicate | undefined): (add: AddFile) => boolean {
  if (!predicate) return () => true;
  return (add) => planScan(snapshot, { filter: predicate, files: addFileList([add]) }).files.length > 0;
}
