import { sparkString, tokenize } from '@loch/lakehouse/core';
import { invalidRequest } from '../api-errors.js';

/** A named parameter as Databricks' Statement Execution API takes it (`:name` in the statement). */
export interface StatementParameter {
  readonly name: string;
  /** null or absent: SQL NULL. */
  readonly value?: string | null;
  /** A Spark SQL type (`INT`, `DATE`, `DECIMAL(10,2)`); the value is cast to it. STRING when absent. */
  readonly type?: string;
}

const TYPE = /^[A-Za-z_][A-Za-z0-9_]*(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?$/;

/** The literal a parameter stands for: a string, or a string cast to the parameter's type. */
function literal(p: StatementParameter): string {
  const type = (p.type ?? 'STRING').trim();
  if (!TYPE.test(type)) throw invalidRequest(`parameters: '${p.name}' has type '${type}', which is not a SQL type name`);
  if (p.value === null || p.value === undefined) return type.toUpperCase() === 'STRING' ? 'NULL' : `CAST(NULL AS ${type})`;
  const s = sparkString(String(p.value));
  return type.toUpperCase() === 'STRING' ? s : `CAST(${s} AS ${type})`;
}

/**
 * Replaces each `:name` marker outside strings, identifiers and comments with its parameter's
 * literal. A marker without a parameter, or a parameter no marker uses (unless `allowUnused`:
 * dashboards give every widget all their parameters), is a request error.
 */
export function bindParameters(statement: string, parameters: readonly StatementParameter[] | undefined, options: { allowUnused?: boolean } = {}): string {
  if (!statement.includes(':')) return statement;
  const byName = new Map<string, StatementParameter>();
  for (const p of parameters ?? []) {
    if (!p || typeof p.name !== 'string' || p.name === '') throw invalidRequest('parameters: each parameter needs a name');
    byName.set(p.name.toLowerCase(), p);
  }
  const tokens = tokenize(statement, 'spark');
  const used = new Set<string>();
  let out = '';
  let at = 0;
  for (let i = 0; i < tokens.length - 1; i++) {
    const colon = tokens[i];
    const word = tokens[i + 1];
    const prev = tokens[i - 1];
    if (colon.kind !== 'punct' || colon.text !== ':' || word.kind !== 'word' || word.start !== colon.end) continue;
    // `a::int` is a cast, `map['k']:x` and `{a: 1}` are not markers either: a marker follows no ':' and no word glued to it.
    if (prev && prev.end === colon.start && (prev.text === ':' || prev.kind === 'word' || prev.kind === 'quoted' || prev.text === ']')) continue;
    const p = byName.get(word.value.toLowerCase());
    if (!p) throw invalidRequest(`parameters: the statement uses :${word.value}, which no parameter names`);
    used.add(word.value.toLowerCase());
    out += statement.slice(at, colon.start) + literal(p);
    at = word.end;
    i++;
  }
  const unused = [...byName.keys()].filter((n) => !used.has(n));
  if (unused.length > 0 && !options.allowUnused) throw invalidRequest(`parameters: '${unused[0]}' is not used by the statement (no :${unused[0]} in it)`);
  return out + statement.slice(at);
}
