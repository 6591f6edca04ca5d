/** bench:udf's grouped-map function, in a module of its own so that worker threads can load it. */
import { Float64, Int32, Table, vectorFromArray } from 'apache-arrow';

/** Least squares y = a + b x over one group (columns k, x, y; x and y without NULLs), with the group's key. */
export function ols(group: Table): Table {
  const x = group.getChild('x')!.toArray() as Float64Array;
  const y = group.getChild('y')!.toArray() as Float64Array;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  const n = group.numRows;
  for (let i = 0; i < n; i++) {
    sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i];
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return new Table({
    k: group.getChild('k')!.slice(0, 1), // the group's key, in its own type
    n: vectorFromArray([n], new Int32()),
    slope: vectorFromArray([slope], new Float64()),
    intercept: vectorFromArray([(sy - slope * sx) / n], new Float64()),
  });
}
