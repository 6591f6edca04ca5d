/**
 * A grouped map's input as SQL (keyed, sorted, or grouped by DuckDB: listedSql, read by
 * group-lists.ts), and the sorted rows cut into runs of groups, where DuckDB cannot hold the
 * groups at once. DuckDB sorts the rows by key (streamed, so memory stays flat); group boundaries
 * are found by comparing each row's keys with the row before, over the key columns' buffers (no
 * value boxed for numbers and strings); runs of consecutive groups of about a given number of
 * rows are handed on as tables over slices of DuckDB's batches, with where each group starts.
 */
import { Table, makeVector, type Data, type RecordBatch, type Vector } from 'apache-arrow';

/** Rows per run of groups handed on at once (at least one group): enough to make a run's messaging small beside its work. */
export const RUN_ROWS = 65_536;

/** Consecutive groups as one table: group `i` is rows `starts[i]` to `starts[i + 1]`. */
export interface GroupRun {
  readonly table: Table;
  readonly starts: Int32Array;
}

/** `input`'s rows with each key's value in a column of its own after them, sorted by key (NULLs together, where the session orders them). */
export function groupedSql(input: string, keys: readonly string[]): string {
  return sortedSql(keyedSql(input, keys), keys.length);
}

/** `input`'s rows with each key's value in a column of its own after them. */
export function keyedSql(input: string, keys: readonly string[]): string {
  return `SELECT *, ${keys.map((k, j) => `(${k}) AS ${keyColumn(j)}`).join(', ')} FROM (${input}) AS __loch_in`;
}

/** The rows of a keyedSql query with `keyCount` keys (those `where` keeps, a condition on the key columns), sorted by key. */
export function sortedSql(keyed: string, keyCount: number, where?: string): string {
  const keys = Array.from({ length: keyCount }, (_, j) => keyColumn(j));
  return `SELECT * FROM (${keyed}) AS __loch_keyed${where ? ` WHERE ${where}` : ''} ORDER BY ${keys.join(', ')}`;
}

/**
 * The groups of a keyedSql query with `keyCount` keys and `columns` input columns (those `where`
 * keeps), one row each in key order (NULL keys one group, where sortedSql has them): its keys,
 * then its rows as a list of structs of the input columns (fields __loch_c0, __loch_c1, ... by
 * position, whatever the columns' names). DuckDB groups them, so JS finds no boundaries, and a
 * result chunk of up to 2,048 groups is read with a few calls (see group-lists.ts).
 */
export function listedSql(keyed: string, keyCount: number, columns: number, where?: string): string {
  const keys = Array.from({ length: keyCount }, (_, j) => keyColumn(j));
  const fields = Array.from({ length: columns }, (_, j) => `__loch_c${j}`);
  const renamed = `(${keyed}) AS __loch_keyed(${fields.join(', ')})`;
  return `SELECT ${keys.join(', ')}, list(struct_pack(${fields.join(', ')})) AS __loch_rows FROM ${renamed}${where ? ` WHERE ${where}` : ''} GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}`;
}

/** The column of the `j`th key in keyedSql's rows. */
export const keyColumn = (j: number) => `__loch_key${j}`;

/** ` on the group k = v` for a group's keys that are columns of it ('' when none is), for messages. */
export function groupNamed(group: Table, keys: readonly string[]): string {
  const named = keys.filter((k) => group.schema.fields.some((f) => f.name === k));
  return named.length > 0 && group.numRows > 0 ? ` on the group ${named.map((k) => `${k} = ${String(group.getChild(k)!.get(0))}`).join(', ')}` : '';
}

/** The runs of groups of a groupedSql result with `keyCount` keys, each of at least `rows` rows but the last (and at least one group). */
export async function* groupRuns(batches: AsyncIterable<RecordBatch>, keyCount: number, rows: number): AsyncGenerator<GroupRun> {
  let run = newRun();
  let last: { keys: Vector[]; row: number } | undefined;
  for await (const b of batches) {
    const n = b.numRows;
    if (n === 0) continue;
    const width = b.numCols - keyCount;
    const keys = Array.from({ length: keyCount }, (_, j) => b.getChildAt(width + j)!);
    const body = b.select(b.schema.fields.slice(0, width).map((f) => f.name));
    const same = adjacentEqual(keys);
    let from = 0;
    for (let i = 0; i < n; i++) {
      const starts = i === 0 ? last !== undefined && !keys.every((k, j) => sameValue(last!.keys[j].get(last!.row), k.get(0))) : !same(i);
      if (!starts) continue;
      const at = run.rows + i - from;
      if (at < rows) {
        run.starts.push(at);
        continue;
      }
      // The run is long enough: it ends before this group.
      if (i > from) run.batches.push(body.slice(from, i));
      run.rows += i - from;
      yield finish(run);
      run = newRun();
      from = i;
    }
    run.batches.push(body.slice(from, n));
    run.rows += n - from;
    last = { keys, row: n - 1 };
  }
  if (run.rows > 0) yield finish(run);
}

function newRun() {
  return { batches: [] as RecordBatch[], rows: 0, starts: [0] };
}

function finish(run: ReturnType<typeof newRun>): GroupRun {
  return { table: new Table(run.batches), starts: Int32Array.from([...run.starts, run.rows]) };
}

/** Whether row `i` of a batch has the same keys as row `i - 1`, through each key column's buffers. */
function adjacentEqual(keys: readonly Vector[]): (i: number) => boolean {
  const tests = keys.map((k) => (k.data.length === 1 ? columnEqual(k.data[0]) : (i: number) => sameValue(k.get(i - 1), k.get(i))));
  if (tests.length === 1) return tests[0];
  return (i) => tests.every((t) => t(i));
}

/** Rows `i - 1` and `i` of one Arrow data equal (both NULL counts as equal, as GROUP BY has it). */
function columnEqual(d: Data): (i: number) => boolean {
  const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
  const valid = (i: number) => !bitmap || ((bitmap[(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1) === 1;
  const values = valuesEqual(d);
  return (i) => {
    const a = valid(i - 1);
    return a === valid(i) && (!a || values(i - 1, i));
  };
}

/**
 * Equality of two non-NULL rows by their index in `d`. Arrow's slices start their value and
 * offset buffers at the slice's first row (its `offset` counts only in the null bitmap), so the
 * index needs no offset.
 */
function valuesEqual(d: Data): (a: number, b: number) => boolean {
  const v = d.values as unknown;
  if (v instanceof Float64Array || v instanceof Float32Array) return (a, b) => v[a] === v[b] || (v[a] !== v[a] && v[b] !== v[b]);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    // 64-bit integers as two 32-bit words each: comparing them as BigInts would allocate per row.
    const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    return (a, b) => w[2 * a] === w[2 * b] && w[2 * a + 1] === w[2 * b + 1];
  }
  if (v instanceof Int32Array || v instanceof Int16Array || v instanceof Int8Array || v instanceof Uint32Array || v instanceof Uint16Array) {
    // A value may take several elements (a decimal: four 32-bit words).
    const stride = (d as unknown as { stride?: number }).stride ?? 1;
    if (stride === 1) return (a, b) => v[a] === v[b];
    return (a, b) => {
      for (let k = 0; k < stride; k++) if (v[a * stride + k] !== v[b * stride + k]) return false;
      return true;
    };
  }
  const offsets = d.valueOffsets as unknown;
  if (v instanceof Uint8Array && offsets instanceof Int32Array && d.children.length === 0) {
    // Strings and binaries: their bytes, without decoding them.
    return (a, b) => {
      const la = offsets[a + 1] - offsets[a];
      if (la !== offsets[b + 1] - offsets[b]) return false;
      for (let k = 0; k < la; k++) if (v[offsets[a] + k] !== v[offsets[b] + k]) return false;
      return true;
    };
  }
  const vector = makeVector(d);
  return (a, b) => sameValue(vector.get(a), vector.get(b));
}

/** Two key values equal as GROUP BY has it: NULLs together, NaNs together, structs and arrays by their contents. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'number' && typeof b === 'number') return a !== a && b !== b;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a, bigints) === JSON.stringify(b, bigints);
}

const bigints = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);
