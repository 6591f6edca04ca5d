/**
 * Statements about the lake's namespaces, as Unity Catalog users write them: CREATE / DROP /
 * ALTER SCHEMA (or DATABASE, NAMESPACE), USE [CATALOG | SCHEMA], SHOW CATALOGS / SCHEMAS /
 * TABLES, DESCRIBE CATALOG / SCHEMA.
 */
import type { Cursor } from './cursor.js';
import { sqlError } from '../errors.js';
import { isWord } from './lexer.js';
import { parseColumnPath, parseProperties } from './parse-common.js';

/** A schema as a statement names it: `s` or `catalog.s`. */
export interface SchemaName {
  readonly schema: string;
  readonly catalog?: string;
}

export type CatalogStatement =
  | {
      readonly kind: 'createSchema';
      readonly name: SchemaName;
      readonly ifNotExists: boolean;
      readonly location?: string;
      readonly comment?: string;
      readonly properties: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'dropSchema'; readonly name: SchemaName; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'alterSchema'; readonly name: SchemaName; readonly comment?: string; readonly properties?: Readonly<Record<string, string>> }
  | { readonly kind: 'use'; readonly catalog?: string; readonly schema?: string }
  | { readonly kind: 'showCatalogs'; readonly like?: string }
  | { readonly kind: 'showSchemas'; readonly catalog?: string; readonly like?: string }
  | { readonly kind: 'showTables'; readonly name?: SchemaName; readonly like?: string }
  | { readonly kind: 'describeSchema'; readonly name: SchemaName; readonly extended: boolean }
  | { readonly kind: 'describeCatalog'; readonly catalog: string; readonly extended: boolean };

/** SCHEMA, DATABASE and NAMESPACE are one word in Spark's grammar. */
const SCHEMA_WORDS = ['SCHEMA', 'DATABASE', 'NAMESPACE'] as const;
const SCHEMAS_WORDS = ['SCHEMAS', 'DATABASES', 'NAMESPACES'] as const;

const schemaWord = (c: Cursor, at = 0) => isWord(c.peek(at), ...SCHEMA_WORDS);

/** The catalog statement at the cursor, or undefined (nothing consumed) when it is another. */
export function parseCatalogStatement(c: Cursor): CatalogStatement | undefined {
  if (c.isWords('CREATE') && schemaWord(c, 1)) return parseCreateSchema(c);
  if (c.isWords('DROP') && schemaWord(c, 1)) {
    c.pos += 2;
    const ifExists = c.words('IF', 'EXISTS');
    const name = parseSchemaName(c);
    const cascade = c.words('CASCADE');
    if (!cascade) c.words('RESTRICT');
    c.expectEnd();
    return { kind: 'dropSchema', name, ifExists, cascade };
  }
  if (c.isWords('ALTER') && schemaWord(c, 1)) return parseAlterSchema(c);
  if (c.words('USE')) {
    if (c.words('CATALOG')) {
      const catalog = c.ident('a catalog name');
      c.expectEnd();
      return { kind: 'use', catalog };
    }
    if (schemaWord(c)) c.pos++;
    const name = parseSchemaName(c);
    c.expectEnd();
    return { kind: 'use', schema: name.schema, ...(name.catalog !== undefined ? { catalog: name.catalog } : {}) };
  }
  if (c.words('SHOW', 'CATALOGS')) {
    const like = parseLike(c);
    c.expectEnd();
    return { kind: 'showCatalogs', ...(like !== undefined ? { like } : {}) };
  }
  if (c.isWords('SHOW') && isWord(c.peek(1), ...SCHEMAS_WORDS)) {
    c.pos += 2;
    const catalog = c.words('IN') || c.words('FROM') ? c.ident('a catalog name') : undefined;
    const like = parseLike(c);
    c.expectEnd();
    return { kind: 'showSchemas', ...(catalog !== undefined ? { catalog } : {}), ...(like !== undefined ? { like } : {}) };
  }
  if (c.words('SHOW', 'TABLES')) {
    const name = c.words('IN') || c.words('FROM') ? parseSchemaName(c) : undefined;
    const like = parseLike(c);
    c.expectEnd();
    return { kind: 'showTables', ...(name ? { name } : {}), ...(like !== undefined ? { like } : {}) };
  }
  if ((c.isWords('DESCRIBE') || c.isWords('DESC')) && (schemaWord(c, 1) || isWord(c.peek(1), 'CATALOG'))) {
    c.pos++;
    const catalog = c.words('CATALOG');
    if (!catalog) c.pos++;
    const extended = c.words('EXTENDED');
    if (catalog) {
      const name = c.ident('a catalog name');
      c.expectEnd();
      return { kind: 'describeCatalog', catalog: name, extended };
    }
    const name = parseSchemaName(c);
    c.expectEnd();
    return { kind: 'describeSchema', name, extended };
  }
  return undefined;
}

function parseCreateSchema(c: Cursor): CatalogStatement {
  c.pos += 2;
  const ifNotExists = c.words('IF', 'NOT', 'EXISTS');
  const name = parseSchemaName(c);
  let location: string | undefined;
  let comment: string | undefined;
  let properties: Record<string, string> = {};
  while (!c.atEnd()) {
    if (c.words('COMMENT')) comment = c.string('a comment');
    else if (c.words('LOCATION') || c.words('MANAGED', 'LOCATION')) location = c.string('a location');
    else if (c.words('WITH', 'DBPROPERTIES') || c.words('WITH', 'PROPERTIES') || c.words('DBPROPERTIES')) properties = { ...properties, ...parseProperties(c) };
    else c.fail('expected COMMENT, LOCATION or WITH DBPROPERTIES');
  }
  return {
    kind: 'createSchema',
    name,
    ifNotExists,
    ...(location !== undefined ? { location } : {}),
    ...(comment !== undefined ? { comment } : {}),
    properties,
  };
}

/** ALTER SCHEMA s SET DBPROPERTIES (...) | SET COMMENT '...' (ownership and location stay as they are). */
function parseAlterSchema(c: Cursor): CatalogStatement {
  c.pos += 2;
  const name = parseSchemaName(c);
  c.expectWords('SET');
  if (c.words('DBPROPERTIES') || c.words('PROPERTIES')) {
    const properties = parseProperties(c);
    c.expectEnd();
    return { kind: 'alterSchema', name, properties };
  }
  if (c.words('COMMENT')) {
    const comment = c.string('a comment');
    c.expectEnd();
    return { kind: 'alterSchema', name, comment };
  }
  return c.fail('expected SET DBPROPERTIES (...) or SET COMMENT');
}

/** `s` or `catalog.s`. */
export function parseSchemaName(c: Cursor): SchemaName {
  const parts = parseColumnPath(c, 'a schema name');
  if (parts.length === 1) return { schema: parts[0] };
  if (parts.length === 2) return { catalog: parts[0], schema: parts[1] };
  throw sqlError(`${parts.join('.')}: a schema is named as schema or catalog.schema`);
}

/** `[LIKE] 'pattern'` after SHOW ... (Spark accepts the pattern without LIKE too). */
function parseLike(c: Cursor): string | undefined {
  if (c.words('LIKE')) return c.string('a pattern');
  return c.peek()?.kind === 'string' ? c.string('a pattern') : undefined;
}

/** Spark's SHOW ... LIKE patterns: `*` any characters, `|` between alternatives, case-insensitive. */
export function likePattern(pattern: string): RegExp {
  const alternatives = pattern.split('|').map((p) => p.trim().replace(/[.+?^${}()[\]\\]/g, '\\$&').replaceAll('*', '.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}
