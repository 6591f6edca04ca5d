/** UDFs in a module of their own (registerModule test fixture). */
import { defineUdf } from '@loch/lakehouse';
import type { Vector } from 'apache-arrow';

export const twice = defineUdf((x: Vector) => Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? Number(x.get(i)) * 2 : null)), { returns: 'double' });
export const total = defineUdf((x: Vector) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Number(x.get(i) ?? 0);
  return s;
}, { returns: 'double', kind: 'aggregate', args: ['double'] });
export const notAUdf = (x: number) => x;
