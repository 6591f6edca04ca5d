import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import type { DataType, StructField, StructType } from '@loch/delta';
import { duckdbApi, sqlIdent, sqlString } from '@loch/engine-node';
import { deltaStats, type ColumnStats } from './stats.js';

const { DuckDBTypeId } = duckdbApi;

/**
 * Each file's `stats` JSON (numRecords; minValues, maxValues and nullCount of the indexed leaf
 * columns, nested ones included) read from the files themselves in one aggregate pass, for files
 * that have none (CONVERT TO DELTA) or whose statistics are computed again (ANALYZE TABLE ...
 * COMPUTE DELTA STATISTICS). `schema` is the schema as the files store it (physical names under
 * column mapping) and `indexed` its leaf paths that get min/max/nullCount, parts joined by NUL.
 * A column a file lacks is null in all its rows, as a reader sees it.
 */
export async function statsOfFiles(c: DuckDBConnection, files: readonly string[], schema: StructType, indexed: ReadonlySet<string>): Promise<string[]> {
  if (files.length === 0) return [];
  const list = `[${files.map(sqlString).join(', ')}]`;
  const read = `read_parquet(${list}, union_by_name = true, hive_partitioning = false)`;
  const described = await c.run(`SELECT * FROM ${read} LIMIT 0`);
  const present = new Map(described.columnNames().map((n, i) => [n, described.columnTypes()[i]]));
  const leaves = leavesOf(schema.fields, []).filter((l) => indexed.has(l.path.join('\u0000')));
  const aggs: string[] = [];
  const slots = leaves.map((l) => {
    const at = has(present, l.path);
    if (!at) return undefined;
    const col = l.path.map(sqlIdent).join('.');
    const first = aggs.length;
    aggs.push(`CAST(min(${col}) AS VARCHAR)`, `CAST(max(${col}) AS VARCHAR)`, `count(*) - count(${col})`, isFloat(l.type) ? `coalesce(bool_or(isnan(${col})), false)` : 'false');
    return first;
  });
  const rows = (await c.runAndReadAll(`SELECT file_index, count(*)${aggs.map((a) => `, ${a}`).join('')} FROM ${read} GROUP BY file_index`)).getRows();
  const out: string[] = files.map(() => deltaStats(0, new Map(), schema, new Set()));
  for (const row of rows) {
    const numRecords = Number(row[1]);
    const perColumn = new Map<string, ColumnStats>();
    leaves.forEach((l, i) => {
      const first = slots[i];
      const key = l.path.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
      if (first === undefined) {
        perColumn.set(key, new Map([['min', null], ['max', null], ['null_count', String(numRecords)], ['has_nan', 'false']]));
        return;
      }
      const [min, max, nulls, nan] = row.slice(2 + first, 6 + first);
      perColumn.set(key, new Map([['min', min === null ? null : String(min)], ['max', max === null ? null : String(max)], ['null_count', String(nulls)], ['has_nan', String(nan === true)]]));
    });
    out[Number(row[0])] = deltaStats(numRecords, perColumn, schema, new Set(indexed));
  }
  return out;
}

/** The leaf columns that statistics can be kept for: primitives and decimals, inside structs too. */
function leavesOf(fields: readonly StructField[], prefix: readonly string[]): { path: string[]; type: DataType }[] {
  return fields.flatMap((f) => {
    const path = [...prefix, f.name];
    if (f.type.kind === 'struct') return leavesOf(f.type.fields, path);
    return f.type.kind === 'primitive' || f.type.kind === 'decimal' ? [{ path, type: f.type }] : [];
  });
}

/** Whether the files have the column at `path` (a struct's field counts when the struct has it). */
function has(present: ReadonlyMap<string, DuckDBType>, path: readonly string[]): boolean {
  let t: DuckDBType | undefined = present.get(path[0]);
  for (const part of path.slice(1)) {
    if (!t || t.typeId !== DuckDBTypeId.STRUCT) return false;
    const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] };
    const i = s.entryNames.indexOf(part);
    t = i < 0 ? undefined : s.entryTypes[i];
  }
  return t !== undefined;
}

const isFloat = (t: DataType) => t.kind === 'primitive' && (t.name === 'float' || t.name === 'double');
