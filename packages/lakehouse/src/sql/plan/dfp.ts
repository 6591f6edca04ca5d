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
import { parseByteSize } from '../../write/file-size.js';
import { expr, totalSize, type DataType, type Predicate, type Snapshot } from '@loch/delta';
import { sqlIdent, sqlString, withPooledConnection } from '@loch/engine-node';

export const DFP_MAX_KEYS = 1000;
/** At most this many ranges (or string keys) in a dynamic filter. */
const MAX_RANGES = 64;

/**
 * Sorted distinct integers as at most `max` closed ranges covering all of them: runs of
 * consecutive values, then the smallest gaps closed until few enough remain.
 */
export function keyRanges(sorted: readonly number[], max: number): [number, number][] {
  const runs: [number, number][] = [];
  for (const v of sorted) {
    const last = runs[runs.length - 1];
    if (last && v === last[1] + 1) last[1] = v;
    else runs.push([v, v]);
  }
  if (runs.length <= max) return runs;
  const gaps = runs.slice(1).map((r, i) => ({ i, gap: r[0] - runs[i][1] }));
  const keep = new Set(gaps.sort((a, b) => b.gap - a.gap).slice(0, max - 1).map((g) => g.i));
  const out: [number, number][] = [[runs[0][0], runs[0][1]]];
  for (let i = 1; i < runs.length; i++) {
    if (keep.has(i - 1)) out.push([runs[i][0], runs[i][1]]);
    else out[out.length - 1][1] = runs[i][1];
  }
  return out;
}

export interface DfpSettings {
  readonly enabled: boolean;
  readonly filesThreshold: number;
  readonly sizeThreshold: number;
}

export function dfpSettings(conf: ReadonlyMap<string, string>): DfpSettings {
  const get = (k: string) => conf.get(`spark.databricks.optimizer.${k}`);
  const files = Number(get('deltaTableFilesThreshold'));
  return {
    enabled: get('dynamicFilePruning')?.trim().toLowerCase() !== 'false',
    filesThreshold: get('deltaTableFilesThreshold') !== undefined && Number.isFinite(files) ? files : 10,
    sizeThreshold: parseByteSize(get('deltaTableSizeThreshold')) ?? 1024 ** 2,
  };
}

export function qualifiesAsProbe(s: Snapshot, settings: DfpSettings): boolean {
  if (s.fileList.length < settings.filesThreshold) return false;
  return totalSize(s.fileList) > settings.sizeThreshold;
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

/** A probe-side filter: SQL text (for EXPLAIN and caching) and the kernel predicate it stands for. */
export interface KeyFilter {
  readonly text: string;
  readonly predicate: Predicate;
}

/** A join whose build side's keys may prune the probe: the build as a one-column query, and the probe's key column. */
export interface KeyRequest {
  readonly build: string;
  readonly column: string;
  readonly probeType: DataType | undefined;
}

/** Past this many build rows the keys are not read, only their range. */
const MAX_FETCHED = 50_000;

/**
 * The probe-side filter for each request's keys; undefined where the key types differ in kind (a
 * string key against an integer one compares by cast, which a filter on the probe's own values
 * cannot model) or the build side cannot be read, so no file is pruned. Build sides are read at
 * the same time, each on a connection of its own, as plain rows: DuckDB's DISTINCT and ordered
 * list aggregates cost more on a few thousand keys than sorting them here. The predicate is built
 * directly: parsing a list of a thousand literals back through SQL would cost more than it saves.
 */
export async function buildKeyPredicates(c: DuckDBConnection, requests: readonly KeyRequest[]): Promise<(KeyFilter | undefined)[]> {
  return Promise.all(
    requests.map(async (r, k) => {
      const kind = deltaKind(r.probeType);
      if (!kind) return undefined;
      const run = (conn: DuckDBConnection) => keyFilterOf(conn, r, kind);
      try {
        // Variables are the session's own: a build side that reads them runs on its connection.
        if (k === 0 || /\bgetvariable\s*\(/i.test(r.build)) return await run(c);
        // Another connection cannot see the session's TEMP tables: then the session reads it.
        return await withPooledConnection(run).catch(() => run(c));
      } catch {
        return undefined;
      }
    }),
  );
}

async function keyFilterOf(c: DuckDBConnection, r: KeyRequest, kind: KeyKind): Promise<KeyFilter | undefined> {
  const keys = `FROM (${r.build}) AS __loch_build(k) WHERE k IS NOT NULL`;
  const result = await c.runAndReadAll(`SELECT k ${keys} LIMIT ${MAX_FETCHED + 1}`);
  if (duckKind(result.columnType(0).toString()) !== kind) return undefined;
  const rows = result.getRows();
  if (rows.length > MAX_FETCHED) {
    const [[lo, hi]] = (await c.runAndReadAll(`SELECT CAST(min(k) AS VARCHAR), CAST(max(k) AS VARCHAR) ${keys}`)).getRows();
    return between(r.column, kind, String(lo), String(hi));
  }
  const values = sortKeys([...new Set(rows.map((row) => String(row[0])))], kind);
  return values && keyFilter(values, r.column, kind);
}

/** Keys in DuckDB's order: numbers by value, strings by their UTF-8 bytes, dates as ISO text. */
function sortKeys(values: string[], kind: KeyKind): string[] | undefined {
  if (kind === 'integer') return values.map((v) => BigInt(v)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  // Dates outside years 0000-9999 print another way; no pruning for those.
  if (kind === 'date') return values.every((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)) ? values.sort() : undefined;
  return values.map((v) => Buffer.from(v)).sort(Buffer.compare).map((b) => b.toString());
}

const value = (kind: KeyKind, v: string) => (kind === 'integer' ? expr.lit(BigInt(v)) : kind === 'date' ? expr.dateLit(v) : expr.lit(v));

function between(column: string, kind: KeyKind, lo: string, hi: string): KeyFilter {
  return { text: `${sqlIdent(column)} BETWEEN ${literal(kind, lo)} AND ${literal(kind, hi)}`, predicate: expr.between(expr.col(column), value(kind, lo), value(kind, hi)) };
}

/** The filter for sorted distinct keys. */
function keyFilter(values: readonly string[], column: string, kind: KeyKind): KeyFilter {
  const col = sqlIdent(column);
  // No keys: the join has no rows, so no probe file is needed.
  if (values.length === 0) return { text: 'false', predicate: expr.constant(false) };
  const [first, last] = [values[0], values[values.length - 1]];
  if (values.length > DFP_MAX_KEYS) return between(column, kind, first, last);
  const ref = expr.col(column);
  if (kind === 'string') {
    if (values.length > MAX_RANGES) return between(column, kind, first, last);
    return { text: `${col} IN (${values.map((v) => literal(kind, v)).join(', ')})`, predicate: expr.inList(ref, values.map((v) => value(kind, v))) };
  }
  if (kind === 'integer' && values.some((v) => !Number.isSafeInteger(Number(v)))) return between(column, kind, first, last);
  // Integer and date keys as a few ranges: neighbouring keys (a category's item ids, a month's
  // days) collapse into one, and testing a file against a range costs one comparison, not one
  // per key. Past MAX_RANGES the smallest gaps are merged: the ranges still cover every key.
  const ranges = keyRanges(values.map((v) => (kind === 'date' ? Date.parse(`${v}T00:00:00Z`) / 86_400_000 : Number(v))), MAX_RANGES);
  const back = (n: number) => (kind === 'date' ? new Date(n * 86_400_000).toISOString().slice(0, 10) : String(n));
  const parts = ranges.map(([lo, hi]) =>
    lo === hi ? { text: `${col} = ${literal(kind, back(lo))}`, predicate: expr.eq(ref, value(kind, back(lo))) } : between(column, kind, back(lo), back(hi)),
  );
  return parts.length === 1 ? parts[0] : { text: `(${parts.map((p) => p.text).join(' OR ')})`, predicate: expr.or(...parts.map((p) => p.predicate)) };
}
