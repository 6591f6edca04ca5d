/**
 * Dynamic File Pruning (Databricks semantics): for an INNER equi-join (or `col IN (SELECT ...)`)
 * between a Delta probe table and a selective build side, the build side's join keys are read
 * first and the probe table's files are pruned with `key IN (keys)` (up to DFP_MAX_KEYS distinct
 * keys) or `key BETWEEN min AND max`, by partition values and stats.
 *
 * Session conf:
 * - `spark.databricks.optimizer.dynamicFilePruning` (default true; 'false' turns it off);
 * - `spark.databricks.optimizer.deltaTableFilesThreshold` (default 10): the probe table needs at
 *   least this many files;
 * - `spark.databricks.optimizer.deltaTableSizeThreshold` (default 1MB, bytes or with a unit:
 *   '10MB', '1g'): the probe table's files need more than this many bytes in all. Databricks'
 *   default is 10GB, sized for clusters; a single machine gains from pruning much smaller tables.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType, Snapshot } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';

export const DFP_MAX_KEYS = 1000;

export interface DfpSettings {
  readonly enabled: boolean;
  readonly filesThreshold: number;
  readonly sizeThreshold: number;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

function parseBytes(v: string | undefined, fallback: number): number {
  const m = v?.trim().toLowerCase().match(/^(\d+(?:\.\d+)?)\s*([a-z]*)$/);
  if (!m || UNITS[m[2]] === undefined) return fallback;
  return Number(m[1]) * UNITS[m[2]];
}

export function dfpSettings(conf: ReadonlyMap<string, string>): DfpSettings {
  const get = (k: string) => conf.get(`spark.databricks.optimizer.${k}`);
  const files = Number(get('deltaTableFilesThreshold'));
  return {
    enabled: get('dynamicFilePruning')?.trim().toLowerCase() !== 'false',
    filesThreshold: get('deltaTableFilesThreshold') !== undefined && Number.isFinite(files) ? files : 10,
    sizeThreshold: parseBytes(get('deltaTableSizeThreshold'), 1024 ** 2),
  };
}

export function qualifiesAsProbe(s: Snapshot, settings: DfpSettings): boolean {
  if (s.files.length < settings.filesThreshold) return false;
  return s.files.reduce((n, f) => n + f.size, 0) > settings.sizeThreshold;
}

type KeyKind = 'integer' | 'string' | 'date';

function deltaKind(t: DataType | undefined): KeyKind | undefined {
  if (t?.kind !== 'primitive') return undefined;
  if (t.name === 'byte' || t.name === 'short' || t.name === 'integer' || t.name === 'long') return 'integer';
  if (t.name === 'string') return 'string';
  if (t.name === 'date') return 'date';
  return undefined;
}

function duckKind(t: string): KeyKind | undefined {
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(t)) return 'integer';
  if (t === 'VARCHAR') return 'string';
  if (t === 'DATE') return 'date';
  return undefined;
}

function literal(kind: KeyKind, v: string): string {
  if (kind === 'integer') {
    if (!/^-?\d+$/.test(v)) throw new Error(`not an integer: ${v}`);
    return v;
  }
  return kind === 'date' ? `DATE ${sqlString(v)}` : sqlString(v);
}

/**
 * The probe-side filter for the keys `build` (a one-column query) yields; undefined when the key
 * types differ in kind (a string key against an integer one compares by cast, which a filter on
 * the probe's own values cannot model), so no file is pruned.
 */
export async function buildKeyPredicate(c: DuckDBConnection, build: string, column: string, probeType: DataType | undefined): Promise<string | undefined> {
  const kind = deltaKind(probeType);
  if (!kind) return undefined;
  const keys = `SELECT DISTINCT k FROM (${build}) AS __loch_build(k) WHERE k IS NOT NULL`;
  const summary = (await c.runAndReadAll(`SELECT count(*), CAST(min(k) AS VARCHAR), CAST(max(k) AS VARCHAR), typeof(any_value(k)) FROM (${keys})`)).getRows()[0];
  const count = Number(summary[0]);
  const col = sqlIdent(column);
  // No keys: the join has no rows, so no probe file is needed.
  if (count === 0) return 'false';
  if (duckKind(String(summary[3])) !== kind) return undefined;
  if (count > DFP_MAX_KEYS) return `${col} BETWEEN ${literal(kind, String(summary[1]))} AND ${literal(kind, String(summary[2]))}`;
  const values = (await c.runAndReadAll(`SELECT CAST(k AS VARCHAR) FROM (${keys}) ORDER BY k`)).getRows().map((r) => literal(kind, String(r[0])));
  return `${col} IN (${values.join(', ')})`;
}
