import { deltaError, isDeltaError, type StorageHandler } from '@loch/delta';
import { LocalStorage, localUrl } from '@loch/engine-node';
import { join, resolve } from 'node:path';
import { SqlError } from '../errors.js';
import { SOURCE_MARKER } from '../plan/source-tables.js';

const CATALOG_FILE = '_loch_catalog.json';

/** The schema every lake has; its tables are the lake directory's own subdirectories. */
export const DEFAULT_SCHEMA = 'default';

/**
 * `_loch_catalog.json`. A lake made before schemas existed has only `tables` (the default
 * schema's tables registered with LOCATION) and opens unchanged; schemas add `schemas`.
 */
interface CatalogFile {
  readonly tables?: Record<string, string>;
  readonly schemas?: Record<string, SchemaEntry>;
  /** ANALYZE TABLE ... COMPUTE STATISTICS, by `schema.table` (lower case). */
  readonly statistics?: Record<string, TableStatistics>;
}

/** Spark's catalog statistics of a table (ANALYZE TABLE ... COMPUTE STATISTICS), as of a version. */
export interface TableStatistics {
  /** The Delta table id they describe: a table dropped and made again has none. */
  readonly tableId: string;
  readonly version: number;
  readonly sizeInBytes: number;
  /** Absent with NOSCAN. */
  readonly numRows?: number;
  readonly columns?: Readonly<Record<string, ColumnStatistics>>;
}

export interface ColumnStatistics {
  readonly distinctCount: number;
  /** As text; only for numbers, dates, timestamps and booleans, as in Spark. */
  readonly min?: string;
  readonly max?: string;
  readonly nullCount: number;
  readonly avgLen: number;
  readonly maxLen: number;
}

interface SchemaEntry {
  /** Where the schema's managed tables live; `<lake>/<schema>.db` when absent. */
  readonly location?: string;
  readonly comment?: string;
  readonly properties?: Record<string, string>;
  /** Milliseconds since the epoch. */
  readonly createdAt?: number;
  /** Tables registered with a LOCATION (external tables), by name. */
  readonly tables?: Record<string, string>;
}

/** A table of the lake: its schema and name. */
export interface LakeName {
  readonly schema: string;
  readonly name: string;
}

export interface LakeTableEntry {
  readonly schema: string;
  readonly name: string;
  /** Absolute local path of the table root. */
  readonly location: string;
}

export interface LakeSchema {
  readonly name: string;
  /** Absolute local path of the directory that holds its managed tables. */
  readonly location: string;
  readonly comment?: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly createdAt?: number;
}

/**
 * The names of a lake: one catalog (`main` unless told otherwise) of schemas, each a directory of
 * tables, laid out as Spark lays out its warehouse. The `default` schema's tables are the lake
 * directory's subdirectories holding a `_delta_log` (so a lake made before schemas existed is its
 * default schema), another schema's are under `<lake>/<schema>.db/` or the LOCATION it was made
 * with. Names given a LOCATION of their own, and the schemas with their comments, are kept in
 * `_loch_catalog.json`. Names resolve case-insensitively, as Spark resolves them; schema names
 * are kept in lower case, as the metastore keeps them. The Delta log stays the only truth about
 * tables. Every question goes to the lake's storage (asynchronously: an object store answers over
 * the network), never to the local disk directly.
 */
export class LakeCatalog {
  readonly dir: string;
  private readonly storage: StorageHandler;

  /**
   * `name`: what the lake is called as a catalog (`USE CATALOG`, three-part names). `storage`:
   * the lake's tables' storage (the Engine's), which lists tables and keeps the catalog file.
   */
  constructor(dir: string, readonly name = 'main', storage?: StorageHandler) {
    this.dir = resolve(dir);
    this.storage = storage ?? new LocalStorage();
  }

  // ---- schemas ----

  /** The schema called `name` (any case), or undefined. */
  async schema(name: string): Promise<LakeSchema | undefined> {
    return this.schemaIn(await this.read(), name);
  }

  async hasSchema(name: string): Promise<boolean> {
    return (await this.schema(name)) !== undefined;
  }

  /** Every schema, `default` first and the others by name. */
  async schemas(): Promise<LakeSchema[]> {
    const file = await this.read();
    const others = Object.entries(file.schemas ?? {})
      .filter(([k]) => k !== DEFAULT_SCHEMA)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, e]) => this.schemaOf(k, e));
    return [this.schemaIn(file, DEFAULT_SCHEMA)!, ...others];
  }

  /** Records a new schema; fails with LOCH_SCHEMA_ALREADY_EXISTS when there is one of that name. */
  async createSchema(name: string, options: { location?: string; comment?: string; properties?: Record<string, string> } = {}): Promise<LakeSchema> {
    checkName(name, 'schema');
    const key = name.toLowerCase();
    const file = await this.read();
    if (this.schemaIn(file, key)) throw new SqlError('LOCH_SCHEMA_ALREADY_EXISTS', `schema ${this.name}.${key} already exists`);
    const entry: SchemaEntry = {
      ...(options.location !== undefined ? { location: resolve(options.location) } : {}),
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
      ...(options.properties && Object.keys(options.properties).length > 0 ? { properties: options.properties } : {}),
      createdAt: Date.now(),
    };
    await this.save({ ...file, schemas: { ...(file.schemas ?? {}), [key]: entry } });
    // Its directory comes with its first table: storage makes what a file needs.
    return this.schemaOf(key, entry);
  }

  /** Sets a schema's comment or properties (ALTER SCHEMA). */
  async alterSchema(name: string, change: { comment?: string; properties?: Record<string, string> }): Promise<void> {
    const file = await this.read();
    const key = this.requireSchemaIn(file, name).name;
    if (key === DEFAULT_SCHEMA) throw new SqlError('LOCH_SQL_ERROR', `the ${DEFAULT_SCHEMA} schema has no properties of its own to change`);
    const entry = file.schemas![key];
    const next: SchemaEntry = {
      ...entry,
      ...(change.comment !== undefined ? { comment: change.comment } : {}),
      ...(change.properties ? { properties: { ...(entry.properties ?? {}), ...change.properties } } : {}),
    };
    await this.save({ ...file, schemas: { ...file.schemas, [key]: next } });
  }

  /**
   * Forgets a schema whose tables are gone (the caller drops them first), and removes its
   * directory when nothing is left in it.
   */
  async dropSchema(name: string): Promise<void> {
    const file = await this.read();
    const schema = this.requireSchemaIn(file, name);
    if (schema.name === DEFAULT_SCHEMA) throw new SqlError('LOCH_SQL_ERROR', `the ${DEFAULT_SCHEMA} schema cannot be dropped`);
    const schemas = { ...file.schemas };
    delete schemas[schema.name];
    await this.save({ ...file, schemas });
    // Its directory goes only when nothing is left in it (files of tables it never managed stay).
    const url = localUrl(schema.location, true);
    const [dirs, files] = await Promise.all([this.storage.listDirectories(url), this.storage.list(url)]);
    if (dirs.length === 0 && files.length === 0) await this.storage.deletePrefix(url).catch(() => undefined);
  }

  /** The schema, or LOCH_SCHEMA_NOT_FOUND naming it. */
  async requireSchema(name: string): Promise<LakeSchema> {
    return this.requireSchemaIn(await this.read(), name);
  }

  // ---- tables ----

  /**
   * Where the table lives (or would be created): its registered LOCATION, else its directory in
   * its schema's, named as written or, failing that, in another case. Fails with
   * LOCH_SCHEMA_NOT_FOUND when its schema does not exist.
   */
  async locate(t: LakeName): Promise<string> {
    return this.locateIn(await this.read(), t);
  }

  /** Whether `t` names a table: a Delta table (its `_delta_log`) or a data source table (source-tables.ts). */
  async has(t: LakeName): Promise<boolean> {
    return (await this.find(t))?.isTable ?? false;
  }

  /**
   * Where `t` lives (or would be created) and whether a table is there, from one reading of the
   * catalog file: what a query asks of each name it reads. Undefined when its schema does not exist.
   */
  async find(t: LakeName): Promise<{ location: string; isTable: boolean } | undefined> {
    const file = await this.read();
    if (!this.schemaIn(file, t.schema)) return undefined;
    const location = await this.locateIn(file, t);
    return { location, isTable: await this.isTable(location) };
  }

  private async locateIn(file: CatalogFile, t: LakeName): Promise<string> {
    checkName(t.name, 'table');
    const schema = this.requireSchemaIn(file, t.schema);
    const registered = registeredIn(file, schema.name);
    const key = Object.keys(registered).find((k) => k === t.name) ?? Object.keys(registered).find((k) => k.toLowerCase() === t.name.toLowerCase());
    if (key !== undefined) return registered[key];
    const direct = join(schema.location, t.name);
    if (await this.storage.isDirectory(localUrl(direct, true))) return direct;
    // In another case: the schema's directories are listed (a schema without a directory yet
    // lists as empty, and the table would be created under it).
    const dirs = await this.storage.listDirectories(localUrl(schema.location, true));
    const other = dirs.find((d) => d.toLowerCase() === t.name.toLowerCase());
    return other !== undefined ? join(schema.location, other) : direct;
  }

  /** The tables of a schema, sorted by name. */
  async list(schemaName: string = DEFAULT_SCHEMA): Promise<LakeTableEntry[]> {
    const file = await this.read();
    const schema = this.requireSchemaIn(file, schemaName);
    const out = new Map<string, string>();
    const names = await this.storage.listDirectories(localUrl(schema.location, true));
    const isTable = await Promise.all(names.map((n) => this.isTable(join(schema.location, n))));
    names.forEach((n, i) => isTable[i] && out.set(n, join(schema.location, n)));
    for (const [n, location] of Object.entries(registeredIn(file, schema.name))) out.set(n, location);
    return [...out]
      .map(([name, location]) => ({ schema: schema.name, name, location }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Records that `t` lives at `location` (outside its schema's directory). */
  async register(t: LakeName, location: string): Promise<void> {
    checkName(t.name, 'table');
    const file = await this.read();
    const schema = this.requireSchemaIn(file, t.schema).name;
    await this.saveTables(file, schema, { ...registeredIn(file, schema), [t.name]: resolve(location) });
  }

  /** Whether `t` was registered with a LOCATION (an external table: the lake does not own its files). */
  async isExternal(t: LakeName): Promise<boolean> {
    const file = await this.read();
    if (!this.schemaIn(file, t.schema)) return false;
    return Object.keys(registeredIn(file, t.schema.toLowerCase())).some((k) => k.toLowerCase() === t.name.toLowerCase());
  }

  /** Forgets a registered name; the table's files stay where they are. */
  async unregister(t: LakeName): Promise<void> {
    const file = await this.read();
    const schema = this.requireSchemaIn(file, t.schema).name;
    const tables = Object.fromEntries(Object.entries(registeredIn(file, schema)).filter(([k]) => k.toLowerCase() !== t.name.toLowerCase()));
    await this.saveTables(file, schema, tables);
  }

  // ---- statistics ----

  /** The catalog statistics of `t`, when ANALYZE computed some for the table now there. */
  async statistics(t: LakeName, tableId: string): Promise<TableStatistics | undefined> {
    const s = (await this.read()).statistics?.[statsKey(t)];
    return s && s.tableId === tableId ? s : undefined;
  }

  async setStatistics(t: LakeName, stats: TableStatistics | undefined): Promise<void> {
    const file = await this.read();
    const all = { ...(file.statistics ?? {}) };
    if (stats) all[statsKey(t)] = stats;
    else delete all[statsKey(t)];
    await this.save({ ...file, statistics: all });
  }

  /**
   * Whether the directory at `location` is a table: one holding a `_delta_log` (or a data source
   * table's marker). Two questions to storage, never a listing of its data files.
   */
  private async isTable(location: string): Promise<boolean> {
    const url = localUrl(location, true);
    const [log, marker] = await Promise.all([this.storage.isDirectory(`${url}_delta_log/`), this.storage.exists(url + SOURCE_MARKER)]);
    return log || marker;
  }

  private schemaIn(file: CatalogFile, name: string): LakeSchema | undefined {
    const key = name.toLowerCase();
    if (key === DEFAULT_SCHEMA) return { name: DEFAULT_SCHEMA, location: this.dir, properties: {} };
    const entry = file.schemas?.[key];
    return entry ? this.schemaOf(key, entry) : undefined;
  }

  /** The schema, or LOCH_SCHEMA_NOT_FOUND naming it. */
  private requireSchemaIn(file: CatalogFile, name: string): LakeSchema {
    const s = this.schemaIn(file, name);
    if (!s) throw new SqlError('LOCH_SCHEMA_NOT_FOUND', `schema ${this.name}.${name.toLowerCase()} does not exist (create it with CREATE SCHEMA ${name}; SHOW SCHEMAS lists the lake's schemas)`);
    return s;
  }

  private schemaOf(key: string, e: SchemaEntry): LakeSchema {
    return {
      name: key,
      location: e.location ?? join(this.dir, `${key}.db`),
      ...(e.comment !== undefined ? { comment: e.comment } : {}),
      properties: { ...(e.properties ?? {}) },
      ...(e.createdAt !== undefined ? { createdAt: e.createdAt } : {}),
    };
  }

  private async saveTables(file: CatalogFile, schema: string, tables: Record<string, string>): Promise<void> {
    if (schema === DEFAULT_SCHEMA) return this.save({ ...file, tables });
    await this.save({ ...file, schemas: { ...file.schemas, [schema]: { ...file.schemas![schema], tables } } });
  }

  private async save(file: CatalogFile): Promise<void> {
    const out: CatalogFile = {
      tables: file.tables ?? {},
      ...(file.schemas && Object.keys(file.schemas).length > 0 ? { schemas: file.schemas } : {}),
      ...(file.statistics && Object.keys(file.statistics).length > 0 ? { statistics: file.statistics } : {}),
    };
    // Replaced whole: no reader sees half a catalog.
    await this.storage.put(localUrl(join(this.dir, CATALOG_FILE)), new TextEncoder().encode(`${JSON.stringify(out, null, 2)}\n`));
  }

  /** The catalog file as it is now; a lake without one (none made yet) has only its directories. */
  private async read(): Promise<CatalogFile> {
    let bytes: Uint8Array;
    try {
      bytes = await this.storage.read(localUrl(join(this.dir, CATALOG_FILE)));
    } catch (e) {
      if (isDeltaError(e, 'DELTA_FILE_NOT_FOUND')) return {};
      throw e;
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as CatalogFile;
    } catch (e) {
      throw deltaError('DELTA_IO_ERROR', `${join(this.dir, CATALOG_FILE)} is not valid JSON`, e);
    }
  }
}

/** The names of a schema registered with a LOCATION, and where each lives. */
function registeredIn(file: CatalogFile, schema: string): Record<string, string> {
  return { ...((schema === DEFAULT_SCHEMA ? file.tables : file.schemas?.[schema]?.tables) ?? {}) };
}

const statsKey = (t: LakeName) => `${t.schema.toLowerCase()}.${t.name.toLowerCase()}`;

function checkName(name: string, what: 'table' | 'schema'): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    const hint = what === 'table' ? '; name a table by path as delta.`/path`' : '';
    throw deltaError('DELTA_INVALID_ARGUMENT', `'${name}' cannot name a lake ${what}${hint}`);
  }
}
