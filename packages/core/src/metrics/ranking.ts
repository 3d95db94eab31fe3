import { Prng } from '../prng';
import { quantileSorted, Z95 } from './intervals';

/**
 * Ranking with honest uncertainty. Answers about one concept are correlated (a hard concept sinks
 * all its queries, at every shot count and draw), so the unit of resampling is the concept, not
 * the episode: intervals over episodes would be about half as wide as the data supports.
 */

/** One model's counts on one concept (its cluster), over the ranked setting's episodes. */
export interface ClusterCounts {
  cluster: string;
  n: number;
  correct: number;
}

export interface ClusteredEstimate {
  accuracy: number | null;
  /** Percentile bootstrap interval, resampling clusters. */
  low: number | null;
  high: number | null;
  clusters: number;
}

export interface RankingOptions {
  /** Bootstrap replicates (2,000 keeps the interval ends stable to about a point). */
  replicates?: number;
  /** Seeds the resampling, so a board shows the same intervals on every load. */
  seed?: string;
  confidence?: number;
}

/**
 * The analytic cluster-robust standard error of a pooled proportion Σy/Σn (a ratio estimator):
 * sqrt(C/(C−1) · Σ(y_c − p̂·n_c)²) / Σn. The reference the bootstrap is checked against.
 */
export function clusterRobustSe(clusters: readonly ClusterCounts[]): number | null {
  const c = clusters.length;
  const n = clusters.reduce((s, k) => s + k.n, 0);
  if (c < 2 || n === 0) return null;
  const p = clusters.reduce((s, k) => s + k.correct, 0) / n;
  const sum = clusters.reduce((s, k) => s + (k.correct - p * k.n) ** 2, 0);
  return Math.sqrt((c / (c - 1)) * sum) / n;
}

/** The same for a paired difference: per cluster, `diff` is Σ(a − b) over its `n` paired episodes. */
export function clusteredDifference(
  clusters: readonly { cluster: string; n: number; diff: number }[],
): { estimate: number | null; low: number | null; high: number | null; pValue: number | null } {
  const c = clusters.length;
  const n = clusters.reduce((s, k) => s + k.n, 0);
  if (n === 0) return { estimate: null, low: null, high: null, pValue: null };
  const d = clusters.reduce((s, k) => s + k.diff, 0) / n;
  if (c < 2) return { estimate: d, low: null, high: null, pValue: null };
  const sum = clusters.reduce((s, k) => s + (k.diff - d * k.n) ** 2, 0);
  const se = Math.sqrt((c / (c - 1)) * sum) / n;
  if (se === 0) return { estimate: d, low: d, high: d, pValue: d === 0 ? 1 : 0 };
  return {
    estimate: d,
    low: d - Z95 * se,
    high: d + Z95 * se,
    pValue: 2 * (1 - normalCdf(Math.abs(d / se))),
  };
}

/** Φ(x), by the Abramowitz–Stegun 7.1.26 erf approximation (error below 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface RankedModel<T> {
  model: T;
  estimate: ClusteredEstimate;
  /** The best and worst rank the model takes in the middle 95% of joint replicates (1 = best). */
  rankLow: number | null;
  rankHigh: number | null;
  /** Models whose rank ranges overlap the tier leader's share its tier. */
  tier: number | null;
}

/**
 * Ranks models with a joint bootstrap (as LMArena's rank intervals): each replicate resamples the
 * same clusters for every model, so the models are compared on the same draw of concepts, and each
 * model's rank in each replicate gives its rank range. A model's rank in a replicate is 1 + the
 * number of models strictly more accurate. Tiers come from the rank ranges: in order of accuracy,
 * a model whose best rank is worse than the tier leader's worst rank starts the next tier.
 */
export function rankWithUncertainty<T>(
  models: readonly { model: T; clusters: readonly ClusterCounts[] }[],
  options: RankingOptions = {},
): RankedModel<T>[] {
  const replicates = options.replicates ?? 2000;
  const alpha = (1 - (options.confidence ?? 0.95)) / 2;
  // Clusters by index across models: every model is resampled with the same clusters.
  const names = [...new Set(models.flatMap((m) => m.clusters.map((c) => c.cluster)))].sort();
  const at = new Map(names.map((name, i) => [name, i]));
  const k = names.length;
  // Each model's counts as arrays over the clusters (zero where it has none of a cluster).
  const spread = (field: 'n' | 'correct') =>
    models.map((m) => {
      const row = new Float64Array(k);
      for (const c of m.clusters) {
        const j = at.get(c.cluster) as number;
        row[j] = (row[j] as number) + c[field];
      }
      return row;
    });
  const n = spread('n');
  const y = spread('correct');
  const accuracy = models.map((_, i) => {
    const total = sum(n[i] as Float64Array);
    return total > 0 ? sum(y[i] as Float64Array) / total : null;
  });
  const scored = models.map((_, i) => i).filter((i) => accuracy[i] !== null);
  const samples = models.map(() => [] as number[]);
  const ranks = models.map(() => [] as number[]);
  if (k > 0 && scored.length > 0) {
    const rng = Prng.fromKey(`ranking|${options.seed ?? ''}`);
    const counts = new Uint32Array(k);
    const replicate = new Float64Array(models.length);
    for (let r = 0; r < replicates; r++) {
      counts.fill(0);
      for (let j = 0; j < k; j++) {
        const drawn = rng.nextInt(k);
        counts[drawn] = (counts[drawn] as number) + 1;
      }
      for (const i of scored) {
        let yy = 0;
        let nn = 0;
        const ni = n[i] as Float64Array;
        const yi = y[i] as Float64Array;
        for (let j = 0; j < k; j++) {
          const w = counts[j] as number;
          if (w === 0) continue;
          yy += w * (yi[j] as number);
          nn += w * (ni[j] as number);
        }
        // A replicate that drew none of this model's clusters leaves it at its estimate.
        const value = nn > 0 ? yy / nn : (accuracy[i] as number);
        replicate[i] = value;
        (samples[i] as number[]).push(value);
      }
      for (const i of scored) {
        let better = 0;
        for (const j of scored) if ((replicate[j] as number) > (replicate[i] as number)) better++;
        (ranks[i] as number[]).push(better + 1);
      }
    }
  }
  const ranked = models.map((m, i) => {
    const s = (samples[i] as number[]).sort((a, b) => a - b);
    const rk = (ranks[i] as number[]).sort((a, b) => a - b);
    const has = accuracy[i] !== null && s.length > 0;
    return {
      model: m.model,
      estimate: {
        accuracy: accuracy[i] ?? null,
        low: has ? quantileSorted(s, alpha) : null,
        high: has ? quantileSorted(s, 1 - alpha) : null,
        clusters: m.clusters.filter((c) => c.n > 0).length,
      },
      rankLow: has ? Math.round(quantileSorted(rk, alpha)) : null,
      rankHigh: has ? Math.round(quantileSorted(rk, 1 - alpha)) : null,
      tier: null as number | null,
    };
  });
  const order = ranked
    .filter((r) => r.estimate.accuracy !== null)
    .sort((a, b) => (b.estimate.accuracy as number) - (a.estimate.accuracy as number));
  let tier = 0;
  let leaderWorst = 0;
  for (const row of order) {
    if (tier === 0 || (row.rankLow as number) > leaderWorst) {
      tier++;
      leaderWorst = row.rankHigh as number;
    }
    row.tier = tier;
  }
  return ranked;
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
