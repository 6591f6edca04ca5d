import { trackingError } from '../errors.js';
import type { ColumnSpec } from './mlmodel.js';

const bad = (message: string) => trackingError('BAD_REQUEST', message);

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];

/**
 * The rows of an MLflow scoring request (`/invocations` JSON): `dataframe_split` ({columns,
 * data}), `dataframe_records` (an array of objects), `instances` or `inputs` (tensor input: an
 * array of instances, or an object of equally long columns). Exactly one of them.
 */
export function scoringRows(body: unknown): unknown[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw bad(`The request body must be a JSON object with one of the keys ${FORMATS.join(', ')}`);
  }
  const o = body as Record<string, unknown>;
  const given = FORMATS.filter((k) => k in o);
  if (given.length !== 1) {
    throw bad(given.length === 0
      ? `The request body has none of the keys ${FORMATS.join(', ')} (it has ${Object.keys(o).join(', ') || 'no keys'})`
      : `The request body must have exactly one of ${FORMATS.join(', ')}; it has ${given.join(' and ')}`);
  }
  const format = given[0];
  const v = o[format];
  if (format === 'dataframe_split') return splitRows(v);
  if (format === 'dataframe_records') {
    if (!Array.isArray(v) || v.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) throw bad("'dataframe_records' must be an array of objects (one per row)");
    return v;
  }
  return tensorRows(format, v);
}

function splitRows(v: unknown): unknown[] {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad("'dataframe_split' must be an object with 'columns' and 'data'");
  const { columns, data } = v as { columns?: unknown; data?: unknown };
  if (!Array.isArray(data)) throw bad("'dataframe_split.data' must be an array of rows");
  if (columns === undefined) return data.map((row) => (Array.isArray(row) ? Object.fromEntries(row.map((x, i) => [String(i), x])) : row));
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) throw bad("'dataframe_split.columns' must be an array of column names");
  return data.map((row, i) => {
    if (!Array.isArray(row)) throw bad(`'dataframe_split.data[${i}]' must be an array of ${columns.length} values`);
    if (row.length !== columns.length) throw bad(`'dataframe_split.data[${i}]' has ${row.length} values for ${columns.length} columns`);
    return Object.fromEntries(columns.map((c, j) => [c, row[j]]));
  });
}

function tensorRows(format: string, v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') {
    const cols = Object.entries(v as Record<string, unknown>);
    if (cols.some(([, c]) => !Array.isArray(c))) throw bad(`'${format}' as an object must map each input name to an array of values`);
    const n = (cols[0]?.[1] as unknown[] | undefined)?.length ?? 0;
    const uneven = cols.find(([, c]) => (c as unknown[]).length !== n);
    if (uneven) throw bad(`'${format}.${uneven[0]}' has ${(uneven[1] as unknown[]).length} values; the other inputs have ${n}`);
    return Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map(([k, c]) => [k, (c as unknown[])[i]])));
  }
  throw bad(`'${format}' must be an array of instances or an object of input arrays`);
}

/** Checks rows against a signature's input columns: required columns present, values of the type. */
export function checkRows(rows: readonly unknown[], inputs: readonly ColumnSpec[] | undefined): void {
  if (!inputs?.length) return;
  rows.forEach((row, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) return;
    const r = row as Record<string, unknown>;
    for (const col of inputs) {
      if (!col.name) continue;
      const v = r[col.name];
      if (v === undefined || v === null) {
        if (!col.optional) throw bad(`Row ${i} is missing input column '${col.name}' (${col.type}) that the model's signature requires`);
        continue;
      }
      const numeric = ['double', 'float', 'long', 'integer'].includes(col.type);
      if (numeric && typeof v !== 'number') throw bad(`Row ${i}: column '${col.name}' must be a number (${col.type}), got ${JSON.stringify(v)}`);
      if (col.type === 'string' && typeof v !== 'string') throw bad(`Row ${i}: column '${col.name}' must be a string, got ${JSON.stringify(v)}`);
      if (col.type === 'boolean' && typeof v !== 'boolean') throw bad(`Row ${i}: column '${col.name}' must be a boolean, got ${JSON.stringify(v)}`);
    }
  });
}
