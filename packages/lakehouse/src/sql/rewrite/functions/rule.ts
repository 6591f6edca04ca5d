/** What a function family declares for each Spark function it rewrites, and helpers shared by the families. */
import { sqlError, type SqlError } from '../../errors.js';
import type { Call } from '../call.js';

/** A LOCH_SQL_ERROR naming the Spark function that cannot be translated. */
export function sparkFunctionError(fn: string, message: string): SqlError {
  return sqlError(`${fn}(): ${message}`);
}

export interface Rule {
  /** Fewest and most arguments. */
  readonly args: readonly [number, number];
  /** The DuckDB SQL for the call; `end` when the rewrite also consumed tokens after the `)`. */
  readonly to: (c: Call) => string | { sql: string; end: number };
  /** The call is SQL syntax with the same name rather than the function (FILTER (WHERE ...)). */
  readonly notACall?: (c: Call) => boolean;
  /** Spark names a whole SELECT item of this call with its keyword in capitals (`CAST(x AS INT)`). */
  readonly upperName?: boolean;
  /** The name Spark gives a whole SELECT item of this call, when not the call as written. */
  readonly sparkName?: string;
}

export const ANY = Number.POSITIVE_INFINITY;

/** A rule for a form that cannot be translated faithfully: a LOCH_SQL_ERROR naming the function. */
export function refused(message: string): (c: Call) => never {
  return (c) => {
    throw sparkFunctionError(c.name, message);
  };
}

/** DuckDB ignores a NULL separator; Spark's result is NULL. */
export function nullWhenNull(c: Call, i: number, sql: string): string {
  return c.isString(i) ? sql : `CASE WHEN ${c.atom(i)} IS NULL THEN NULL ELSE ${sql} END`;
}

/** `sql`, or NULL when one of the arguments `indexes` is NULL (literals are never NULL). */
export function nullIfAnyNull(c: Call, indexes: readonly number[], sql: string): string {
  const literal = (i: number) => c.sig(i).length === 1 && (c.isString(i) || c.first(i)?.kind === 'number');
  const tests = indexes.filter((i) => !literal(i)).map((i) => `${c.atom(i)} IS NULL`);
  return tests.length === 0 ? sql : `CASE WHEN ${tests.join(' OR ')} THEN NULL ELSE ${sql} END`;
}

/**
 * `body` over `values`, each computed once: DuckDB has no LET, so a lambda over a one-element list
 * binds them (the rewrite would otherwise repeat an argument many times over).
 */
export function bind(c: Call, values: readonly string[], body: (refs: string[]) => string): string {
  const p = c.fresh('p');
  const fields = values.map((v, i) => `'v${i}': ${v}`).join(', ');
  return `list_transform([{${fields}}], lambda ${p}: ${body(values.map((_, i) => `${p}.v${i}`))})[1]`;
}
