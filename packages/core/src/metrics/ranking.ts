import { Prng } from '../prng';
import { clusteredShare } from './clustered';
import { quantileSorted } from './intervals';

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
  /** The clustered interval (core's `clusteredShare`: CR2 standard error, t with C − 1 df). */
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
        replicate[i] = nn > 0 ? yy / nn : (accuracy[i] as number);
      }
      for (const i of scored) {
        let better = 0;
        for (const j of scored) if ((replicate[j] as number) > (replicate[i] as number)) better++;
        (ranks[i] as number[]).push(better + 1);
      }
    }
  }
  const ranked = models.map((m, i) => {
    const rk = (ranks[i] as number[]).sort((a, b) => a - b);
    const has = accuracy[i] !== null && rk.length > 0;
    // The interval is the one method every interval on the site uses; the joint replicates give
    // the rank ranges only.
    const interval = clusteredShare(m.clusters, options.confidence);
    return {
      model: m.model,
      estimate: {
        accuracy: accuracy[i] ?? null,
        low: has ? interval.low : null,
        high: has ? interval.high : null,
        clusters: interval.clusters,
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
