import type { DataType, PrimitiveTypeName, StructField, StructType } from '@loch/delta';
import { Cursor } from './cursor.js';
import { unsupported } from '../errors.js';

/** Spark SQL's type names (and their aliases) for Delta's primitive types. */
const PRIMITIVES: Readonly<Record<string, PrimitiveTypeName>> = {
  INT: 'integer',
  INTEGER: 'integer',
  BIGINT: 'long',
  LONG: 'long',
  SMALLINT: 'short',
  SHORT: 'short',
  TINYINT: 'byte',
  BYTE: 'byte',
  FLOAT: 'float',
  REAL: 'float',
  DOUBLE: 'double',
  STRING: 'string',
  VARCHAR: 'string',
  CHAR: 'string',
  CHARACTER: 'string',
  TEXT: 'string',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  BINARY: 'binary',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_LTZ: 'timestamp',
  TIMESTAMP_NTZ: 'timestamp_ntz',
};

/** Reads a Spark SQL type (`DECIMAL(10,2)`, `ARRAY<STRING>`, `STRUCT<a: INT, b: MAP<STRING, DOUBLE>>`). */
export function parseSparkType(c: Cursor): DataType {
  const t = c.peek();
  if (t?.kind !== 'word') c.fail('expected a type');
  const name = c.next().text.toUpperCase();
  if (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC') {
    let precision = 10;
    let scale = 0;
    if (c.punct('(')) {
      precision = c.integer('the decimal precision');
      if (c.punct(',')) scale = c.integer('the decimal scale');
      c.expectPunct(')');
    }
    if (precision < 1 || precision > 38 || scale > precision) c.fail(`DECIMAL(${precision},${scale}) is out of range (precision 1 to 38, scale at most the precision)`);
    return { kind: 'decimal', precision, scale };
  }
  if (name === 'ARRAY') {
    c.expectPunct('<');
    const elementType = parseSparkType(c);
    c.expectPunct('>');
    return { kind: 'array', elementType, containsNull: true };
  }
  if (name === 'MAP') {
    c.expectPunct('<');
    const keyType = parseSparkType(c);
    c.expectPunct(',');
    const valueType = parseSparkType(c);
    c.expectPunct('>');
    return { kind: 'map', keyType, valueType, valueContainsNull: true };
  }
  if (name === 'STRUCT') {
    c.expectPunct('<');
    const fields: StructField[] = [];
    if (!c.punct('>')) {
      do {
        const field = c.ident('a struct field name');
        c.punct(':');
        fields.push(parseFieldRest(c, field));
      } while (c.punct(','));
      c.expectPunct('>');
    }
    return { kind: 'struct', fields };
  }
  if (name === 'INTERVAL' || name === 'VOID' || name === 'VARIANT' || name === 'OBJECT') throw unsupported(`the ${name} type`);
  const primitive = PRIMITIVES[name];
  if (!primitive) c.fail(`unknown type ${name}`);
  if (name === 'DOUBLE') c.words('PRECISION');
  // VARCHAR(n) and CHAR(n) are stored as strings; the length is not enforced.
  if ((name === 'VARCHAR' || name === 'CHAR' || name === 'CHARACTER') && c.punct('(')) {
    c.integer('the string length');
    c.expectPunct(')');
  }
  return { kind: 'primitive', name: primitive };
}

/** A column or struct field after its name: type, then NOT NULL and COMMENT in either order. */
export function parseFieldRest(c: Cursor, name: string): StructField {
  const type = parseSparkType(c);
  let nullable = true;
  let comment: string | undefined;
  for (;;) {
    if (c.words('NOT', 'NULL')) nullable = false;
    else if (c.words('NULL')) nullable = true;
    else if (c.words('COMMENT')) comment = c.string('a comment');
    else break;
  }
  if (c.isWords('GENERATED')) throw unsupported('GENERATED columns');
  if (c.isWords('DEFAULT')) throw unsupported('column DEFAULT values');
  if (c.isWords('PRIMARY') || c.isWords('REFERENCES') || c.isWords('CONSTRAINT') || c.isWords('CHECK')) throw unsupported('column constraints');
  return { name, type, nullable, metadata: comment === undefined ? {} : { comment } };
}

/**
 * A schema written as Spark's DDL (`StructType.fromDDL`): `id BIGINT, tags ARRAY<STRING>, at
 * TIMESTAMP NOT NULL`. Used where users give a schema as text (streaming schema hints).
 */
export function parseSchemaDdl(ddl: string): StructType {
  const c = new Cursor(ddl);
  const fields: StructField[] = [];
  if (c.atEnd()) return { kind: 'struct', fields };
  do {
    const name = c.ident('a column name');
    c.punct(':');
    fields.push(parseFieldRest(c, name));
  } while (c.punct(','));
  if (!c.atEnd()) c.fail(`unexpected '${c.peek()!.text}' after the columns`);
  return { kind: 'struct', fields };
}
