import { isDeltaError, loadSnapshot, Transaction, type AddFile, type Engine, type Snapshot } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse/core';
import { randomUUID } from 'node:crypto';
import { keyOf, type Row, type TableDef } from './tables.js';
import { encodeRows } from './parquet-file.js';
import { valuesQuery } from './sql-values.js';

const MAX_MERGE_ATTEMPTS = 10;

/** A change to a table: a row written (replacing the row with its key), or the row with a key deleted. */
export type Change = { readonly kind: 'put'; readonly row: Row } | { readonly kind: 'delete'; readonly row: Row };

interface Pending {
  readonly changes: readonly Change[];
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export interface CommitEvent {
  readonly table: TableDef;
  readonly version: number;
  /** Files this commit added. */
  readonly filesAdded: number;
}

/**
 * Group commits for one table. Changes that arrive while a commit is being written wait and
 * then go into the next commit together, so a busy table writes one Delta commit per round
 * rather than one per request; every caller's promise settles only after the commit holding
 * its changes is in the log.
 *
 * New rows are a blind append: a Parquet file written here and one add action, against a
 * snapshot kept current by this writer. Replacing or deleting rows that are already in the
 * table is a MERGE (deletion vectors mark the old rows).
 */
export class TableWriter {
  private pending: Pending[] = [];
  private draining = false;
  private head: Snapshot;

  private constructor(
    readonly def: TableDef,
    readonly location: string,
    private readonly table: DeltaTable,
    head: Snapshot,
    /** Keys of the rows in the table's latest committed version (keyed tables). */
    private readonly committedKeys: Set<string>,
    private readonly onCommit: (e: CommitEvent) => void,
  ) {
    this.head = head;
  }

  static async open(def: TableDef, table: DeltaTable, committedKeys: Set<string>, onCommit: (e: CommitEvent) => void): Promise<TableWriter> {
    return new TableWriter(def, await table.location(), table, await table.snapshot(), committedKeys, onCommit);
  }

  get engine(): Engine {
    return this.table.engine;
  }

  get version(): number {
    return this.head.version;
  }

  /** Resolves once the changes are committed. */
  write(changes: readonly Change[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ changes, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * The table's latest version, when another writer committed after this one's last commit
   * (undefined when nothing changed).
   */
  async changedVersion(): Promise<number | undefined> {
    await this.flush();
    const latest = await this.table.snapshot();
    if (latest.version === this.head.version) return undefined;
    this.head = latest;
    return latest.version;
  }

  /** Replaces the keys this writer believes committed (after the rows were read again). */
  resetKeys(keys: ReadonlySet<string>): void {
    this.committedKeys.clear();
    for (const k of keys) this.committedKeys.add(k);
  }

  /** Waits for everything queued so far. */
  async flush(): Promise<void> {
    while (this.draining || this.pending.length > 0) await new Promise((r) => setTimeout(r, 1));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.commit(batch.flatMap((p) => p.changes));
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e);
          // What is in the log is unknown after a failure: read the table again.
          this.head = await this.table.snapshot().catch(() => this.head);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(changes: readonly Change[]): Promise<void> {
    if (this.def.key.length === 0) return this.append(changes.map((c) => c.row));
    const last = new Map<string, Change>();
    for (const c of changes) {
      const k = keyOf(this.def, c.row);
      last.delete(k);
      last.set(k, c);
    }
    const inserts: Row[] = [];
    const rewrites: Change[] = [];
    for (const [k, c] of last) {
      if (this.committedKeys.has(k)) rewrites.push(c);
      else if (c.kind === 'put') inserts.push(c.row);
    }
    if (rewrites.length === 0) await this.append(inserts);
    else await this.merge([...inserts.map((row) => ({ kind: 'put', row }) as Change), ...rewrites]);
    for (const [k, c] of last) {
      if (c.kind === 'put') this.committedKeys.add(k);
      else this.committedKeys.delete(k);
    }
  }

  private async append(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const { bytes, stats } = encodeRows(this.def, rows);
    const path = `part-00000-${randomUUID()}-c000.snappy.parquet`;
    await this.engine.storage.put(`${this.head.tableRoot}${path}`, bytes);
    const add: AddFile = { path, partitionValues: {}, size: bytes.byteLength, modificationTime: Date.now(), dataChange: true, stats };
    const txn = new Transaction(this.engine, this.head.tableRoot, this.head).addFiles([add]);
    const result = await txn.commit({
      name: 'WRITE',
      parameters: { mode: 'Append', partitionBy: [] },
      metrics: { numFiles: 1, numOutputRows: rows.length, numOutputBytes: bytes.byteLength },
      isBlindAppend: true,
    });
    if (result.kind !== 'committed') return;
    // Another writer (compaction, or a second process) committed in between: read the table
    // again. Otherwise the next commit's base is our own version, with the same protocol,
    // metadata and transactions; the head is only ever a commit base, so its file list is not
    // kept (compaction and readers load snapshots of their own).
    this.head = result.attempts > 1 ? await this.table.snapshot() : { ...this.head, version: result.version };
    this.onCommit({ table: this.def, version: result.version, filesAdded: 1 });
  }

  private async merge(changes: readonly Change[]): Promise<void> {
    const source = valuesQuery(this.def, changes.map((c) => c.row), { _op: (_r, i) => changes[i].kind });
    const on = this.def.key.map((k) => `t.${sqlIdent(k)} = s.${sqlIdent(k)}`).join(' AND ');
    const columns = Object.keys(this.def.columns);
    const assign = Object.fromEntries(columns.map((c) => [c, `s.${sqlIdent(c)}`]));
    const merge = this.table
      .merge(source, on, { target: 't', source: 's' })
      .whenMatchedDelete({ condition: "s._op = 'delete'" })
      .whenMatchedUpdate({ set: assign })
      .whenNotMatchedInsert({ condition: "s._op = 'put'", values: assign });
    for (let attempt = 1; ; attempt++) {
      try {
        await merge.execute();
        break;
      } catch (e) {
        // Compaction rewrote files the MERGE read: run it again against the new snapshot.
        if (!(isDeltaError(e) && e.code.startsWith('DELTA_CONCURRENT_')) || attempt >= MAX_MERGE_ATTEMPTS) throw e;
      }
    }
    this.head = await loadSnapshot(this.engine, this.head.tableRoot);
    this.onCommit({ table: this.def, version: this.head.version, filesAdded: 1 });
  }
}
