/**
 * The lake's namespaces: schemas made, changed and dropped, the session's current schema, and
 * listings with Databricks' column names.
 */
import type { DataType, PrimitiveTypeName } from '@loch/delta';
import { pathToFileURL } from 'node:url';
import { formatTimestamp } from '../../values/json-values.js';
import type { SessionContext } from './context.js';
import { SqlError } from '../errors.js';
import { likePattern, type CatalogStatement, type SchemaName } from '../parse/statements-catalog.js';
import type { Listing } from './run-describe.js';
import { dropLakeTable } from './run-drop.js';
import type { SqlColumn } from './result.js';

type Of<K extends CatalogStatement['kind']> = Extract<CatalogStatement, { kind: K }>;

const p = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const col = (name: string, deltaType: DataType = p('string')): SqlColumn => ({ name, deltaType });

/** The schema a statement names, in the lake's catalog (a name in another catalog fails). */
function schemaOf(ctx: SessionContext, name: SchemaName): string {
  if (name.catalog !== undefined) ctx.names.checkCatalog(name.catalog);
  return name.schema.toLowerCase();
}

const shown = (ctx: SessionContext, schema: string) => `${ctx.names.catalog}.${schema}`;

export async function createSchema(ctx: SessionContext, st: Of<'createSchema'>): Promise<string> {
  const schema = schemaOf(ctx, st.name);
  if (await ctx.names.lake.hasSchema(schema)) {
    if (st.ifNotExists) return `CREATE SCHEMA ${shown(ctx, schema)}: exists`;
    throw new SqlError('LOCH_SCHEMA_ALREADY_EXISTS', `schema ${shown(ctx, schema)} already exists`);
  }
  const made = await ctx.names.lake.createSchema(schema, {
    ...(st.location !== undefined ? { location: st.location } : {}),
    ...(st.comment !== undefined ? { comment: st.comment } : {}),
    properties: { ...st.properties },
  });
  return `CREATE SCHEMA ${shown(ctx, schema)}: ${made.location}`;
}

/**
 * DROP SCHEMA s [CASCADE]: a schema with tables is dropped only with CASCADE, which drops each
 * table as DROP TABLE does (a managed table's files deleted, an external one's name forgotten).
 */
export async function dropSchema(ctx: SessionContext, st: Of<'dropSchema'>): Promise<string> {
  const schema = schemaOf(ctx, st.name);
  const lake = ctx.names.lake;
  if (!(await lake.hasSchema(schema))) {
    if (st.ifExists) return `DROP SCHEMA ${shown(ctx, schema)}: no such schema`;
    await lake.requireSchema(schema);
  }
  if (schema === 'default') throw new SqlError('LOCH_SQL_ERROR', `the default schema cannot be dropped`);
  const tables = await lake.list(schema);
  if (tables.length > 0 && !st.cascade) {
    const names = tables.map((t) => t.name).join(', ');
    throw new SqlError('LOCH_SCHEMA_NOT_EMPTY', `schema ${shown(ctx, schema)} has ${tables.length} table${tables.length === 1 ? '' : 's'} (${names}); drop them first, or DROP SCHEMA ${schema} CASCADE`);
  }
  for (const t of tables) await dropLakeTable(ctx, t);
  await lake.dropSchema(schema);
  if (ctx.names.schema === schema) await ctx.names.useSchema('default');
  return `DROP SCHEMA ${shown(ctx, schema)}${tables.length > 0 ? `: ${tables.length} table${tables.length === 1 ? '' : 's'} dropped` : ''}`;
}

export async function alterSchema(ctx: SessionContext, st: Of<'alterSchema'>): Promise<string> {
  const schema = schemaOf(ctx, st.name);
  await ctx.names.lake.alterSchema(schema, { ...(st.comment !== undefined ? { comment: st.comment } : {}), ...(st.properties ? { properties: { ...st.properties } } : {}) });
  return `ALTER SCHEMA ${shown(ctx, schema)}`;
}

/** USE CATALOG c, USE [SCHEMA] [c.]s: what later statements' unqualified names mean. */
export async function use(ctx: SessionContext, st: Of<'use'>): Promise<string> {
  if (st.schema === undefined) {
    ctx.names.useCatalog(st.catalog!);
    return `USE CATALOG ${ctx.names.catalog}`;
  }
  await ctx.names.useSchema(st.schema, st.catalog);
  return `USE ${shown(ctx, ctx.names.schema)}`;
}

export function showCatalogs(ctx: SessionContext, like?: string): Listing {
  const name = ctx.names.catalog;
  return { columns: [col('catalog')], rows: like === undefined || likePattern(like).test(name) ? [{ catalog: name }] : [] };
}

/** SHOW SCHEMAS [IN c] [LIKE p]: Databricks' `databaseName` column. */
export async function showSchemas(ctx: SessionContext, st: Of<'showSchemas'>): Promise<Listing> {
  if (st.catalog !== undefined) ctx.names.checkCatalog(st.catalog);
  const like = st.like !== undefined ? likePattern(st.like) : undefined;
  const rows = (await ctx.names.lake.schemas())
    .filter((s) => !like || like.test(s.name))
    .map((s) => ({ databaseName: s.name }));
  return { columns: [col('databaseName')], rows };
}

/**
 * SHOW TABLES [IN s] [LIKE p]: Databricks' columns (database, tableName, isTemporary) and where
 * each table lives; the session's temporary views and tables follow, as in Spark.
 */
export async function showTables(ctx: SessionContext, st: Of<'showTables'>): Promise<Listing> {
  const schema = st.name ? schemaOf(ctx, st.name) : ctx.names.schema;
  const like = st.like !== undefined ? likePattern(st.like) : undefined;
  const tables = (await ctx.names.lake.list(schema)).filter((t) => !like || like.test(t.name));
  const temporary = (
    await ctx.c.runAndReadAll('SELECT table_name FROM duckdb_tables() WHERE temporary UNION SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal ORDER BY 1')
  )
    .getRows()
    .map((r) => String(r[0]))
    .filter((n) => !like || like.test(n));
  return {
    columns: [col('database'), col('tableName'), col('isTemporary', p('boolean')), col('location')],
    rows: [
      ...tables.map((t) => ({ database: t.schema, tableName: t.name, isTemporary: false, location: t.location })),
      ...temporary.map((n) => ({ database: '', tableName: n, isTemporary: true, location: null })),
    ],
  };
}

const DESCRIPTION = [col('database_description_item'), col('database_description_value')];

/** DESCRIBE SCHEMA [EXTENDED] s: Databricks' rows (Catalog Name, Namespace Name, Comment, Location, Owner; Properties when EXTENDED). */
export async function describeSchema(ctx: SessionContext, st: Of<'describeSchema'>): Promise<Listing> {
  const schema = await ctx.names.lake.requireSchema(schemaOf(ctx, st.name));
  const item = (database_description_item: string, database_description_value: string) => ({ database_description_item, database_description_value });
  const rows = [
    item('Catalog Name', ctx.names.catalog),
    item('Namespace Name', schema.name),
    item('Comment', schema.comment ?? ''),
    item('Location', pathToFileURL(schema.location).href),
    item('Owner', process.env.USER ?? ''),
  ];
  if (st.extended) {
    if (schema.createdAt !== undefined) rows.push(item('Created Time', `${formatTimestamp(BigInt(schema.createdAt) * 1000n)}Z`));
    const props = Object.entries(schema.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    rows.push(item('Properties', props.length === 0 ? '' : `(${props.map(([k, v]) => `(${k},${v})`).join(', ')})`));
  }
  return { columns: DESCRIPTION, rows };
}

export function describeCatalog(ctx: SessionContext, st: Of<'describeCatalog'>): Listing {
  ctx.names.checkCatalog(st.catalog);
  const item = (info_name: string, info_value: string) => ({ info_name, info_value });
  return {
    columns: [col('info_name'), col('info_value')],
    rows: [item('Catalog Name', ctx.names.catalog), item('Comment', `the lake at ${ctx.names.lake.dir}`), item('Owner', process.env.USER ?? '')],
  };
}
