/**
 * Writing tables with column mapping (`delta.columnMapping.mode` = name or id): data files name
 * every column, nested ones too, by its physical name and carry its column id as the Parquet
 * field_id; statistics and partition values are keyed by physical names (PROTOCOL.md, "Writer
 * Requirements for Column Mapping").
 */
import { assignColumnMapping, columnMappingMode, fieldId, largestColumnId, MAX_COLUMN_ID, physicalName, type ColumnMappingMode, type DataType, type StructField, type StructType } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';

let lambdas = 0;

/**
 * The schema and configuration a table with column mapping keeps: every column (new ones, or all
 * of a new table's) given an id and a physical name (`col-<uuid>`), and
 * `delta.columnMapping.maxColumnId` the largest id. Without column mapping, as they are.
 */
export function withColumnMapping(
  schema: StructType,
  configuration: Readonly<Record<string, string>>,
  physical: (f: StructField) => string = () => `col-${crypto.randomUUID()}`,
): { schema: StructType; configuration: Readonly<Record<string, string>> } {
  if (columnMappingMode(configuration) === 'none') return { schema, configuration };
  const known = Math.max(Number(configuration[MAX_COLUMN_ID] ?? 0) || 0, largestColumnId(schema));
  const mapped = assignColumnMapping(schema, known, physical);
  return { schema: mapped.schema, configuration: { ...configuration, [MAX_COLUMN_ID]: String(mapped.maxId) } };
}

/**
 * `expr`, a value of the logical type `t` (struct fields by logical names), with every struct
 * field renamed to its physical name, at any depth.
 */
export function toPhysicalValue(expr: string, t: DataType, mode: ColumnMappingMode): string {
  switch (t.kind) {
    case 'struct': {
      const parts = t.fields.map((f) => `${sqlIdent(physicalName(f, mode))} := ${toPhysicalValue(`(${expr}).${sqlIdent(f.name)}`, f.type, mode)}`);
      return `CASE WHEN (${expr}) IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
    }
    case 'array': {
      if (!hasStruct(t.elementType)) return expr;
      const x = `__p${lambdas++}`;
      return `list_transform(${expr}, ${x} -> ${toPhysicalValue(x, t.elementType, mode)})`;
    }
    case 'map': {
      if (!hasStruct(t.keyType) && !hasStruct(t.valueType)) return expr;
      const e = `__m${lambdas++}`;
      return `map_from_entries(list_transform(map_entries(${expr}), ${e} -> struct_pack(key := ${toPhysicalValue(`${e}.key`, t.keyType, mode)}, value := ${toPhysicalValue(`${e}.value`, t.valueType, mode)})))`;
    }
    default:
      return expr;
  }
}

function hasStruct(t: DataType): boolean {
  switch (t.kind) {
    case 'struct':
      return true;
    case 'array':
      return hasStruct(t.elementType);
    case 'map':
      return hasStruct(t.keyType) || hasStruct(t.valueType);
    default:
      return false;
  }
}

/** DuckDB's COPY option that writes each column's id as its Parquet field_id: `FIELD_IDS {...}`. */
export function fieldIdsOption(fields: readonly StructField[], mode: ColumnMappingMode): string {
  const spec = (t: DataType): string | undefined => {
    switch (t.kind) {
      case 'struct':
        return `{${t.fields.map((f) => entry(f)).join(', ')}}`;
      case 'array': {
        const inner = spec(t.elementType);
        return inner === undefined ? undefined : `{element: ${inner}}`;
      }
      case 'map': {
        const k = spec(t.keyType);
        const v = spec(t.valueType);
        if (k === undefined && v === undefined) return undefined;
        return `{${[...(k !== undefined ? [`key: ${k}`] : []), ...(v !== undefined ? [`value: ${v}`] : [])].join(', ')}}`;
      }
      default:
        return undefined;
    }
  };
  const entry = (f: StructField): string => {
    const id = fieldId(f);
    const inner = spec(f.type);
    const name = sqlString(physicalName(f, mode));
    if (inner === undefined) return `${name}: ${id ?? 'NULL'}`;
    // A nested type's own id goes beside its children's.
    return `${name}: ${id !== undefined ? `{__duckdb_field_id: ${id}, ${inner.slice(1)}` : inner}`;
  };
  return `FIELD_IDS {${fields.map(entry).join(', ')}}`;
}

/** Leaf paths of a logical schema (parts joined by NUL) as the paths of its physical schema, which has the same shape. */
export function physicalPaths(logical: StructType, physical: StructType, paths: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const walk = (l: readonly StructField[], p: readonly StructField[], lp: string[], pp: string[]) => {
    l.forEach((f, i) => {
      const ln = [...lp, f.name];
      const pn = [...pp, p[i].name];
      const pt = p[i].type;
      if (f.type.kind === 'struct' && pt.kind === 'struct') walk(f.type.fields, pt.fields, ln, pn);
      else if (paths.has(ln.join('\u0000'))) out.add(pn.join('\u0000'));
    });
  };
  walk(logical.fields, physical.fields, [], []);
  return out;
}
