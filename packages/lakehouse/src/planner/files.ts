/**
 * Which files a scan reads: the snapshot's live files less those a `where` predicate rules out
 * by partition values or stats. The predicate still runs in DuckDB over the files read; pruning
 * only drops files that cannot hold a matching row.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { planScan, statsNumRecords, type Predicate, type ScanPlan, type Snapshot } from '@loch/delta';
import type { DuckNode } from './duck-json.js';
import { wherePredicate } from './predicate.js';

export interface FileSelection {
  /** All columns, the files to read. */
  readonly plan: ScanPlan;
  /** The kernel predicate the files were pruned with (undefined without a `where`). */
  readonly predicate?: Predicate;
}

/** Plans the files a scan with this `where` reads; `prune: false` reads every file; `parsed` as for wherePredicate. */
export async function selectFiles(c: DuckDBConnection, snapshot: Snapshot, where: string | undefined, prune = true, parsed?: DuckNode): Promise<FileSelection> {
  if (!where || !prune) return { plan: planScan(snapshot) };
  let predicate: Predicate;
  try {
    predicate = await wherePredicate(c, where, snapshot, parsed);
  } catch {
    // Pruning is an optimization: if translating fails, read every file.
    return { plan: planScan(snapshot) };
  }
  return { plan: planScan(snapshot, { filter: predicate }), predicate };
}

/** What a file plan reads, for scan metrics. `rowsFromStats` is undefined when some file has no numRecords. */
export interface FileCounts {
  readonly filesTotal: number;
  readonly filesScanned: number;
  readonly filesPrunedByPartition: number;
  readonly filesPrunedByStats: number;
  readonly filesPrunedByDynamicFilter: number;
  readonly bytesScanned: number;
  readonly rowsFromStats: number | undefined;
}

export function fileCounts(plan: ScanPlan): FileCounts {
  let bytes = 0;
  let rows: number | undefined = 0;
  for (const f of plan.files) {
    bytes += f.add.size;
    if (rows !== undefined) {
      const n = statsNumRecords(f.add.stats);
      // Rows removed by a deletion vector are not scanned rows.
      rows = n === undefined ? undefined : rows + n - (f.deletionVector?.cardinality ?? 0);
    }
  }
  return {
    filesTotal: plan.filesTotal,
    filesScanned: plan.files.length,
    filesPrunedByPartition: plan.filesPrunedByPartition,
    filesPrunedByStats: plan.filesPrunedByStats,
    filesPrunedByDynamicFilter: 0,
    bytesScanned: bytes,
    rowsFromStats: rows,
  };
}
