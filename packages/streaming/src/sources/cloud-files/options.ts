import { toEpochMillis, type StructType } from '@loch/delta';
import { parseSchemaDdl } from '@loch/lakehouse';
import { invalidOption, streamingError } from '../../errors.js';
import { booleanOption, bytesOption, getOption, numberOption } from '../../formats.js';
import { parseDurationMs } from '../../frame/durations.js';

export type FileFormat = 'json' | 'csv' | 'parquet' | 'text';
export type SchemaEvolutionMode = 'addNewColumns' | 'rescue' | 'failOnNewColumns' | 'none';

/** Auto Loader's options, as Databricks names them, checked. */
export interface CloudFilesOptions {
  readonly format: FileFormat;
  /** Where inferred schemas are kept (`<schemaLocation>/_schemas/<version>`). */
  readonly schemaLocation?: string;
  /** The schema given with `.schema(...)`: no inference. */
  readonly schema?: StructType;
  /** Infer JSON and CSV column types (default false: every column a string, as Auto Loader does). */
  readonly inferColumnTypes: boolean;
  /** Types that override inferred ones (`'id BIGINT, at TIMESTAMP'`), and columns to add. */
  readonly schemaHints?: StructType;
  readonly schemaEvolutionMode: SchemaEvolutionMode;
  /** The column holding what did not fit (undefined: none). */
  readonly rescuedDataColumn?: string;
  readonly maxFilesPerTrigger: number;
  readonly maxBytesPerTrigger?: number;
  /** Take the files already there when the stream first starts (default true). */
  readonly includeExistingFiles: boolean;
  /** Only files modified after / before this time (ms since the epoch). */
  readonly modifiedAfter?: number;
  readonly modifiedBefore?: number;
  /** List only names after the newest one seen, with a full listing every backfillInterval (default true). */
  readonly useIncrementalListing: boolean;
  readonly backfillIntervalMs: number;
  /** Files the schema is inferred from, at most. */
  readonly inferenceFiles: number;
  /** A glob the file names must match (Spark's pathGlobFilter). */
  readonly pathGlobFilter?: string;
  /** CSV: a header line names the columns (default false, as in Spark). */
  readonly header: boolean;
  readonly delimiter: string;
}

const FORMATS: readonly FileFormat[] = ['json', 'csv', 'parquet', 'text'];
const MODES: readonly SchemaEvolutionMode[] = ['addNewColumns', 'rescue', 'failOnNewColumns', 'none'];
export const RESCUED_DATA = '_rescued_data';

export function cloudFilesOptions(options: Readonly<Record<string, string>>, schema: StructType | undefined, path: string): CloudFilesOptions {
  const what = `cloudFiles source ${path}`;
  const format = getOption(options, 'cloudFiles.format')?.toLowerCase();
  if (!format) throw invalidOption(`${what}: say the files' format with option('cloudFiles.format', 'json' | 'csv' | 'parquet' | 'text')`);
  if (!FORMATS.includes(format as FileFormat)) throw invalidOption(`${what}: cloudFiles.format '${format}' is not one of ${FORMATS.join(', ')}`);
  const modeText = getOption(options, 'cloudFiles.schemaEvolutionMode');
  const mode = modeText === undefined ? (schema ? 'none' : 'addNewColumns') : MODES.find((m) => m.toLowerCase() === modeText.toLowerCase());
  if (!mode) throw invalidOption(`${what}: cloudFiles.schemaEvolutionMode '${modeText}' is not one of ${MODES.join(', ')}`);
  if (schema && mode === 'addNewColumns') throw invalidOption(`${what}: schemaEvolutionMode addNewColumns needs an inferred schema; with a given schema use rescue, failOnNewColumns or none`);
  const schemaLocation = getOption(options, 'cloudFiles.schemaLocation');
  if (!schema && format !== 'text' && schemaLocation === undefined) {
    throw streamingError('CF_SCHEMA_LOCATION_REQUIRED', `${what}: schema inference needs option('cloudFiles.schemaLocation', '/path') to keep the schema, or give one with .schema(...)`);
  }
  const hints = getOption(options, 'cloudFiles.schemaHints');
  const rescued = getOption(options, 'rescuedDataColumn');
  // Inferred schemas get a rescue column; a given one only when asked (Databricks' defaults).
  const rescuedDataColumn = rescued ?? (!schema && format !== 'text' ? RESCUED_DATA : mode === 'rescue' ? RESCUED_DATA : undefined);
  const time = (key: string) => {
    const v = getOption(options, key);
    return v === undefined ? undefined : toEpochMillis(v);
  };
  const incremental = getOption(options, 'cloudFiles.useIncrementalListing')?.toLowerCase() ?? 'auto';
  if (!['auto', 'true', 'false'].includes(incremental)) throw invalidOption(`${what}: cloudFiles.useIncrementalListing must be auto, true or false, got '${incremental}'`);
  const maxBytes = bytesOption(options, 'cloudFiles.maxBytesPerTrigger', what);
  const modifiedAfter = time('modifiedAfter');
  const modifiedBefore = time('modifiedBefore');
  const glob = getOption(options, 'pathGlobFilter');
  return {
    format: format as FileFormat,
    ...(schemaLocation !== undefined ? { schemaLocation } : {}),
    ...(schema ? { schema } : {}),
    inferColumnTypes: booleanOption(options, 'cloudFiles.inferColumnTypes', what, false),
    ...(hints !== undefined ? { schemaHints: parseHints(hints, what) } : {}),
    schemaEvolutionMode: mode,
    ...(rescuedDataColumn !== undefined ? { rescuedDataColumn } : {}),
    maxFilesPerTrigger: numberOption(options, 'cloudFiles.maxFilesPerTrigger', what) ?? 1000,
    ...(maxBytes !== undefined ? { maxBytesPerTrigger: maxBytes } : {}),
    includeExistingFiles: booleanOption(options, 'cloudFiles.includeExistingFiles', what, true),
    ...(modifiedAfter !== undefined ? { modifiedAfter } : {}),
    ...(modifiedBefore !== undefined ? { modifiedBefore } : {}),
    useIncrementalListing: incremental !== 'false',
    backfillIntervalMs: parseDurationMs(getOption(options, 'cloudFiles.backfillInterval') ?? '1 minute', `${what}: cloudFiles.backfillInterval`),
    inferenceFiles: numberOption(options, 'cloudFiles.schemaInference.sampleSize.numFiles', what) ?? 1000,
    ...(glob !== undefined ? { pathGlobFilter: glob } : {}),
    header: booleanOption(options, 'header', what, false),
    delimiter: getOption(options, 'sep') ?? getOption(options, 'delimiter') ?? ',',
  };
}

function parseHints(text: string, what: string): StructType {
  try {
    return parseSchemaDdl(text);
  } catch (e) {
    throw invalidOption(`${what}: cloudFiles.schemaHints '${text}' is not a list of columns and types ('id BIGINT, at TIMESTAMP'): ${(e as Error).message}`);
  }
}
