import type { DataType, PrimitiveTypeName } from './types.js';

/** The table property that lets ALTER COLUMN ... TYPE (and writes) widen a column's type. */
export const ENABLE_TYPE_WIDENING = 'delta.enableTypeWidening';

/** The field metadata key where Delta keeps a field's type changes. */
export const TYPE_CHANGES = 'delta.typeChanges';

const INTEGRAL: readonly PrimitiveTypeName[] = ['byte', 'short', 'integer', 'long'];
/** The decimal precision each integral type needs (Delta's Byte/Short/Int -> decimal(10 + k1, k2), Long -> decimal(20 + k1, k2)). */
const INTEGRAL_DIGITS: Readonly<Record<string, number>> = { byte: 10, short: 10, integer: 10, long: 20 };

/**
 * Whether Delta's typeWidening feature allows changing a column from `from` to `to` (PROTOCOL.md,
 * "Type Widening"): byte -> short -> int -> long; float -> double; byte, short or int -> double;
 * date -> timestamp_ntz; decimal(p, s) -> decimal(p + k1, s + k2) with k1 >= k2 >= 0; byte,
 * short or int -> decimal(10 + k1, k2) and long -> decimal(20 + k1, k2), k1 >= k2 >= 0.
 */
export function isTypeWidening(from: DataType, to: DataType): boolean {
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    const k1 = to.precision - from.precision;
    const k2 = to.scale - from.scale;
    return k1 >= k2 && k2 >= 0 && (k1 > 0 || k2 > 0);
  }
  if (from.kind !== 'primitive') return false;
  const f = from.name;
  if (to.kind === 'decimal') {
    const base = INTEGRAL_DIGITS[f];
    return base !== undefined && to.precision - base >= to.scale && to.scale >= 0;
  }
  if (to.kind !== 'primitive') return false;
  const t = to.name;
  if (INTEGRAL.includes(f) && INTEGRAL.includes(t)) return INTEGRAL.indexOf(t) > INTEGRAL.indexOf(f);
  if (t === 'double') return f === 'float' || f === 'byte' || f === 'short' || f === 'integer';
  return f === 'date' && t === 'timestamp_ntz';
}
