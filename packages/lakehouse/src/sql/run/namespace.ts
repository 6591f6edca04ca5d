import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '@loch/engine-node';
import { SqlError } from '../errors.js';
import { tableText, type TableName } from '../parse/parse-common.js';
import { DEFAULT_SCHEMA, type LakeCatalog, type LakeName } from './lake-catalog.js';

/** Spark's name for the session catalog; scripts written for open-source Spark use it. */
const SPARK_CATALOG = 'spark_catalog';

type Named = TableName & { kind: 'name' };

/**
 * A session's current catalog and schema (`USE CATALOG`, `USE SCHEMA`) and the lake names its
 * statements' table names resolve to: `t` in the current schema, `s.t` in the current catalog,
 * `c.s.t` as written. The lake is the one catalog; it answers to its own name and to Spark's
 * `spark_catalog`.
 */
export class SessionNamespace {
  private currentSchema = DEFAULT_SCHEMA;

  constructor(readonly lake: LakeCatalog) {}

  get catalog(): string {
    return this.lake.name;
  }

  get schema(): string {
    return this.currentSchema;
  }

  /** Tells the connection the current catalog and schema, for current_catalog() and current_schema(). */
  async publish(c: DuckDBConnection): Promise<void> {
    await c.run(this.statements().join('; '));
  }

  /** The statements that tell a connection the current catalog and schema (publish; a new session runs them as it connects). */
  statements(): string[] {
    return [`SET VARIABLE __loch_current_catalog = ${sqlString(this.catalog)}`, `SET VARIABLE __loch_current_schema = ${sqlString(this.currentSchema)}`];
  }

  /** USE [SCHEMA] s (or `c.s`): the schema must exist. */
  async useSchema(schema: string, catalog?: string): Promise<void> {
    if (catalog !== undefined) this.checkCatalog(catalog);
    this.currentSchema = (await this.lake.requireSchema(schema)).name;
  }

  /** USE CATALOG c: the lake is the only catalog; its default schema becomes current. */
  useCatalog(catalog: string): void {
    this.checkCatalog(catalog);
    this.currentSchema = DEFAULT_SCHEMA;
  }

  isCatalog(name: string): boolean {
    const n = name.toLowerCase();
    return n === this.lake.name.toLowerCase() || n === SPARK_CATALOG;
  }

  checkCatalog(name: string): void {
    if (!this.isCatalog(name)) {
      throw new SqlError('LOCH_CATALOG_NOT_FOUND', `catalog ${name} does not exist: the lake at ${this.lake.dir} is the catalog ${this.lake.name}`);
    }
  }

  /** The lake table a name stands for; fails when it names another catalog. */
  resolve(t: Named): LakeName {
    if (t.catalog !== undefined) this.checkCatalog(t.catalog);
    return { schema: (t.schema ?? this.currentSchema).toLowerCase(), name: t.name };
  }

  /**
   * Whether a name is one of the lake's tables. A name of another catalog, or in a schema the
   * lake lacks, is not (it may be DuckDB's: `information_schema.tables`, a TEMP table).
   */
  async has(t: Named): Promise<boolean> {
    if (t.catalog !== undefined && !this.isCatalog(t.catalog)) return false;
    return this.lake.has(this.resolve(t));
  }

  /** Whether a name is the lake's to answer: one of its tables, or a name only it can mean (see find). */
  async owns(t: Named): Promise<boolean> {
    const found = await this.find(t);
    return found.isTable || found.claimed;
  }

  /**
   * A name looked up once (one reading of the catalog): whether it is a table (`has`), whether
   * the lake claims it (a qualified name that can only mean the lake: its catalog is the lake's,
   * or its schema is one of the lake's; such a name that is no table is an error, not a question
   * for DuckDB), and where it lives, absent when its schema does not exist.
   */
  async find(t: Named): Promise<{ isTable: boolean; claimed: boolean; location?: string }> {
    if (t.catalog !== undefined && !this.isCatalog(t.catalog)) return { isTable: false, claimed: false };
    const found = await this.lake.find(this.resolve(t));
    const claimed = t.catalog !== undefined || (t.schema !== undefined && found !== undefined);
    return { isTable: found?.isTable ?? false, claimed, ...(found ? { location: found.location } : {}) };
  }

  locate(t: Named): Promise<string> {
    return this.lake.locate(this.resolve(t));
  }

  /** `main.sales.orders`: the name with its catalog and schema, as SHOW CREATE TABLE prints it. */
  qualifiedText(t: Named): string {
    const { schema, name } = this.resolve(t);
    return tableText({ kind: 'name', catalog: this.catalog, schema, name });
  }

  isExternal(t: Named): Promise<boolean> {
    return this.lake.isExternal(this.resolve(t));
  }
}
