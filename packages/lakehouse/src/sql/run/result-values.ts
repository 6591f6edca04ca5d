import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';
import { toJsonValue, type JsonValue } from '../../values/json-values.js';
import { deltaTypeOf } from '../../write/duck-schema.js';
import { duckdbApi } from '@loch/engine-node';

const { DuckDBTypeId } = duckdbApi;

/** How to print one result column: the Delta type its values are encoded as, and the converter. */
export interface ColumnReader {
  readonly deltaType: DataType;
  readonly convert: (v: DuckDBValue) => JsonValue;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const STRING: DataType = { kind: 'primitive', name: 'string' };
const LONG: DataType = { kind: 'primitive', name: 'long' };
const TIMESTAMP_NTZ: DataType = { kind: 'primitive', name: 'timestamp_ntz' };

const isNull = (v: DuckDBValue) => v === null || v === undefined;

/**
 * A reader for a DuckDB result type, encoding values as Loch's JSON does (design/CLI.md). Columns
 * read from a Delta table carry the exact DuckDB type of their Delta type, so they print as a
 * scan prints them; computed columns get the nearest Delta type. Wide integers (`sum()` of a
 * BIGINT is a HUGEINT) print like a long; types Delta lacks (INTERVAL, TIME, UUID, ...) as text.
 */
export function columnReader(t: DuckDBType): ColumnReader {
  switch (t.typeId) {
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UBIGINT:
      return {
        deltaType: LONG,
        convert: (v) => {
          if (isNull(v)) return null;
          const n = BigInt(v as bigint);
          return n > MAX_SAFE || n < -MAX_SAFE ? n.toString() : Number(n);
        },
      };
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { deltaType: TIMESTAMP_NTZ, convert: (v) => (isNull(v) ? null : toJsonValue({ micros: micros(v) } as DuckDBValue, TIMESTAMP_NTZ)) };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const element = columnReader((t as unknown as { valueType: DuckDBType }).valueType);
      return {
        deltaType: { kind: 'array', elementType: element.deltaType, containsNull: true },
        convert: (v) => (isNull(v) ? null : (v as unknown as { items: DuckDBValue[] }).items.map((x) => element.convert(x))),
      };
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      const key = columnReader(m.keyType);
      const value = columnReader(m.valueType);
      return {
        deltaType: { kind: 'map', keyType: key.deltaType, valueType: value.deltaType, valueContainsNull: true },
        convert: (v) => {
          if (isNull(v)) return null;
          const out: { [k: string]: JsonValue } = {};
          for (const e of (v as unknown as { entries: { key: DuckDBValue; value: DuckDBValue }[] }).entries) {
            const k = key.convert(e.key);
            out[typeof k === 'string' ? k : JSON.stringify(k)] = value.convert(e.value);
          }
          return out;
        },
      };
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] };
      const fields = s.entryNames.map((name, i) => ({ name, reader: columnReader(s.entryTypes[i]) }));
      return {
        deltaType: { kind: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.reader.deltaType, nullable: true, metadata: {} })) },
        convert: (v) => {
          if (isNull(v)) return null;
          const entries = (v as unknown as { entries: Record<string, DuckDBValue> }).entries;
          const out: { [k: string]: JsonValue } = {};
          for (const f of fields) out[f.name] = f.reader.convert(entries[f.name] ?? null);
          return out;
        },
      };
    }
  }
  let deltaType: DataType;
  try {
    deltaType = deltaTypeOf(t, '');
  } catch {
    return { deltaType: STRING, convert: (v) => (isNull(v) ? null : String(v)) };
  }
  return { deltaType, convert: (v) => toJsonValue(v, deltaType) };
}

function micros(v: DuckDBValue): bigint {
  const o = v as unknown as { seconds?: bigint; millis?: bigint; nanos?: bigint; micros?: bigint };
  if (o.seconds !== undefined) return o.seconds * 1_000_000n;
  if (o.millis !== undefined) return o.millis * 1000n;
  if (o.nanos !== undefined) return o.nanos / 1000n - (o.nanos % 1000n < 0n ? 1n : 0n);
  return o.micros ?? 0n;
}
