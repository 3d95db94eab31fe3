import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * Intervals that hold with few clusters. Answers about one cluster (a pair, a concept, or on a
 * ranked draw the episode itself) are correlated, so the unit of inference is the cluster, and a
 * board has 12 to 30 of them. With so few, a percentile bootstrap over clusters is too narrow
 * (it ignores that the spread itself is estimated from C values) and so is a normal interval
 * around a cluster-robust standard error. The method here, used for every interval the site shows
 * (a headline accuracy, a per-shot band, link gain, flip, a comparison, a learning-curve slope):
 * the cluster-robust (sandwich) variance with the CR2 small-sample correction of Bell & McCaffrey
 * (each cluster's residual scaled by 1/√(1 − its leverage); for a ratio of sums the leverage is the
 * cluster's share of the episodes), and Student's t with C − 1 degrees of freedom. The coverage
 * test in `test/metrics/clustered.test.ts` measures it at 12 and 24 clusters.
 */

/** What the clusters of a benchmark design are: the unit every interval resamples or sums over. */
export const CLUSTER_UNITS = ['pair', 'concept', 'episode'] as const;
export type ClusterUnit = (typeof CLUSTER_UNITS)[number];

/** One cluster's counts: `correct` of `n` answers. */
export interface ClusterTally {
  cluster: string;
  n: number;
  correct: number;
}

export interface ClusteredInterval {
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** The cluster-robust standard error; null with fewer than two clusters. */
  se: number | null;
  /** Clusters with at least one answer. */
  clusters: number;
}

const EMPTY: ClusteredInterval = { estimate: null, low: null, high: null, se: null, clusters: 0 };

/** The t quantile for a two-sided interval at `confidence` with `df` degrees of freedom. */
export function tCritical(df: number, confidence = 0.95): number {
  return tQuantile(1 - (1 - confidence) / 2, df);
}

/** One-sided p of a t statistic: the chance of a value at least this large under no effect. */
export function tUpperP(t: number, df: number): number {
  return 1 - tCdf(t, df);
}

/** Two-sided p of a t statistic. */
export function tTwoSidedP(t: number, df: number): number {
  return 2 * (1 - tCdf(Math.abs(t), df));
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * The pooled share Σcorrect / Σn with its interval: CR2 variance, t(C − 1). With one cluster
 * there is no spread to estimate: the estimate alone. Bounds are kept inside [0, 1].
 */
export function clusteredShare(
  clusters: readonly ClusterTally[],
  confidence = 0.95,
): ClusteredInterval {
  const used = clusters.filter((c) => c.n > 0);
  const n = used.reduce((s, c) => s + c.n, 0);
  if (n === 0) return EMPTY;
  const p = used.reduce((s, c) => s + c.correct, 0) / n;
  const c = used.length;
  if (c < 2) return { estimate: p, low: null, high: null, se: null, clusters: c };
  let sum = 0;
  for (const k of used) {
    const leverage = k.n / n;
    sum += (k.correct - p * k.n) ** 2 / (1 - leverage);
  }
  const se = Math.sqrt(sum) / n;
  const t = tCritical(c - 1, confidence);
  if (p <= 0 || p >= 1 || se === 0) {
    const half = t * se;
    return { estimate: p, low: clamp01(p - half), high: clamp01(p + half), se, clusters: c };
  }
  // On the logit scale (the delta method's SE there), then back: a share's sampling distribution
  // is skewed toward the middle when clusters differ, and the interval follows it, inside (0, 1).
  const logit = Math.log(p / (1 - p));
  const half = (t * se) / (p * (1 - p));
  return { estimate: p, low: expit(logit - half), high: expit(logit + half), se, clusters: c };
}

const expit = (x: number) => 1 / (1 + Math.exp(-x));

export interface ClusteredDifference extends ClusteredInterval {
  /** Two-sided p of no difference; null without an interval. */
  pValue: number | null;
}

/**
 * A paired difference of shares: per cluster, `diff` is Σ(a − b) over its `n` paired answers (the
 * same episodes answered under two policies, or by two models). CR2 variance, t(C − 1).
 */
export function clusteredDifference(
  clusters: readonly { cluster: string; n: number; diff: number }[],
  confidence = 0.95,
): ClusteredDifference {
  const used = clusters.filter((c) => c.n > 0);
  const n = used.reduce((s, c) => s + c.n, 0);
  if (n === 0) return { ...EMPTY, pValue: null };
  const d = used.reduce((s, c) => s + c.diff, 0) / n;
  const c = used.length;
  if (c < 2) return { estimate: d, low: null, high: null, se: null, clusters: c, pValue: null };
  let sum = 0;
  for (const k of used) sum += (k.diff - d * k.n) ** 2 / (1 - k.n / n);
  const se = Math.sqrt(sum) / n;
  if (se === 0) return { estimate: d, low: d, high: d, se, clusters: c, pValue: d === 0 ? 1 : 0 };
  const half = tCritical(c - 1, confidence) * se;
  return {
    estimate: d,
    low: Math.max(-1, d - half),
    high: Math.min(1, d + half),
    se,
    clusters: c,
    pValue: tTwoSidedP(d / se, c - 1),
  };
}

/** One cluster's counts at one shot count. */
export interface ShotTally extends ClusterTally {
  shots: number;
}

export interface CurveSlope {
  /** Accuracy gained per doubling of the shots (least squares on log2 shots, every answer weighted alike). */
  slope: number | null;
  low: number | null;
  high: number | null;
  se: number | null;
  /** One-sided p of no gain with shots (slope ≤ 0). */
  pValue: number | null;
  clusters: number;
}

/**
 * How accuracy grows with shots, the LCL question: the least-squares slope of correct (0/1) on
 * log2(shots) over every answer, with a cluster-robust (CR2-style, leverage from each cluster's
 * share) standard error, t(C − 1) interval and one-sided test. Zero-shot answers are left out
 * (log2 0 has no value). Null with fewer than two shot counts.
 */
export function curveSlope(cells: readonly ShotTally[], confidence = 0.95): CurveSlope {
  const used = cells.filter((c) => c.n > 0 && c.shots > 0);
  const none = { slope: null, low: null, high: null, se: null, pValue: null, clusters: 0 };
  const n = used.reduce((s, c) => s + c.n, 0);
  if (n === 0 || new Set(used.map((c) => c.shots)).size < 2) return none;
  const x = (c: ShotTally) => Math.log2(c.shots);
  const xBar = used.reduce((s, c) => s + c.n * x(c), 0) / n;
  const yBar = used.reduce((s, c) => s + c.correct, 0) / n;
  const sxx = used.reduce((s, c) => s + c.n * (x(c) - xBar) ** 2, 0);
  const sxy = used.reduce((s, c) => s + (x(c) - xBar) * (c.correct - c.n * yBar), 0);
  const slope = sxy / sxx;
  // Each cluster's score: Σ over its answers of (x − x̄)·residual, from its counts per shot count.
  const score = new Map<string, { s: number; n: number }>();
  for (const c of used) {
    const dx = x(c) - xBar;
    const fitted = yBar + slope * dx;
    const own = score.get(c.cluster) ?? { s: 0, n: 0 };
    own.s += dx * (c.correct - c.n * fitted);
    own.n += c.n;
    score.set(c.cluster, own);
  }
  const clusters = score.size;
  if (clusters < 2) return { ...none, slope, clusters };
  let sum = 0;
  for (const { s, n: nc } of score.values()) sum += s ** 2 / (1 - nc / n);
  const se = Math.sqrt(sum) / sxx;
  if (se === 0) return { slope, low: slope, high: slope, se, pValue: slope > 0 ? 0 : 1, clusters };
  const half = tCritical(clusters - 1, confidence) * se;
  return {
    slope,
    low: slope - half,
    high: slope + half,
    se,
    pValue: tUpperP(slope / se, clusters - 1),
    clusters,
  };
}

/** The share that "shots to reach" asks of a curve: the first shot count at which accuracy is at least this. */
export const CURVE_THRESHOLD = 0.6;

export interface CurveSummary {
  /**
   * Normalised area under the accuracy-vs-log2(shots) curve: the mean accuracy over the shot
   * range, each doubling weighted alike (trapezoids); with one shot count, its accuracy.
   */
  auc: number | null;
  /** The fewest shots at which accuracy reached CURVE_THRESHOLD; null: not reached. */
  shotsToThreshold: number | null;
}

/** A learning curve's area and the shots it needed to reach the threshold (zero-shot left out). */
export function curveSummary(
  perShot: readonly { shots: number; n: number; correct: number }[],
  threshold = CURVE_THRESHOLD,
): CurveSummary {
  const points = perShot
    .filter((p) => p.n > 0 && p.shots > 0)
    .map((p) => ({ x: Math.log2(p.shots), y: p.correct / p.n, shots: p.shots }))
    .sort((a, b) => a.x - b.x);
  if (points.length === 0) return { auc: null, shotsToThreshold: null };
  const reached = points.find((p) => p.y >= threshold)?.shots ?? null;
  if (points.length === 1)
    return { auc: (points[0] as { y: number }).y, shotsToThreshold: reached };
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as { x: number; y: number };
    const b = points[i] as { x: number; y: number };
    area += ((a.y + b.y) / 2) * (b.x - a.x);
  }
  const span = (points.at(-1) as { x: number }).x - (points[0] as { x: number }).x;
  return { auc: area / span, shotsToThreshold: reached };
}

/** A model's learning-curve figures, as the board, the submission page, compare and the API give them. */
export interface LearningCurve {
  slope: number | null;
  slopeLow: number | null;
  slopeHigh: number | null;
  slopePValue: number | null;
  auc: number | null;
  shotsToThreshold: number | null;
}

/**
 * The learning-curve figures of one model under one policy from its per-cluster, per-shot counts,
 * over `shots` (the ranked setting's shot counts) when given, else every shot count it ran.
 */
export function learningCurve(
  cells: readonly ShotTally[],
  shots?: readonly number[],
): LearningCurve {
  const used = shots ? cells.filter((c) => shots.includes(c.shots)) : cells;
  const slope = curveSlope(used);
  const totals = new Map<number, { shots: number; n: number; correct: number }>();
  for (const c of used) {
    const t = totals.get(c.shots) ?? { shots: c.shots, n: 0, correct: 0 };
    t.n += c.n;
    t.correct += c.correct;
    totals.set(c.shots, t);
  }
  const summary = curveSummary([...totals.values()]);
  return {
    slope: slope.slope,
    slopeLow: slope.low,
    slopeHigh: slope.high,
    slopePValue: slope.pValue,
    auc: summary.auc,
    shotsToThreshold: summary.shotsToThreshold,
  };
}

/** A group of clusters (a trait family, say) and its pooled share with the clustered interval. */
export interface GroupShare extends ClusteredInterval {
  group: string;
}

/**
 * The clustered share of each group of clusters (`groupOf` names a cluster's group; undefined
 * leaves it out), in the groups' alphabetical order: accuracy by trait family or by trait, each
 * with the interval every other figure uses.
 */
export function sharesBy(
  clusters: readonly ClusterTally[],
  groupOf: (cluster: string) => string | undefined,
): GroupShare[] {
  const groups = new Map<string, ClusterTally[]>();
  for (const c of clusters) {
    const group = groupOf(c.cluster);
    if (group === undefined) continue;
    const list = groups.get(group) ?? [];
    list.push(c);
    groups.set(group, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, list]) => ({ group, ...clusteredShare(list) }));
}
