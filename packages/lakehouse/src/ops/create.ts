import { deltaError, parseType, type Engine, type StructField, type StructType } from '@loch/delta';
import { minimalProtocol } from '../write/protocol.js';
import { newTableMetadata } from '../write/table-metadata.js';
import { latestSnapshotOrUndefined } from './write.js';
import { openTransaction, type CommitOptions } from './commit-options.js';

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

export interface CreateOptions extends CommitOptions {
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
  const partitionColumns = [...(options.partitionBy ?? [])];
  const configuration = { ...(options.configuration ?? {}) };
  const metadata = newTableMetadata(table, schema, { partitionColumns, configuration, name: options.name, description: options.description });
  const tx = openTransaction(engine, url, undefined, options).updateProtocol(minimalProtocol(schema, configuration)).updateMetadata(metadata);
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
