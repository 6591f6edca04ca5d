/**
 * Spark's exact decimal arithmetic (decimal-rules.ts) as DuckDB scalar functions, for what DuckDB
 * cannot compute exactly: division (DuckDB's is a DOUBLE) and products and sums whose exact value
 * needs more than 38 digits before Spark rounds it.
 *
 * - `__loch_decimal(op, a, b, precision, scale)`: any operator over decimal text, the result as
 *   text of the result type (the caller casts it).
 * - `__loch_divide(a, b, e)`: the unscaled quotient `a * 10^e / b`, rounded half up, over unscaled
 *   HUGEINT operands: division without text, for operands whose unscaled values fit 38 digits.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbApi } from '@loch/engine-node';
import { compute, divideHalfUp, type DecimalOperator } from './decimal-rules.js';

const { DuckDBScalarFunction, HUGEINT, INTEGER, VARCHAR } = duckdbApi;

export const DECIMAL_FUNCTION = '__loch_decimal';
export const DIVIDE_FUNCTION = '__loch_divide';

const OPERATORS = new Set<string>(['+', '-', '*', '/', '%', '//']);

let registered: Promise<void> | undefined;

const powers: bigint[] = [];
/** 10^n, computed once per n. */
const power = (n: number): bigint => (powers[n] ??= 10n ** BigInt(n));

/**
 * Registers the function with the process's DuckDB database, once: a function registered through
 * one connection is there for every connection, so writes that read a query on another
 * connection find it too.
 */
export function ensureDecimalFunction(c: DuckDBConnection): Promise<void> {
  registered ??= (async () => {
    c.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: DECIMAL_FUNCTION,
        returnType: VARCHAR,
        parameterTypes: [VARCHAR, VARCHAR, VARCHAR, INTEGER, INTEGER],
        mainFunction: (_info, input, out) => {
          const [op, a, b, p, s] = [0, 1, 2, 3, 4].map((i) => input.getColumnVector(i));
          for (let i = 0; i < input.rowCount; i++) {
            const o = op.getItem(i) as string | null;
            const x = a.getItem(i) as string | null;
            const y = b.getItem(i) as string | null;
            const precision = p.getItem(i) as number | null;
            const scale = s.getItem(i) as number | null;
            const ok = o !== null && OPERATORS.has(o) && x !== null && y !== null && precision !== null && scale !== null;
            out.setItem(i, ok ? (compute(o as DecimalOperator, x, y, { precision, scale }) ?? null) : null);
          }
          out.flush();
        },
      }),
    );
    c.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: DIVIDE_FUNCTION,
        returnType: HUGEINT,
        parameterTypes: [HUGEINT, HUGEINT, INTEGER],
        mainFunction: (_info, input, out) => {
          const [a, b, e] = [0, 1, 2].map((i) => input.getColumnVector(i));
          for (let i = 0; i < input.rowCount; i++) {
            const x = a.getItem(i) as bigint | null;
            const y = b.getItem(i) as bigint | null;
            const shift = e.getItem(i) as number | null;
            out.setItem(i, x === null || y === null || shift === null || y === 0n ? null : divideHalfUp(x * power(shift), y));
          }
          out.flush();
        },
      }),
    );
  })();
  return registered;
}
