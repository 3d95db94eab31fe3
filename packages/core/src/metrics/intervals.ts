/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for k successes in n trials. Unlike the normal approximation it stays in
 * [0, 1] and behaves at 0% and 100%, which small per-concept cells often are. Null when n = 0.
 */
export function wilsonInterval(k: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The q-quantile (0..1) of sorted values, by linear interpolation between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  return quantileOf(sorted.length, q, (index) => sorted[index] as number);
}

/**
 * `quantileSorted` of `length` values known only by their order statistics (`nth(0)` the least):
 * for values kept as counts, which need not be laid out in order to be read in order.
 */
export function quantileOf(length: number, q: number, nth: (index: number) => number): number {
  if (length === 0) return Number.NaN;
  const pos = (length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = nth(lo);
  const b = nth(hi);
  return a + (b - a) * (pos - lo);
}
