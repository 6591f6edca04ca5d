import { deltaError } from '../errors.js';
import type { DataType, PrimitiveTypeName, StructField, StructType } from './types.js';

const PRIMITIVES = new Set<string>([
  'string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date',
  'timestamp', 'timestamp_ntz', 'variant',
]);
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/;

/** Parses a table's `schemaString` (Delta schema JSON) into a typed schema. */
export function parseSchema(schemaString: string, context = 'table schema'): StructType {
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (e) {
    throw deltaError('DELTA_INVALID_SCHEMA', `${context}: schemaString is not valid JSON (${(e as Error).message})`);
  }
  const t = parseType(json, context);
  if (t.kind !== 'struct') throw deltaError('DELTA_INVALID_SCHEMA', `${context}: the top-level type must be a struct`);
  return t;
}

export function parseType(json: unknown, path: string): DataType {
  if (typeof json === 'string') {
    if (PRIMITIVES.has(json)) return { kind: 'primitive', name: json as PrimitiveTypeName };
    if (json === 'decimal') return { kind: 'decimal', precision: 10, scale: 0 };
    const m = DECIMAL.exec(json);
    if (m) {
      const precision = Number(m[1]);
      const scale = Number(m[2]);
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw deltaError('DELTA_INVALID_SCHEMA', `${path}: invalid decimal type ${json}`);
      }
      return { kind: 'decimal', precision, scale };
    }
    throw deltaError('DELTA_INVALID_SCHEMA', `${path}: unknown data type '${json}'`);
  }
  if (json === null || typeof json !== 'object') {
    throw deltaError('DELTA_INVALID_SCHEMA', `${path}: a data type must be a string or an object`);
  }
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'struct': {
      if (!Array.isArray(o.fields)) throw deltaError('DELTA_INVALID_SCHEMA', `${path}: struct without fields`);
      return { kind: 'struct', fields: o.fields.map((f) => parseField(f, path)) };
    }
    case 'array':
      return {
        kind: 'array',
        elementType: parseType(o.elementType, `${path}.element`),
        containsNull: o.containsNull !== false,
      };
    case 'map':
      return {
        kind: 'map',
        keyType: parseType(o.keyType, `${path}.key`),
        valueType: parseType(o.valueType, `${path}.value`),
        valueContainsNull: o.valueContainsNull !== false,
      };
    default:
      throw deltaError('DELTA_INVALID_SCHEMA', `${path}: unknown complex type '${String(o.type)}'`);
  }
}

function parseField(json: unknown, parent: string): StructField {
  if (json === null || typeof json !== 'object') throw deltaError('DELTA_INVALID_SCHEMA', `${parent}: a field must be an object`);
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string') throw deltaError('DELTA_INVALID_SCHEMA', `${parent}: a field has no name`);
  const path = parent === 'table schema' ? o.name : `${parent}.${o.name}`;
  return {
    name: o.name,
    type: parseType(o.type, path),
    nullable: o.nullable !== false,
    metadata: (o.metadata as Record<string, unknown> | undefined) ?? {},
  };
}

/** The schema JSON Delta writes for a type (inverse of parseType). */
export function typeToJson(t: DataType): unknown {
  switch (t.kind) {
    case 'primitive':
      return t.name;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'struct':
      return {
        type: 'struct',
        fields: t.fields.map((f) => ({ name: f.name, type: typeToJson(f.type), nullable: f.nullable, metadata: f.metadata })),
      };
    case 'array':
      return { type: 'array', elementType: typeToJson(t.elementType), containsNull: t.containsNull };
    case 'map':
      return { type: 'map', keyType: typeToJson(t.keyType), valueType: typeToJson(t.valueType), valueContainsNull: t.valueContainsNull };
  }
}

export function schemaToJson(schema: StructType): string {
  return JSON.stringify(typeToJson(schema));
}
