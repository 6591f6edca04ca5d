/**
 * Loch's JSON encoding (design/CLI.md) as DuckDB SQL, so that DuckDB's own JSON and CSV writers
 * produce exactly what Loch's JavaScript encoder (values/json-values.ts) would, at DuckDB's speed:
 * longs beyond ±2^53 and decimals as strings, doubles as JavaScript prints them (NaN and
 * infinities as strings), dates and timestamps in ISO form with microseconds, binary as base64,
 * maps as objects keyed by the keys' text. Types the SQL does not cover give undefined, and the
 * caller encodes in JavaScript instead.
 */
import type { DuckDBType } from '@duckdb/node-api';
import { sqlIdent, sqlString, duckdbApi } from '@loch/engine-node';

const { DuckDBTypeId } = duckdbApi;

/**
 * An encoded value: `native` where DuckDB's writers already write it as the encoding does
 * (integers, booleans), `text` a VARCHAR the encoding writes as a JSON string, `json` a JSON
 * value written as it is.
 */
interface Encoded {
  readonly sql: string;
  readonly kind: 'native' | 'text' | 'json';
}

const MAX_SAFE = '9007199254740991';

/** A column for DuckDB's JSON writer (FORMAT json); undefined when its type is not covered. */
export function jsonColumn(x: string, t: DuckDBType, safeLong = false): string | undefined {
  return encode(x, t, 0, safeLong)?.sql;
}

/** A column for DuckDB's CSV writer: the text Loch's CSV gives each value (nested values as JSON). */
export function csvColumn(x: string, t: DuckDBType): string | undefined {
  if (t.typeId === DuckDBTypeId.FLOAT || t.typeId === DuckDBTypeId.DOUBLE) return doubleText(t.typeId === DuckDBTypeId.FLOAT ? `${x}::DOUBLE` : x);
  const e = encode(x, t, 0, true);
  if (!e) return undefined;
  // A JSON string's content, or any other JSON value's text.
  return e.kind === 'json' ? `(${e.sql}) ->> '$'` : e.sql;
}

function encode(x: string, t: DuckDBType, depth: number, safeLong = false): Encoded | undefined {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return { sql: x, kind: 'native' };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      if (safeLong) return { sql: x, kind: 'native' };
      return { sql: `CASE WHEN ${x} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE} THEN to_json(${x}) ELSE to_json(${x}::VARCHAR) END`, kind: 'json' };
    case DuckDBTypeId.FLOAT:
      return double(`${x}::DOUBLE`);
    case DuckDBTypeId.DOUBLE:
      return double(x);
    case DuckDBTypeId.DECIMAL:
      return { sql: `${x}::VARCHAR`, kind: 'text' };
    case DuckDBTypeId.VARCHAR:
      return { sql: x, kind: 'text' };
    case DuckDBTypeId.BLOB:
      return { sql: `base64(${x})`, kind: 'text' };
    case DuckDBTypeId.DATE:
      return { sql: withYear(x, '-%m-%d'), kind: 'text' };
    case DuckDBTypeId.TIMESTAMP:
      return { sql: withYear(x, '-%m-%dT%H:%M:%S.%f'), kind: 'text' };
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
      return { sql: withYear(`${x}::TIMESTAMP`, '-%m-%dT%H:%M:%S.%f'), kind: 'text' };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { sql: `${withYear(`timezone('UTC', ${x})`, '-%m-%dT%H:%M:%S.%f')} || 'Z'`, kind: 'text' };
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
      const parts: string[] = [];
      for (let i = 0; i < s.entryNames.length; i++) {
        const field = json(`${x}.${sqlIdent(s.entryNames[i])}`, s.entryTypes[i], depth + 1);
        if (field === undefined) return undefined;
        parts.push(sqlString(s.entryNames[i]), field);
      }
      return { sql: `CASE WHEN ${x} IS NULL THEN NULL ELSE json_object(${parts.join(', ')}) END`, kind: 'json' };
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const e = `__loch_e${depth}`;
      const element = json(e, (t as unknown as { valueType: DuckDBType }).valueType, depth + 1);
      if (element === undefined) return undefined;
      return { sql: `to_json(list_transform(${x}, ${e} -> ${element}))`, kind: 'json' };
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      const e = `__loch_e${depth}`;
      const key = keyText(`${e}.key`, m.keyType, depth + 1);
      const value = json(`${e}.value`, m.valueType, depth + 1);
      if (key === undefined || value === undefined) return undefined;
      return {
        sql: `CASE WHEN ${x} IS NULL THEN NULL ELSE to_json(map_from_entries(list_transform(map_entries(${x}), ${e} -> struct_pack(key := ${key}, value := ${value})))) END`,
        kind: 'json',
      };
    }
    default:
      return undefined;
  }
}

/** The value as a JSON value (what nested positions need). */
function json(x: string, t: DuckDBType, depth: number): string | undefined {
  const e = encode(x, t, depth);
  if (!e) return undefined;
  return e.kind === 'json' ? e.sql : `to_json(${e.sql})`;
}

/** A map key as an object key: the string the encoding gives it, or the JSON text of anything else. */
function keyText(x: string, t: DuckDBType, depth: number): string | undefined {
  const e = encode(x, t, depth);
  if (!e) return undefined;
  if (e.kind !== 'json') return `${e.sql}::VARCHAR`;
  const j = `(${e.sql})`;
  return `CASE WHEN json_type(${j}) = 'VARCHAR' THEN ${j} ->> '$' ELSE ${j}::VARCHAR END`;
}

/**
 * A double as JavaScript prints it: integral values without a fraction (`100`, `0` for -0), others
 * in DuckDB's shortest form (the same digits); NaN and the infinities as strings. One difference
 * is left: a JSON value cannot hold JavaScript's `1e+21`, and DuckDB writes it `1e21` (the same
 * number).
 */
function double(x: string): Encoded {
  return {
    sql: `CASE WHEN ${x} IS NULL THEN NULL
      WHEN isnan(${x}) THEN '"NaN"'::JSON
      WHEN isinf(${x}) THEN CASE WHEN ${x} > 0 THEN '"Infinity"'::JSON ELSE '"-Infinity"'::JSON END
      WHEN abs(${x}) >= 1e21 THEN ${x}::VARCHAR::JSON
      WHEN ${x} = trunc(${x}) THEN ${x}::HUGEINT::VARCHAR::JSON
      ELSE to_json(${x}) END`,
    kind: 'json',
  };
}

/** A double's text as JavaScript's String() gives it (what CSV holds). */
function doubleText(x: string): string {
  return `CASE WHEN ${x} IS NULL THEN NULL
      WHEN isnan(${x}) THEN 'NaN'
      WHEN isinf(${x}) THEN CASE WHEN ${x} > 0 THEN 'Infinity' ELSE '-Infinity' END
      WHEN abs(${x}) >= 1e21 THEN ${x}::VARCHAR
      WHEN ${x} = trunc(${x}) THEN ${x}::HUGEINT::VARCHAR
      ELSE to_json(${x})::VARCHAR END`;
}

/**
 * `strftime(x, '%Y' || rest)` with the year as JavaScript's ISO form writes it: four digits for
 * years 0 to 9999, a sign and at least four digits outside them.
 */
function withYear(x: string, rest: string): string {
  return `CASE WHEN year(${x}) BETWEEN 0 AND 9999 THEN strftime(${x}, ${sqlString(`%Y${rest}`)})
    WHEN year(${x}) < 0 THEN '-' || lpad((-year(${x}))::VARCHAR, 4, '0') || strftime(${x}, ${sqlString(rest)})
    ELSE '+' || year(${x})::VARCHAR || strftime(${x}, ${sqlString(rest)}) END`;
}
