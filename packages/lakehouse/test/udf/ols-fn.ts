/** A grouped-map function in a module of its own, so that worker threads can load it (test and bench fixture). */
import { Bool, Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';

/** Least squares y = a + b x over one group, with the group's key (column `k`) and size. */
export function ols(group: Table): Table {
  const x = group.getChild('x')!.toArray() as Float64Array;
  const y = group.getChild('y')!.toArray() as Float64Array;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  const n = group.numRows;
  for (let i = 0; i < n; i++) {
    sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i];
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const k = group.getChild('k')!.get(0);
  return new Table({
    k: vectorFromArray([k === null ? null : String(k)], new Utf8()),
    n: vectorFromArray([n], new Int32()),
    slope: vectorFromArray([slope], new Float64()),
    intercept: vectorFromArray([(sy - slope * sx) / n], new Float64()),
  });
}

/** Fails for the group whose key is 'bad'. */
export function picky(group: Table): Table {
  if (group.getChild('k')!.get(0) === 'bad') throw new Error('cannot fit bad');
  return ols(group);
}

/** A group's keys (k as text, j), size, and whether every row of it has those keys. */
export function summary(group: Table): Table {
  const k = group.getChild('k')!;
  const j = group.getChild('j')!;
  let uniform = true;
  for (let i = 1; i < group.numRows; i++) if (k.get(i) !== k.get(0) || j.get(i) !== j.get(0)) uniform = false;
  return new Table({
    k: vectorFromArray([k.get(0) === null ? null : String(k.get(0))], new Utf8()),
    j: vectorFromArray([j.get(0) as number | null], new Int32()),
    n: vectorFromArray([group.numRows], new Int32()),
    uniform: vectorFromArray([uniform], new Bool()),
  });
}
