import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { PolicyCounts } from '../ranked-draw';

/** Two ranked runs' (or two models' pooled) counts compared: their score difference, unpaired. */
export interface RankedDifference {
  /** a's ranked score minus b's. */
  difference: number;
  low: number;
  high: number;
  /** Two-sided, of no difference (a normal test on the shrunk proportions). */
  pValue: number;
}

/**
 * The difference of two ranked scores (the mean of lcl and flip accuracy, core's `rankedScore`).
 * Ranked runs answer different episodes (each draws its own), so nothing pairs them: the two
 * scores are independent, and the difference's variance is the sum of theirs. Each accuracy's
 * variance is Agresti–Caffo's, on counts shrunk by one success and one failure, as `rankedScore`
 * computes its interval. Null where either side lacks an answered episode of a policy.
 */
export function rankedDifference(
  a: { lcl: PolicyCounts; flip: PolicyCounts },
  b: { lcl: PolicyCounts; flip: PolicyCounts },
  z = 1.959963984540054,
): RankedDifference | null {
  const sides = [a, b];
  if (sides.some((s) => s.lcl.n <= 0 || s.flip.n <= 0)) return null;
  const shrunk = (c: PolicyCounts) => (c.correct + 1) / (c.n + 2);
  const variance = (c: PolicyCounts) => (shrunk(c) * (1 - shrunk(c))) / (c.n + 2);
  const score = (s: typeof a) => (s.lcl.correct / s.lcl.n + s.flip.correct / s.flip.n) / 2;
  const centre = (s: typeof a) => (shrunk(s.lcl) + shrunk(s.flip)) / 2;
  const scoreVariance = (s: typeof a) => (variance(s.lcl) + variance(s.flip)) / 4;
  const se = Math.sqrt(scoreVariance(a) + scoreVariance(b));
  const shift = centre(a) - centre(b);
  return {
    difference: score(a) - score(b),
    low: Math.max(-1, shift - z * se),
    high: Math.min(1, shift + z * se),
    pValue: se > 0 ? Math.min(1, 2 * (1 - normalCdf(Math.abs(shift) / se, 0, 1))) : 1,
  };
}
