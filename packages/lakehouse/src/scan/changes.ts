import type { DuckDBConnection } from '@duckdb/node-api';
import {
  addFileList,
  CHANGE_TYPE_COLUMN,
  cdcAsAdd,
  loadTableChanges,
  planScan,
  removeAsAdd,
  type AddFile,
  type ChangeRange,
  type CommitChanges,
  type Engine,
  type Predicate,
  type Snapshot,
} from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { duckType } from '../values/duck-types.js';
import { scanSql } from './query.js';

/**
 * Change Data Feed, the reading half: the rows a range of commits changed, with the table's
 * columns (as of the range's last version) and `_change_type`, `_commit_version`,
 * `_commit_timestamp`, as Spark's `table_changes` and `readChangeFeed` return them. Each commit's
 * rows come from its change-data files when it wrote any, else from the files it added (inserts)
 * and removed (deletes), read as they were then (their deletion vectors applied).
 */
export async function tableChangesSql(c: DuckDBConnection, engine: Engine, tableRoot: string, range: ChangeRange): Promise<string> {
  const changes = await loadTableChanges(engine, tableRoot, range);
  return (await changesSql(c, engine, changes.snapshot, changes.commits)).sql;
}

/** The files a change feed read, of those its commits hold (change-data, added and removed files). */
export interface ChangeFileCounts {
  readonly filesTotal: number;
  readonly filesScanned: number;
  readonly filesPrunedByPartition: number;
  readonly filesPrunedByStats: number;
  readonly bytesScanned: number;
}

/**
 * The SQL of the change rows of `commits`, read with `snapshot`'s schema. With `filter` (a
 * predicate over the table's columns that the query applies to the rows anyway), files of other
 * partitions, or whose stats rule it out, are not read: a change row has its file's partition.
 */
export async function changesSql(c: DuckDBConnection, engine: Engine, snapshot: Snapshot, commits: readonly CommitChanges[], filter?: Predicate): Promise<{ sql: string; files: ChangeFileCounts }> {
  const selects: string[] = [];
  const files = { filesTotal: 0, filesScanned: 0, filesPrunedByPartition: 0, filesPrunedByStats: 0, bytesScanned: 0 };
  for (const commit of commits) {
    const stamp = `${commit.version}::BIGINT AS _commit_version, timezone('UTC', epoch_ms(${commit.timestamp}::BIGINT)) AS _commit_timestamp`;
    const read = async (list: readonly AddFile[], changeType?: string) => {
      if (list.length === 0) return;
      const plan = planScan(snapshot, { files: addFileList(list), ...(filter ? { filter } : {}) });
      files.filesTotal += list.length;
      files.filesScanned += plan.files.length;
      files.filesPrunedByPartition += plan.filesPrunedByPartition;
      files.filesPrunedByStats += plan.filesPrunedByStats;
      files.bytesScanned += plan.files.reduce((n, f) => n + f.add.size, 0);
      if (plan.files.length === 0) return;
      const sql = await scanSql(c, engine, plan, changeType ? {} : { extraColumns: [CHANGE_TYPE_COLUMN] });
      if (sql === undefined) return;
      const type = changeType ? `'${changeType}' AS ${CHANGE_TYPE_COLUMN}, ` : '';
      selects.push(`SELECT *, ${type}${stamp} FROM (${sql})`);
    };
    if (commit.files.kind === 'cdc') {
      await read(commit.files.files.map(cdcAsAdd));
    } else {
      await read(commit.files.inserts, 'insert');
      await read(commit.files.deletes.map(removeAsAdd), 'delete');
    }
  }
  return { sql: selects.length > 0 ? selects.join('\nUNION ALL\n') : emptyChanges(snapshot), files };
}

/** No change rows, with the feed's columns and types. */
function emptyChanges(snapshot: Snapshot): string {
  const cols = snapshot.schema.fields.map((f) => `NULL::${duckType(f.type)} AS ${sqlIdent(f.name)}`);
  return `SELECT ${[...cols, `NULL::VARCHAR AS ${CHANGE_TYPE_COLUMN}`, 'NULL::BIGINT AS _commit_version', 'NULL::TIMESTAMPTZ AS _commit_timestamp'].join(', ')} WHERE false`;
}
