/**
 * Spark's decimal arithmetic, as data: the result types of `+ - * / %`, `sum` and `avg` over
 * decimals (Spark's DecimalPrecision, with `spark.sql.decimalOperations.allowPrecisionLoss` on, its
 * default, or off), and the exact values, rounded half up to the result's scale and NULL when they
 * do not fit its precision (ANSI mode off), which DuckDB cannot compute past 38 digits.
 */

/** The session conf that says whether results may give up scale to stay within 38 digits. */
export const ALLOW_PRECISION_LOSS = 'spark.sql.decimalOperations.allowPrecisionLoss';

export interface Decimal {
  readonly precision: number;
  readonly scale: number;
}

export const MAX_PRECISION = 38;
/** The least scale a result keeps when its precision is cut to 38 (Spark's MINIMUM_ADJUSTED_SCALE). */
const MIN_ADJUSTED_SCALE = 6;

/** The arithmetic operators; `//` is Spark's `div`, the quotient truncated to a bigint. */
export type DecimalOperator = '+' | '-' | '*' | '/' | '%' | '//';

/** A precision and scale that may exceed 38 brought within it, giving up scale before integer digits. */
export function adjust(precision: number, scale: number): Decimal {
  if (precision <= MAX_PRECISION) return { precision, scale };
  const intDigits = precision - scale;
  const minScale = Math.min(scale, MIN_ADJUSTED_SCALE);
  return { precision: MAX_PRECISION, scale: Math.max(MAX_PRECISION - intDigits, minScale) };
}

/** Without precision loss: precision and scale each cut to 38 (DecimalType.bounded). */
const bounded = (precision: number, scale: number): Decimal => ({ precision: Math.min(MAX_PRECISION, precision), scale: Math.min(MAX_PRECISION, scale) });

/** The type Spark gives `a op b` over two decimals, and the precision before it was adjusted. */
export function resultType(op: DecimalOperator, a: Decimal, b: Decimal, allowPrecisionLoss = true): Decimal & { readonly unadjusted: number } {
  const [p1, s1, p2, s2] = [a.precision, a.scale, b.precision, b.scale];
  let p: number;
  let s: number;
  switch (op) {
    case '+':
    case '-':
      s = Math.max(s1, s2);
      p = Math.max(p1 - s1, p2 - s2) + s + 1;
      break;
    case '*':
      p = p1 + p2 + 1;
      s = s1 + s2;
      break;
    case '/':
      s = Math.max(MIN_ADJUSTED_SCALE, s1 + p2 + 1);
      p = p1 - s1 + s2 + s;
      break;
    case '%':
      s = Math.max(s1, s2);
      p = Math.min(p1 - s1, p2 - s2) + s;
      break;
    case '//':
      return { precision: 19, scale: 0, unadjusted: 19 };
  }
  if (allowPrecisionLoss) return { ...adjust(p, s), unadjusted: p };
  if (op !== '/') return { ...bounded(p, s), unadjusted: p };
  // Division keeps as many integer digits as it can, and gives up fraction digits for them.
  let intDigits = Math.min(MAX_PRECISION, p1 - s1 + s2);
  let fraction = Math.min(MAX_PRECISION, Math.max(MIN_ADJUSTED_SCALE, s1 + p2 + 1));
  const over = intDigits + fraction - MAX_PRECISION;
  if (over > 0) {
    fraction -= Math.floor(over / 2) + 1;
    intDigits = MAX_PRECISION - fraction;
  }
  return { ...bounded(intDigits + fraction, fraction), unadjusted: p };
}

/** sum over decimal(p, s): decimal(p + 10, s). */
export const sumType = (t: Decimal): Decimal => ({ precision: Math.min(MAX_PRECISION, t.precision + 10), scale: t.scale });

/** avg over decimal(p, s): decimal(p + 4, s + 4), each at most 38. */
export const avgType = (t: Decimal): Decimal => ({ precision: Math.min(MAX_PRECISION, t.precision + 4), scale: Math.min(MAX_PRECISION, t.scale + 4) });

/** The decimal an integral type takes part in decimal arithmetic as (Spark's DecimalType.forType). */
export function integralDecimal(bits: 8 | 16 | 32 | 64 | 128): Decimal {
  const precision = { 8: 3, 16: 5, 32: 10, 64: 20, 128: 38 }[bits];
  return { precision, scale: 0 };
}

/** An integer literal as the smallest decimal that holds it (Spark's DecimalType.fromLiteral). */
export function literalDecimal(digits: string): Decimal {
  return { precision: Math.max(1, digits.replace(/^-/, '').replace(/^0+(?=\d)/, '').length), scale: 0 };
}

// ---- exact values ----

interface Unscaled {
  readonly value: bigint;
  readonly scale: number;
}

const TEN = 10n;
const pow10 = (n: number): bigint => TEN ** BigInt(n);

/** A decimal's text (`-12.340`, `7`) as its unscaled value and scale; undefined for text that is no decimal. */
export function parseDecimal(text: string): Unscaled | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const value = BigInt(`${m[2] || '0'}${frac}`);
  return { value: m[1] === '-' ? -value : value, scale: frac.length };
}

/** `n / d` rounded half away from zero (Java's ROUND_HALF_UP). */
export function divideHalfUp(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (2n * an + ad) / (2n * ad);
  return negative ? -q : q;
}

/** `x` at `scale`, rounded half up when that drops digits. */
function rescale(x: Unscaled, scale: number): bigint {
  return scale >= x.scale ? x.value * pow10(scale - x.scale) : divideHalfUp(x.value, pow10(x.scale - scale));
}

function format(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/**
 * `a op b` over decimal texts, exactly, as text of the result type: rounded half up to its scale,
 * NULL (undefined) when it needs more digits than its precision or divides by zero, as Spark
 * answers with ANSI mode off.
 */
export function compute(op: DecimalOperator, aText: string, bText: string, result: Decimal): string | undefined {
  const a = parseDecimal(aText);
  const b = parseDecimal(bText);
  if (!a || !b) return undefined;
  const s = result.scale;
  let value: bigint;
  switch (op) {
    case '+':
    case '-': {
      const scale = Math.max(a.scale, b.scale);
      const sum = rescale(a, scale) + (op === '+' ? 1n : -1n) * rescale(b, scale);
      value = rescale({ value: sum, scale }, s);
      break;
    }
    case '*':
      value = rescale({ value: a.value * b.value, scale: a.scale + b.scale }, s);
      break;
    case '/':
      if (b.value === 0n) return undefined;
      // a / b at scale s: (a.value / 10^a.scale) / (b.value / 10^b.scale) * 10^s.
      value = divideHalfUp(a.value * pow10(s + b.scale), b.value * pow10(a.scale));
      break;
    case '//':
      if (b.value === 0n) return undefined;
      // Truncated toward zero, as Java's long division.
      value = (a.value * pow10(b.scale)) / (b.value * pow10(a.scale));
      return value >= -(2n ** 63n) && value < 2n ** 63n ? value.toString() : undefined;
    case '%': {
      if (b.value === 0n) return undefined;
      const scale = Math.max(a.scale, b.scale);
      // The remainder takes the dividend's sign, as Java's BigDecimal.remainder.
      value = rescale({ value: rescale(a, scale) % rescale(b, scale), scale }, s);
      break;
    }
  }
  if ((value < 0n ? -value : value) >= pow10(result.precision)) return undefined;
  return format(value, s);
}
