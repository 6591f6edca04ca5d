import type { Lakehouse, Row } from '@loch/lakehouse/core';
import { sparkString } from '@loch/lakehouse/core';
import { notFoundError } from './api-errors.js';

/**
 * JSON documents with an id and a name (dashboards, alerts) in a Delta table of the lake's
 * reserved `console` schema (id, name, definition as JSON, updated_at), so that they travel with
 * the lake and have a history. Saving one replaces the row with its id in one commit (an
 * overwrite with replaceWhere). Reading a lake never creates the table.
 */
export class DocumentStore<T extends { readonly id: string; readonly name: string }> {
  private ready?: Promise<void>;

  constructor(
    protected readonly lake: Lakehouse,
    /** `console.<name>` */
    readonly table: string,
    /** What a document is called in errors (`dashboard`, `alert`). */
    private readonly kind: string,
    private readonly parse: (json: unknown) => T,
  ) {}

  private ensureTable(): Promise<void> {
    this.ready ??= this.lake
      .sql(`CREATE SCHEMA IF NOT EXISTS console; CREATE TABLE IF NOT EXISTS ${this.table} (id STRING, name STRING, definition STRING, updated_at TIMESTAMP) USING DELTA`)
      .then(() => undefined)
      .catch((e) => {
        this.ready = undefined;
        throw e;
      });
    return this.ready;
  }

  private async exists(): Promise<boolean> {
    const [schema, name] = this.table.split('.');
    return (await this.lake.schemas()).includes(schema) && (await this.lake.tables(schema)).includes(name);
  }

  /** Checks and saves a document (its JSON as given); resolves to it as stored. */
  async save(json: unknown): Promise<T> {
    const d = await this.prepare(this.parse(json));
    await this.ensureTable();
    const row = { id: d.id, name: d.name, definition: JSON.stringify(d), updated_at: new Date().toISOString() };
    await this.lake.table(this.table).write([row], { mode: 'overwrite', replaceWhere: `id = ${sparkString(d.id)}`, operation: 'WRITE' });
    return d;
  }

  /** What is saved of a checked document: itself, unless a store brings values over from the stored one. */
  protected async prepare(d: T): Promise<T> {
    return d;
  }

  /** Every document with the time it was saved, by name. */
  async all(): Promise<{ document: T; updatedAt: string }[]> {
    if (!(await this.exists())) return [];
    const { rows } = await this.lake.table(this.table).scan();
    return rows.map((r: Row) => ({ document: this.parse(JSON.parse(String(r.definition))), updatedAt: String(r.updated_at) })).sort((a, b) => a.document.name.localeCompare(b.document.name));
  }

  async find(id: string): Promise<T | undefined> {
    const { rows } = (await this.exists()) ? await this.lake.table(this.table).scan({ where: `id = ${sparkString(id)}` }) : { rows: [] as Row[] };
    const row = rows.find((r) => r.id === id);
    return row ? this.parse(JSON.parse(String(row.definition))) : undefined;
  }

  async get(id: string): Promise<T> {
    const d = await this.find(id);
    if (!d) throw notFoundError(`${this.kind} '${id}' does not exist`);
    return d;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.lake.table(this.table).delete(`id = ${sparkString(id)}`);
  }
}
