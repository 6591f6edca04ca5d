import { snapshotSize, type DataType, type PrimitiveTypeName } from '@loch/delta';
import type { Row } from '../../scan/execute.js';
import { formatTimestamp, type JsonValue } from '../../values/json-values.js';
import type { SessionContext } from './context.js';
import type { SqlColumn } from './result.js';
import type { TableName } from '../parse/statements.js';

export interface Listing {
  readonly columns: SqlColumn[];
  readonly rows: Row[];
}

const p = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const STRING_MAP: DataType = { kind: 'map', keyType: p('string'), valueType: p('string'), valueContainsNull: true };
const col = (name: string, deltaType: DataType): SqlColumn => ({ name, deltaType });
const timestamp = (ms: number) => `${formatTimestamp(BigInt(Math.round(ms)) * 1000n)}Z`;

const HISTORY_COLUMNS: SqlColumn[] = [
  col('version', p('long')),
  col('timestamp', p('timestamp')),
  col('operation', p('string')),
  col('operationParameters', STRING_MAP),
  col('operationMetrics', STRING_MAP),
  col('readVersion', p('long')),
  col('isolationLevel', p('string')),
  col('isBlindAppend', p('boolean')),
  col('engineInfo', p('string')),
  col('userMetadata', p('string')),
];

/** DESCRIBE HISTORY: the fields `loch history` prints, newest first, timestamps in Loch's encoding. */
export async function describeHistory(ctx: SessionContext, table: TableName, limit?: number): Promise<Listing> {
  const history = await (await ctx.views.target(table)).table.history(limit);
  const rows = history.map((h) => ({
    version: h.version,
    timestamp: timestamp(h.timestamp),
    operation: h.operation,
    operationParameters: h.operationParameters as { [k: string]: JsonValue },
    operationMetrics: h.operationMetrics,
    readVersion: h.readVersion,
    isolationLevel: h.isolationLevel,
    isBlindAppend: h.isBlindAppend,
    engineInfo: h.engineInfo,
    userMetadata: h.userMetadata,
  }));
  return { columns: HISTORY_COLUMNS, rows };
}

const DETAIL_COLUMNS: SqlColumn[] = [
  col('format', p('string')),
  col('id', p('string')),
  col('name', p('string')),
  col('description', p('string')),
  col('location', p('string')),
  col('createdAt', p('timestamp')),
  col('lastModified', p('timestamp')),
  col('version', p('long')),
  col('partitionColumns', { kind: 'array', elementType: p('string'), containsNull: false }),
  col('numFiles', p('long')),
  col('sizeInBytes', p('long')),
  col('properties', STRING_MAP),
  col('minReaderVersion', p('integer')),
  col('minWriterVersion', p('integer')),
  col('tableFeatures', { kind: 'array', elementType: p('string'), containsNull: false }),
];

/** DESCRIBE DETAIL: one row, with Delta Lake's column names. */
export async function describeDetail(ctx: SessionContext, table: TableName): Promise<Listing> {
  const target = await ctx.views.target(table);
  const s = await target.table.snapshot();
  const { numFiles, sizeInBytes } = snapshotSize(s);
  const features = [...new Set([...(s.protocol.readerFeatures ?? []), ...(s.protocol.writerFeatures ?? [])])].sort();
  const row: Row = {
    format: 'delta',
    id: s.metadata.id,
    name: s.metadata.name ?? (table.kind === 'name' ? table.name : null),
    description: s.metadata.description ?? null,
    location: target.location,
    createdAt: s.metadata.createdTime != null ? timestamp(s.metadata.createdTime) : null,
    lastModified: timestamp(s.timestamp),
    version: s.version,
    partitionColumns: [...s.partitionColumns],
    numFiles,
    sizeInBytes,
    properties: { ...s.metadata.configuration },
    minReaderVersion: s.protocol.minReaderVersion,
    minWriterVersion: s.protocol.minWriterVersion,
    tableFeatures: features,
  };
  return { columns: DETAIL_COLUMNS, rows: [row] };
}

/** SET / SET key: the session's conf as key/value rows (a key never set reads as null). */
export function showConf(ctx: SessionContext, key?: string): Listing {
  const columns = [col('key', p('string')), col('value', p('string'))];
  if (key !== undefined) return { columns, rows: [{ key, value: ctx.conf.get(key) ?? null }] };
  return { columns, rows: [...ctx.conf].sort(([a], [b]) => a.localeCompare(b)).map(([k, value]) => ({ key: k, value })) };
}
