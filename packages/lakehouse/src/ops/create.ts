import { deltaError, parseType, schemaToJson, Transaction, type Engine, type Metadata, type StructField, type StructType } from '@loch/delta';
import { minimalProtocol } from '../write/protocol.js';
import { latestSnapshotOrUndefined } from './write.js';

/**
 * A schema as users write it: Loch's StructType, or column → Delta type name
 * (`{ id: 'long', amount: 'decimal(10,2)', tags: 'array<string>' }` is not parsed — use Delta
 * schema JSON for nested types: `{ tags: { type: 'array', elementType: 'string', containsNull: true } }`).
 */
export type SchemaInput = StructType | Readonly<Record<string, string | object>>;

export function toStructType(input: SchemaInput): StructType {
  if ((input as StructType).kind === 'struct' && Array.isArray((input as StructType).fields)) return input as StructType;
  const fields: StructField[] = Object.entries(input).map(([name, t]) => {
    let nullable = true;
    let type = t;
    if (typeof t === 'string' && /\s+not\s+null$/i.test(t)) {
      nullable = false;
      type = t.replace(/\s+not\s+null$/i, '');
    }
    return { name, type: parseType(typeof type === 'string' ? type.trim().toLowerCase().replace(/^int$/, 'integer').replace(/^bigint$/, 'long') : type, name), nullable, metadata: {} };
  });
  return { kind: 'struct', fields };
}

export interface CreateOptions {
  readonly schema: SchemaInput;
  readonly partitionBy?: readonly string[];
  readonly configuration?: Readonly<Record<string, string>>;
  readonly name?: string;
  readonly description?: string;
  /** Do nothing when the table exists (CREATE TABLE IF NOT EXISTS). */
  readonly ifNotExists?: boolean;
}

/** Creates an empty table: version 0 with its protocol and metadata. */
export async function createTable(engine: Engine, url: string, table: string, options: CreateOptions): Promise<{ version: number; created: boolean }> {
  const existing = await latestSnapshotOrUndefined(engine, url);
  if (existing) {
    if (options.ifNotExists) return { version: existing.version, created: false };
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${table} already exists (version ${existing.version})`);
  }
  const schema = toStructType(options.schema);
  if (schema.fields.length === 0) throw deltaError('DELTA_INVALID_SCHEMA', `${table}: a table needs at least one column`);
  const seen = new Set<string>();
  for (const f of schema.fields) {
    if (seen.has(f.name.toLowerCase())) throw deltaError('DELTA_INVALID_SCHEMA', `${table}: column '${f.name}' appears twice`);
    seen.add(f.name.toLowerCase());
  }
  const partitionColumns = [...(options.partitionBy ?? [])];
  for (const p of partitionColumns) {
    const f = schema.fields.find((x) => x.name === p);
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table}: partition column '${p}' is not in the schema`);
    if (f.type.kind !== 'primitive' && f.type.kind !== 'decimal') throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: partition column '${p}' must have a primitive type`);
  }
  const configuration = { ...(options.configuration ?? {}) };
  const metadata: Metadata = {
    id: crypto.randomUUID(),
    ...(options.name ? { name: options.name } : {}),
    ...(options.description ? { description: options.description } : {}),
    format: { provider: 'parquet', options: {} },
    schemaString: schemaToJson(schema),
    partitionColumns,
    configuration,
    createdTime: Date.now(),
  };
  const tx = new Transaction(engine, url, undefined).updateProtocol(minimalProtocol(schema, configuration)).updateMetadata(metadata);
  const result = await tx.commit({
    name: 'CREATE TABLE',
    parameters: {
      isManaged: 'false',
      description: options.description,
      partitionBy: JSON.stringify(partitionColumns),
      properties: JSON.stringify(configuration),
    },
  });
  if (result.kind !== 'committed') throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${table} already exists`);
  return { version: result.version, created: true };
}
