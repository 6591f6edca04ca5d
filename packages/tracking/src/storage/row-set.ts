import { keyOf, type Row, type TableDef } from './tables.js';

/**
 * A keyed table's rows in memory, as of the latest write accepted: lookups by key and, for
 * tables keyed by (owner, ...), all rows of one owner (a run's tags, a model's versions).
 */
export class RowSet {
  private readonly rows = new Map<string, Row>();
  private readonly byOwner = new Map<string, Map<string, Row>>();

  constructor(readonly def: TableDef) {}

  get size(): number {
    return this.rows.size;
  }

  get(...key: (string | number)[]): Row | undefined {
    return this.rows.get(key.map(String).join('\u0000'));
  }

  has(...key: (string | number)[]): boolean {
    return this.get(...key) !== undefined;
  }

  put(row: Row): void {
    const k = keyOf(this.def, row);
    this.rows.set(k, row);
    if (this.def.key.length > 1) {
      const owner = String(row[this.def.key[0]]);
      let m = this.byOwner.get(owner);
      if (!m) this.byOwner.set(owner, (m = new Map()));
      m.set(k, row);
    }
  }

  delete(row: Row): void {
    const k = keyOf(this.def, row);
    this.rows.delete(k);
    if (this.def.key.length > 1) {
      const owner = String(row[this.def.key[0]]);
      const m = this.byOwner.get(owner);
      m?.delete(k);
      if (m?.size === 0) this.byOwner.delete(owner);
    }
  }

  /** Rows whose first key column is `owner`, in the order they were written. */
  owned(owner: string): Row[] {
    const m = this.byOwner.get(owner);
    return m ? [...m.values()] : [];
  }

  clear(): void {
    this.rows.clear();
    this.byOwner.clear();
  }

  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  keys(): Set<string> {
    return new Set(this.rows.keys());
  }
}
