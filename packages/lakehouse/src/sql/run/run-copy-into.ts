/**
 * COPY INTO: files under a path loaded into a Delta table, each file once. Which files a table
 * has loaded lives in its own log, as `txn` actions (appId `loch.copyInto:<file URL>`) committed
 * atomically with the rows, so the record travels with the table, survives checkpoints, and two
 * loads of the same file racing each other conflict instead of loading it twice.
 */
import { deltaError, isDeltaError, type FileMeta, type Snapshot, type StorageHandler } from '@loch/delta';
import type { JsonValue } from '../../values/json-values.js';
import { SqlError, sqlError } from '../errors.js';
import type { CopyIntoStatement } from '../parse/statements-copy.js';
import { fileUrl, filesRelation, globRegExp } from '../plan/file-sources.js';
import type { SessionContext } from './context.js';
import { longColumns, renamed, type WriteOutcome } from './run-dml.js';

/** The txn appId recording that a file was loaded. */
export const COPY_INTO_APP = 'loch.copyInto:';

const FORMATS = new Set(['json', 'csv', 'parquet', 'text', 'binaryfile']);

export async function runCopyInto(ctx: SessionContext, st: CopyIntoStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.table);
  if (!FORMATS.has(st.format)) throw sqlError(`COPY INTO ${target.display}: FILEFORMAT ${st.format.toUpperCase()} is not one Loch reads (JSON, CSV, PARQUET, TEXT, BINARYFILE)`);
  const force = flag(st.copyOptions, 'force', target.display);
  const mergeSchema = flag(st.copyOptions, 'mergeSchema', target.display);
  const snapshot = await latest(target.table.snapshot.bind(target.table));
  const ref = { start: 0, end: 0, text: `COPY INTO ${target.display}`, path: st.from, format: st.format, options: st.formatOptions, rescuedColumn: false };
  const storage = target.table.engine.storage;
  const candidates = await candidateFiles(storage, st, fileUrl(ref), ref.text);
  const loaded = (f: FileMeta) => snapshot?.txns.get(`${COPY_INTO_APP}${f.path}`);
  const chosen = force ? candidates : candidates.filter((f) => !loaded(f));
  const summary = (rows: number, version?: number) =>
    `COPY INTO ${target.display}: ${chosen.length} file${chosen.length === 1 ? '' : 's'} loaded (${rows} rows), ${candidates.length - chosen.length} loaded before${version !== undefined ? `, version ${version}` : ''}`;
  const outcome = (rows: number, version?: number): WriteOutcome => ({
    columns: [...longColumns('num_affected_rows', 'num_inserted_rows', 'num_skipped_files'), { name: 'files', deltaType: { kind: 'array', elementType: { kind: 'primitive', name: 'string' }, containsNull: false } }],
    rows: [{ num_affected_rows: rows, num_inserted_rows: rows, num_skipped_files: candidates.length - chosen.length, files: chosen.map((f) => decodeURIComponent(f.path)) as JsonValue[] }],
    summary: summary(rows, version),
    ...(version !== undefined ? { version } : {}),
    scans: [],
  });
  if (chosen.length === 0) return outcome(0);
  const local = chosen.map((f) => storage.localPath?.(f.path));
  if (local.some((p) => p === undefined)) throw sqlError(`${ref.text}: DuckDB reads files that have a local path; ${st.from} has none`);
  const relation = await filesRelation(ctx.c, ref, local as string[]);
  let result;
  try {
    result = await target.table.write(`SELECT * FROM ${relation}`, {
      mode: 'append',
      ...(mergeSchema ? { mergeSchema: true } : {}),
      ...(snapshot ? { snapshot } : {}),
      txns: chosen.map((f) => ({ appId: `${COPY_INTO_APP}${f.path}`, version: (loaded(f)?.version ?? 0) + 1 })),
      operation: 'COPY INTO',
      operationParameters: { path: st.from, fileFormat: st.format.toUpperCase(), numFiles: String(chosen.length), force: String(force) },
    });
  } catch (e) {
    throw renamed(ctx, e);
  }
  if (result.kind !== 'committed') throw sqlError(`${ref.text}: the write was not committed (${result.kind})`);
  return outcome(result.metrics.numOutputRows ?? 0, result.version);
}

async function latest(load: () => Promise<Snapshot>): Promise<Snapshot | undefined> {
  try {
    return await load();
  } catch (e) {
    if (isDeltaError(e, 'DELTA_TABLE_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** The files COPY INTO considers: FILES by name, or every file under the path (hidden ones aside) matching PATTERN. */
async function candidateFiles(storage: StorageHandler, st: CopyIntoStatement, url: string, what: string): Promise<FileMeta[]> {
  const single = await storage.head(url.replace(/\/$/, ''));
  if (single && !st.files && st.pattern === undefined) return [single];
  const root = url.endsWith('/') ? url : `${url}/`;
  if (st.files) {
    const out: FileMeta[] = [];
    for (const name of st.files) {
      const f = await storage.head(`${root}${name.split('/').map(encodeURIComponent).join('/')}`);
      if (!f) throw new SqlError('LOCH_PATH_NOT_FOUND', `${what}: FILES names ${name}, which is not under ${st.from}`);
      out.push(f);
    }
    return out;
  }
  const pattern = st.pattern !== undefined ? globRegExp(st.pattern) : undefined;
  const all = await storage.listRecursive(root);
  if (all.length === 0 && !single) throw new SqlError('LOCH_PATH_NOT_FOUND', `${what}: no files under ${st.from}`);
  return all.filter((f) => {
    const key = decodeURIComponent(f.path.slice(root.length));
    if (key.split('/').some((p) => p.startsWith('_') || p.startsWith('.'))) return false;
    return !pattern || pattern.test(key);
  });
}

function flag(options: Readonly<Record<string, string>>, name: string, table: string): boolean {
  const hit = Object.entries(options).find(([k]) => k.toLowerCase() === name.toLowerCase());
  if (!hit) return false;
  if (/^(true|false)$/i.test(hit[1])) return hit[1].toLowerCase() === 'true';
  throw deltaError('DELTA_INVALID_ARGUMENT', `COPY INTO ${table}: COPY_OPTIONS ${name} must be 'true' or 'false', not '${hit[1]}'`);
}
