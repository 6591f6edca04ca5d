/**
 * The tracking tables: MLflow's own database schema (experiments, runs, params, tags, metrics,
 * the registry), one Delta table each in the lake's reserved schema `mlflow`, so that `loch sql`
 * reads them as `mlflow.runs`, `mlflow.metrics`, ... Column names follow MLflow's SQL store, so
 * its users recognise them.
 */
export const TRACKING_SCHEMA = 'mlflow';

export type ColumnType = 'string' | 'long' | 'double' | 'boolean';

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export interface TableDef {
  /** Name in the lake: `mlflow.<table>`. */
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnType>>;
  /**
   * Columns that identify a row: a write of a row with the same key replaces it. Empty for
   * metrics, which only ever grow.
   */
  readonly key: readonly string[];
  /** Compaction clusters files by these columns, so that reads of one run skip the rest. */
  readonly clusterBy: readonly string[];
}

const t = (name: string, columns: Record<string, ColumnType>, key: string[], clusterBy: string[] = key.slice(0, 1)): TableDef => ({
  name: `${TRACKING_SCHEMA}.${name}`,
  columns,
  key,
  clusterBy,
});

export const TABLES = {
  experiments: t('experiments', {
    experiment_id: 'string',
    name: 'string',
    artifact_location: 'string',
    lifecycle_stage: 'string',
    creation_time: 'long',
    last_update_time: 'long',
  }, ['experiment_id']),
  experimentTags: t('experiment_tags', { experiment_id: 'string', key: 'string', value: 'string' }, ['experiment_id', 'key']),
  runs: t('runs', {
    run_uuid: 'string',
    run_name: 'string',
    experiment_id: 'string',
    user_id: 'string',
    status: 'string',
    start_time: 'long',
    end_time: 'long',
    lifecycle_stage: 'string',
    artifact_uri: 'string',
    deleted_time: 'long',
  }, ['run_uuid']),
  params: t('params', { run_uuid: 'string', key: 'string', value: 'string' }, ['run_uuid', 'key']),
  tags: t('tags', { run_uuid: 'string', key: 'string', value: 'string' }, ['run_uuid', 'key']),
  metrics: t('metrics', { run_uuid: 'string', key: 'string', value: 'double', timestamp: 'long', step: 'long' }, [], ['run_uuid', 'key']),
  inputs: t('inputs', {
    run_uuid: 'string',
    dataset_name: 'string',
    dataset_digest: 'string',
    dataset_source_type: 'string',
    dataset_source: 'string',
    dataset_schema: 'string',
    dataset_profile: 'string',
    /** The input's tags (e.g. mlflow.data.context) as a JSON object. */
    tags: 'string',
  }, ['run_uuid', 'dataset_name', 'dataset_digest']),
  registeredModels: t('registered_models', {
    name: 'string',
    creation_time: 'long',
    last_updated_time: 'long',
    description: 'string',
  }, ['name']),
  registeredModelTags: t('registered_model_tags', { name: 'string', key: 'string', value: 'string' }, ['name', 'key']),
  modelVersions: t('model_versions', {
    name: 'string',
    version: 'long',
    creation_time: 'long',
    last_updated_time: 'long',
    description: 'string',
    user_id: 'string',
    current_stage: 'string',
    source: 'string',
    run_id: 'string',
    run_link: 'string',
    status: 'string',
    status_message: 'string',
    storage_location: 'string',
  }, ['name', 'version']),
  modelVersionTags: t('model_version_tags', { name: 'string', version: 'long', key: 'string', value: 'string' }, ['name', 'version', 'key']),
  aliases: t('registered_model_aliases', { name: 'string', alias: 'string', version: 'long' }, ['name', 'alias']),
} as const satisfies Record<string, TableDef>;

export type TableName = keyof typeof TABLES;

/** Delta table properties of every tracking table. */
export const TABLE_CONFIGURATION: Readonly<Record<string, string>> = {
  // The server checkpoints as it writes; a checkpoint every 100 commits keeps replay short
  // without writing one every few milliseconds under load.
  'delta.checkpointInterval': '100',
  'delta.enableDeletionVectors': 'true',
};

/** The key of a row as one string (values joined by NUL, which keys never hold). */
export function keyOf(def: TableDef, row: Row): string {
  if (def.key.length === 1) return String(row[def.key[0]]);
  return def.key.map((k) => String(row[k])).join('\u0000');
}
