import { deltaError, schemaToJson, type Metadata, type StructType } from '@loch/delta';
import { withColumnMapping } from './column-mapping.js';

export interface TableMetadataArgs {
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly name?: string;
  readonly description?: string;
  /** Kept when a table's metadata is replaced (overwriteSchema): the table stays the same table. */
  readonly id?: string;
  readonly createdTime?: number | null;
}

/**
 * The metaData action of a new (or replaced) table, after checking what Delta requires of it:
 * at least one column, no column twice, partition columns in the schema and of primitive types.
 */
export function newTableMetadata(table: string, schema: StructType, args: TableMetadataArgs): Metadata {
  if (schema.fields.length === 0) throw deltaError('DELTA_INVALID_SCHEMA', `${table}: a table needs at least one column`);
  const seen = new Set<string>();
  for (const f of schema.fields) {
    if (seen.has(f.name.toLowerCase())) throw deltaError('DELTA_INVALID_SCHEMA', `${table}: column '${f.name}' appears twice`);
    seen.add(f.name.toLowerCase());
  }
  for (const p of args.partitionColumns) {
    const f = schema.fields.find((x) => x.name === p);
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table}: partition column '${p}' is not in the schema (${schema.fields.map((x) => x.name).join(', ')})`);
    if (f.type.kind !== 'primitive' && f.type.kind !== 'decimal') {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: partition column '${p}' must have a primitive type`);
    }
  }
  // A new table with column mapping gets its columns' ids and physical names.
  const mapped = withColumnMapping(schema, args.configuration);
  return {
    id: args.id ?? crypto.randomUUID(),
    ...(args.name ? { name: args.name } : {}),
    ...(args.description ? { description: args.description } : {}),
    format: { provider: 'parquet', options: {} },
    schemaString: schemaToJson(mapped.schema),
    partitionColumns: [...args.partitionColumns],
    configuration: { ...mapped.configuration },
    createdTime: args.createdTime ?? Date.now(),
  };
}
