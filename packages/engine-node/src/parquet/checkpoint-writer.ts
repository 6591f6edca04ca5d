import { deltaError } from '@loch/delta';
import { randomUUID } from 'node:crypto';
import { link, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqlString, withConnection } from '../duckdb/database.js';

const STRING_MAP = 'MAP(VARCHAR, VARCHAR)';
const DV = 'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT, maxRowIndex BIGINT)';

/** The column types of a classic checkpoint, as Spark writes them. */
export const CHECKPOINT_COLUMNS: Readonly<Record<string, string>> = {
  txn: 'STRUCT(appId VARCHAR, "version" BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${STRING_MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, tags ${STRING_MAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT, clusteringProvider VARCHAR, stats VARCHAR)`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${STRING_MAP}, size BIGINT, tags ${STRING_MAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT, stats VARCHAR)`,
  metaData: `STRUCT(id VARCHAR, "name" VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, "options" ${STRING_MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], "configuration" ${STRING_MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
  domainMetadata: 'STRUCT("domain" VARCHAR, "configuration" VARCHAR, removed BOOLEAN)',
};

/**
 * Writes checkpoint rows to `path` as Parquet through DuckDB: the rows go to a temporary JSON
 * file, DuckDB reads them with the exact checkpoint types and writes Parquet to a temporary
 * name, and a hard link publishes it (refused when the checkpoint already exists).
 */
export async function writeCheckpointFile(path: string, rows: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
  const target = fileURLToPath(path);
  const id = randomUUID();
  const json = join(tmpdir(), `loch-checkpoint-${id}.ndjson`);
  const tmp = join(dirname(target), `.${id}.checkpoint.tmp.parquet`);
  const columns = `{${Object.entries(CHECKPOINT_COLUMNS).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`;
  try {
    await writeFile(json, rows.map((r) => JSON.stringify(r)).join('\n'));
    await withConnection((c) =>
      c.run(`COPY (SELECT ${Object.keys(CHECKPOINT_COLUMNS).map((k) => `"${k}"`).join(', ')}
               FROM read_json(${sqlString(json)}, format = 'newline_delimited', columns = ${columns}, maximum_object_size = 1073741824))
             TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION snappy)`),
    );
    try {
      await link(tmp, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${target} already exists`, e);
      throw e;
    }
  } finally {
    await rm(json, { force: true });
    await rm(tmp, { force: true });
  }
}
