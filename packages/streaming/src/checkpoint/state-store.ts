import type { DuckDBConnection } from '@duckdb/node-api';
import type { StorageHandler } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { streamingError } from '../errors.js';
import { withParquet, writeParquet } from './parquet-files.js';

export interface StateStoreOptions {
  /** A full snapshot every this many versions (Spark's minDeltasForSnapshot: 10). */
  readonly snapshotInterval: number;
  /** Versions kept for recovery (Spark's minBatchesToRetain: 100). */
  readonly retain: number;
}

export interface StateCommit {
  readonly numRowsTotal: number;
  readonly numRowsUpdated: number;
  readonly numRowsRemoved: number;
  readonly memoryUsedBytes: number;
  /** Bytes of the files this version wrote. */
  readonly checkpointBytes: number;
}

const DELETED = '__loch_deleted';

/**
 * The state of one stateful operator, versioned by batch (version N+1 is the state after batch
 * N) as Spark's HDFS-backed state store keeps it: each version writes a delta file of the rows
 * it upserted and the keys it removed (`<v>.delta`), and every `snapshotInterval` versions a
 * full snapshot (`<v>.snapshot`), both Parquet. Loading version v reads the newest snapshot at
 * or before v and the deltas after it. The live state is a DuckDB table, updated in place.
 */
export class StateStore {
  private loadedVersion: number | undefined;

  constructor(
    private readonly c: DuckDBConnection,
    private readonly storage: StorageHandler,
    /** The operator's folder in the checkpoint (`state/<op>/0/`). */
    private readonly dir: string,
    /** The live state's DuckDB table. */
    readonly table: string,
    /** Value columns; the others are the key: a state row per distinct key (NULL equals NULL). */
    private readonly valueColumns: readonly string[],
    private readonly options: StateStoreOptions,
  ) {}

  get version(): number | undefined {
    return this.loadedVersion;
  }

  /** Whether the live table exists (it is made from the first rows' shape). */
  async exists(): Promise<boolean> {
    const [schema, name] = splitName(this.table);
    const r = await this.c.runAndReadAll('SELECT 1 FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2', [schema, name]);
    return r.currentRowCount > 0;
  }

  /** Makes the live table empty, shaped like `relation`, when there is none yet. */
  async ensureShape(relation: string): Promise<void> {
    await this.c.run(`CREATE TABLE IF NOT EXISTS ${this.table} AS SELECT * FROM ${relation} LIMIT 0`);
  }

  /** Loads version `version` from the checkpoint (0: no state), unless it is the live one. */
  async load(version: number): Promise<void> {
    if (this.loadedVersion === version) return;
    await this.c.run(`DROP TABLE IF EXISTS ${this.table}`);
    this.loadedVersion = undefined;
    if (version > 0) {
      const files = await this.files();
      const snapshot = [...files.snapshots].filter((v) => v <= version).sort((a, b) => b - a)[0] ?? 0;
      if (snapshot > 0) {
        await withParquet(this.storage, this.fileOf(snapshot, 'snapshot'), (p) => this.c.run(`CREATE TABLE ${this.table} AS SELECT * FROM read_parquet(${sqlString(p)})`));
      }
      for (let v = snapshot + 1; v <= version; v++) {
        if (!files.deltas.has(v)) {
          throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `state file ${decodeURIComponent(this.fileOf(v, 'delta'))} is missing: state version ${version} cannot be rebuilt`);
        }
        await withParquet(this.storage, this.fileOf(v, 'delta'), (p) => this.applyDelta(`read_parquet(${sqlString(p)})`));
      }
    }
    this.loadedVersion = version;
  }

  /**
   * Replaces the rows of the keys in `upserts` with its rows, removes the keys in `removes`,
   * and writes the change as version `version` (the previous version must be the live one).
   */
  async commit(version: number, upserts: string | undefined, removes: string | undefined): Promise<StateCommit> {
    if (this.loadedVersion !== version - 1) throw new Error(`state store ${this.dir}: committing version ${version} over version ${this.loadedVersion}`);
    if (!(await this.exists())) {
      if (!upserts) throw new Error(`state store ${this.dir}: no shape for the first state`);
      await this.ensureShape(upserts);
    }
    const columns = await this.columns();
    const keys = columns.filter((c) => !this.valueColumns.includes(c.name)).map((c) => c.name);
    const cols = columns.map((c) => sqlIdent(c.name)).join(', ');
    const keyCols = keys.map(sqlIdent).join(', ');
    const nulls = columns.map((c) => (keys.includes(c.name) ? sqlIdent(c.name) : `NULL::${c.type} AS ${sqlIdent(c.name)}`)).join(', ');
    const parts = [
      ...(upserts ? [`SELECT ${cols}, false AS ${DELETED} FROM ${upserts}`] : []),
      ...(removes ? [`SELECT ${nulls}, true AS ${DELETED} FROM (SELECT DISTINCT ${keyCols} FROM ${removes})`] : []),
    ];
    const change = parts.length > 0 ? parts.join(' UNION ALL ') : `SELECT ${cols}, false AS ${DELETED} FROM ${this.table} LIMIT 0`;
    const changeTable = `${this.table}_change`;
    await this.c.run(`CREATE OR REPLACE TABLE ${changeTable} AS ${change}`);
    try {
      let bytes = await writeParquet(this.c, this.storage, this.fileOf(version, 'delta'), `SELECT * FROM ${changeTable}`);
      const removed = await this.applyDelta(changeTable);
      if (version % this.options.snapshotInterval === 0) {
        bytes += await writeParquet(this.c, this.storage, this.fileOf(version, 'snapshot'), `SELECT * FROM ${this.table}`);
        await this.cleanup(version);
      }
      this.loadedVersion = version;
      const counts = await this.c.runAndReadAll(`SELECT (SELECT count(*) FROM ${this.table})::BIGINT, (SELECT count(*) FILTER (WHERE NOT ${DELETED}) FROM ${changeTable})::BIGINT`);
      const [total, updated] = counts.getRows()[0].map(Number);
      return { numRowsTotal: total, numRowsUpdated: updated, numRowsRemoved: removed, memoryUsedBytes: total * rowWidth(columns.map((c) => c.type)), checkpointBytes: bytes };
    } finally {
      await this.c.run(`DROP TABLE IF EXISTS ${changeTable}`);
    }
  }

  async drop(): Promise<void> {
    await this.c.run(`DROP TABLE IF EXISTS ${this.table}`);
    this.loadedVersion = undefined;
  }

  /** Applies a change relation (rows with DELETED); returns how many live rows it removed. */
  private async applyDelta(change: string): Promise<number> {
    if (!(await this.exists())) {
      await this.c.run(`CREATE TABLE ${this.table} AS SELECT * EXCLUDE (${DELETED}) FROM ${change} LIMIT 0`);
    }
    const keys = (await this.columns()).map((c) => c.name).filter((n) => !this.valueColumns.includes(n));
    const on = keys.map((k) => `s.${sqlIdent(k)} IS NOT DISTINCT FROM x.${sqlIdent(k)}`).join(' AND ');
    const removedBefore = await this.c.runAndReadAll(`SELECT count(*)::BIGINT FROM ${this.table} s SEMI JOIN (SELECT * FROM ${change} WHERE ${DELETED}) x ON ${on}`);
    const removed = Number(removedBefore.getRows()[0][0]);
    await this.c.run(`DELETE FROM ${this.table} s USING ${change} x WHERE ${on}`);
    await this.c.run(`INSERT INTO ${this.table} BY NAME SELECT * EXCLUDE (${DELETED}) FROM ${change} WHERE NOT ${DELETED}`);
    return removed;
  }

  private async columns(): Promise<{ name: string; type: string }[]> {
    const r = await this.c.runAndReadAll(`DESCRIBE ${this.table}`);
    return r.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  }

  private fileOf(version: number, kind: 'delta' | 'snapshot'): string {
    return `${this.dir}${version}.${kind}`;
  }

  private async files(): Promise<{ deltas: Set<number>; snapshots: Set<number> }> {
    const deltas = new Set<number>();
    const snapshots = new Set<number>();
    for (const f of await this.storage.list(this.dir)) {
      const m = /\/(\d+)\.(delta|snapshot)$/.exec(f.path);
      if (m) (m[2] === 'delta' ? deltas : snapshots).add(Number(m[1]));
    }
    return { deltas, snapshots };
  }

  /** Removes files no version within `retain` of `version` needs (older than the snapshot they start from). */
  private async cleanup(version: number): Promise<void> {
    const files = await this.files();
    const oldest = version - this.options.retain;
    const base = [...files.snapshots].filter((v) => v <= oldest).sort((a, b) => b - a)[0];
    if (base === undefined) return;
    for (const v of files.deltas) if (v <= base) await this.storage.delete(this.fileOf(v, 'delta'));
    for (const v of files.snapshots) if (v < base) await this.storage.delete(this.fileOf(v, 'snapshot'));
  }
}

/** `schema.name` → [schema, name]. */
function splitName(table: string): [string, string] {
  const m = /^([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(table);
  if (!m) throw new Error(`not a plain qualified table name: ${table}`);
  return [m[1], m[2]];
}

/** Bytes a row takes in DuckDB's vectors, roughly (strings and nested values as their 16-byte headers). */
function rowWidth(types: readonly string[]): number {
  let n = 0;
  for (const t of types) {
    if (/^(BOOLEAN|TINYINT|UTINYINT)$/.test(t)) n += 1;
    else if (/^(SMALLINT|USMALLINT)$/.test(t)) n += 2;
    else if (/^(INTEGER|UINTEGER|FLOAT|DATE)$/.test(t)) n += 4;
    else if (/^(HUGEINT|UHUGEINT|UUID|INTERVAL)$/.test(t) || t.startsWith('DECIMAL') || t.startsWith('VARCHAR') || t.endsWith(']') || t.startsWith('STRUCT') || t.startsWith('MAP')) n += 16;
    else n += 8;
  }
  return n;
}
