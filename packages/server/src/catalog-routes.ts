import type { Lakehouse } from '@loch/lakehouse/core';
import type { DataType } from '@loch/delta';
import type { FastifyInstance } from 'fastify';
import { invalidRequest, notFoundError, sendApiError } from './api-errors.js';
import { typeNameOf, typeTextOf } from './sql/type-text.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `schema.table` (or `catalog.schema.table`, `table`) checked to be plain names: nothing here is a path. */
function fullName(text: string): { schema: string; table: string } {
  const parts = text.split('.');
  if (parts.length > 3 || !parts.every((p) => NAME.test(p))) throw invalidRequest(`full_name: '${text}' is not a table name (schema.table)`);
  return parts.length === 1 ? { schema: 'default', table: parts[0] } : { schema: parts[parts.length - 2], table: parts[parts.length - 1] };
}

async function checkSchema(lake: Lakehouse, schema: string): Promise<void> {
  if (!NAME.test(schema) || !(await lake.schemas()).includes(schema)) throw notFoundError(`schema '${schema}' does not exist in the lake`);
}

/** A table as Unity Catalog's API describes it, with Delta's detail (size, files, version). */
async function tableInfo(lake: Lakehouse, schema: string, table: string): Promise<Record<string, unknown>> {
  const t = lake.table(`${schema}.${table}`);
  const d = await t.detail();
  const fields = (d.schema as { fields: { name: string; type: unknown; nullable: boolean; metadata?: Record<string, unknown> }[] }).fields;
  const snapshot = await t.snapshot();
  const columns = snapshot.schema.fields.map((f, i) => ({
    name: f.name,
    position: i,
    type_name: typeNameOf(f.type as DataType),
    type_text: typeTextOf(f.type as DataType),
    type_json: JSON.stringify(fields[i]?.type ?? null),
    nullable: f.nullable,
    ...(typeof f.metadata.comment === 'string' ? { comment: f.metadata.comment } : {}),
    ...(d.partitionColumns.includes(f.name) ? { partition_index: d.partitionColumns.indexOf(f.name) } : {}),
  }));
  return {
    name: table,
    catalog_name: 'main',
    schema_name: schema,
    full_name: `main.${schema}.${table}`,
    table_type: 'MANAGED',
    data_source_format: 'DELTA',
    columns,
    partition_columns: d.partitionColumns,
    properties: d.configuration,
    delta: { version: d.version, num_files: d.numFiles, size_in_bytes: d.sizeInBytes, protocol: d.protocol },
  };
}

/**
 * The lake's catalog in Unity Catalog's shapes (`/api/2.1/unity-catalog/schemas`, `.../tables`,
 * `.../tables/{full_name}`), and each table's Delta history.
 */
export function catalogRoutes(app: FastifyInstance, lake: Lakehouse): void {
  app.get('/api/2.1/unity-catalog/schemas', async (_request, reply) => {
    const schemas = (await lake.schemas()).map((name) => ({ name, catalog_name: 'main', full_name: `main.${name}` }));
    return reply.send({ schemas });
  });

  app.get('/api/2.1/unity-catalog/tables', async (request, reply) => {
    try {
      const q = request.query as Record<string, string | undefined>;
      const schema = q.schema_name ?? 'default';
      await checkSchema(lake, schema);
      const names = await lake.tables(schema);
      const tables = names.map((name) => ({ name, catalog_name: 'main', schema_name: schema, full_name: `main.${schema}.${name}`, data_source_format: 'DELTA' }));
      return reply.send({ tables });
    } catch (e) {
      return sendApiError(reply, e);
    }
  });

  app.get<{ Params: { name: string } }>('/api/2.1/unity-catalog/tables/:name', async (request, reply) => {
    try {
      const { schema, table } = fullName(request.params.name);
      await checkSchema(lake, schema);
      return reply.send(await tableInfo(lake, schema, table));
    } catch (e) {
      return sendApiError(reply, e);
    }
  });

  app.get<{ Params: { name: string } }>('/api/2.0/lake/tables/:name/history', async (request, reply) => {
    try {
      const { schema, table } = fullName(request.params.name);
      await checkSchema(lake, schema);
      const limitText = (request.query as Record<string, string | undefined>).limit;
      const limit = limitText === undefined ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) throw invalidRequest(`limit: '${limitText}' is not a positive integer`);
      const history = await lake.table(`${schema}.${table}`).history(limit);
      return reply.send({
        history: history.map((h) => ({
          version: h.version,
          timestamp: h.timestamp,
          operation: h.operation,
          operation_parameters: h.operationParameters,
          operation_metrics: h.operationMetrics,
          read_version: h.readVersion,
          isolation_level: h.isolationLevel,
          is_blind_append: h.isBlindAppend,
          engine_info: h.engineInfo,
          user_metadata: h.userMetadata,
        })),
      });
    } catch (e) {
      return sendApiError(reply, e);
    }
  });
}
