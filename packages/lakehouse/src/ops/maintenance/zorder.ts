import { sqlIdent } from '@loch/engine-node';

const BITS = 16;

/**
 * A SQL expression for the Z-order (Morton) value of a row over `columns`: each column is first
 * mapped to its rank in [0, 2^16) (so that skewed or non-numeric columns still spread evenly),
 * then the ranks' bits are interleaved. Sorting by it clusters rows that are close in every
 * column, so each output file covers a small range of each column, not just of the first.
 */
export function zOrderExpression(columns: readonly string[], cellBits = 0): { rankColumns: string; value: string; cell: string } {
  if (columns.length === 0 || columns.length > 4) throw new Error('ZORDER BY takes 1 to 4 columns');
  const ranks = columns.map(
    (c, j) => `LEAST(${2 ** BITS - 1}, floor(percent_rank() OVER (ORDER BY ${sqlIdent(c)} NULLS LAST) * ${2 ** BITS}))::UBIGINT AS __loch_z${j}`,
  );
  const n = columns.length;
  const terms: string[] = [];
  for (let b = 0; b < BITS; b++) {
    for (let j = 0; j < n; j++) terms.push(`(((__loch_z${j} >> ${b}) & 1::UBIGINT) << ${b * n + j})`);
  }
  const value = `(${terms.join(' | ')})`;
  // The top `cellBits` bits of each rank, interleaved: an aligned cell of the Z-curve. A file per
  // cell bounds every column to 1/2^cellBits of its range, so a lookup on any one of them skips
  // all but a 2^-cellBits share of the files.
  const cell = `(${value} >> ${n * (BITS - cellBits)})`;
  return { rankColumns: ranks.join(', '), value, cell };
}
