import { Prng } from '../prng';
import { clusteredShare } from './clustered';
import { quantileOf } from './intervals';

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
  // Each model's counts over the clusters (zero where it has none of a cluster), row after row in
  // one array: every replicate reads the whole board, and one block reads straight through.
  const n = new Float64Array(models.length * k);
  const y = new Float64Array(models.length * k);
  models.forEach((m, i) => {
    for (const c of m.clusters) {
      const j = i * k + (at.get(c.cluster) as number);
      n[j] = (n[j] as number) + c.n;
      y[j] = (y[j] as number) + c.correct;
    }
  });
  const accuracy = models.map((_, i) => {
    const total = sum(n, i * k, k);
    return total > 0 ? sum(y, i * k, k) / total : null;
  });
  const scored = Uint32Array.from(models.map((_, i) => i).filter((i) => accuracy[i] !== null));
  const ranks = jointRanks(n, y, k, scored, accuracy, replicates, options.seed);
  // Each scored model's rank range, when there were replicates to take it from.
  const rankLow = new Float64Array(models.length);
  const rankHigh = new Float64Array(models.length);
  if (ranks) {
    rankRanges(ranks, scored.length, alpha, (s, low, high) => {
      rankLow[scored[s] as number] = low;
      rankHigh[scored[s] as number] = high;
    });
  }
  const ranked = models.map((m, i) => {
    const has = accuracy[i] !== null && ranks !== null;
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
      rankLow: has ? (rankLow[i] as number) : null,
      rankHigh: has ? (rankHigh[i] as number) : null,
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

/**
 * Every scored model's rank in every replicate, replicate after replicate (`scored.length` per
 * replicate), or null when there is nothing to resample. Each replicate's accuracies are sorted
 * once and a model's rank read off the sorted order, so a replicate costs M log M, not M².
 */
function jointRanks(
  n: Float64Array,
  y: Float64Array,
  k: number,
  scored: Uint32Array,
  accuracy: readonly (number | null)[],
  replicates: number,
  seed: string | undefined,
): Uint16Array | Uint32Array | null {
  const m = scored.length;
  // As many replicates as `r < replicates` counts from 0 (a fraction rounds up).
  const count = replicates > 0 ? Math.ceil(replicates) : 0;
  if (k === 0 || m === 0 || count === 0) return null;
  const rng = Prng.fromKey(`ranking|${seed ?? ''}`);
  const ranks = m < 0xffff ? new Uint16Array(count * m) : new Uint32Array(count * m);
  const counts = new Uint32Array(k);
  // The clusters a replicate drew, in cluster order, and how often: the sums below add the same
  // terms in the same order as a walk over every cluster that skips the undrawn ones.
  const drawn = new Uint32Array(k);
  const weight = new Float64Array(k);
  const estimate = Float64Array.from(scored, (i) => accuracy[i] as number);
  const replicate = new Float64Array(m);
  const sorted = new Float64Array(m);
  const distinct = new Float64Array(m);
  const atLeast = new Uint32Array(m + 1);
  const lookup = new SortedLookup(m);
  for (let r = 0; r < count; r++) {
    counts.fill(0);
    for (let j = 0; j < k; j++) {
      const d = rng.nextInt(k);
      counts[d] = (counts[d] as number) + 1;
    }
    let terms = 0;
    for (let j = 0; j < k; j++) {
      const w = counts[j] as number;
      if (w === 0) continue;
      drawn[terms] = j;
      weight[terms] = w;
      terms++;
    }
    for (let s = 0; s < m; s++) {
      const row = (scored[s] as number) * k;
      let yy = 0;
      let nn = 0;
      for (let t = 0; t < terms; t++) {
        const w = weight[t] as number;
        const j = row + (drawn[t] as number);
        yy += w * (y[j] as number);
        nn += w * (n[j] as number);
      }
      // A replicate that drew none of this model's clusters leaves it at its estimate.
      replicate[s] = nn > 0 ? yy / nn : (estimate[s] as number);
    }
    sorted.set(replicate);
    sorted.sort();
    // NaN sorts last and is neither more nor less accurate than anything: leave it out.
    let comparable = m;
    while (comparable > 0 && Number.isNaN(sorted[comparable - 1])) comparable--;
    // The distinct accuracies, each with how many are at least as high. Counts over a benchmark's
    // clusters tie a lot (a model with 384 answers has 385 possible accuracies), so the lookups
    // below are among a few hundred values, not the whole board.
    let kinds = 0;
    for (let i = 0; i < comparable; i++) {
      const value = sorted[i] as number;
      if (kinds > 0 && !(value > (distinct[kinds - 1] as number))) continue;
      distinct[kinds] = value;
      atLeast[kinds] = comparable - i;
      kinds++;
    }
    atLeast[kinds] = 0;
    lookup.index(distinct, kinds);
    const base = r * m;
    for (let s = 0; s < m; s++) {
      const value = replicate[s] as number;
      // 1 + the models strictly more accurate: those at least as accurate as the next value up.
      ranks[base + s] = Number.isNaN(value) ? 1 : 1 + (atLeast[lookup.firstAbove(value)] as number);
    }
  }
  return ranks;
}

/** Models whose ranks are gathered together: their ranks in one replicate share a cache line. */
const TILE = 64;
/** Ranks per block of the coarse count (a power of two: a rank's block is a shift away). */
const BLOCK_BITS = 6;

/**
 * The rank range of each of `m` models from their ranks in every replicate (`ranks`, replicate
 * after replicate): the quantiles at `alpha` and 1 − `alpha`, rounded. Ranks are whole numbers
 * from 1 to m, so they are counted, not sorted; and counted twice, by rank and by block of 64
 * ranks, since a model's ranks can span most of a large board, and walking every rank of that
 * span for every model would cost m² again.
 */
function rankRanges(
  ranks: Uint16Array | Uint32Array,
  m: number,
  alpha: number,
  found: (s: number, low: number, high: number) => void,
): void {
  const count = ranks.length / m;
  // A model's ranks lie a whole replicate apart: read a tile of models' ranks together, replicate
  // by replicate, rather than one model's across thousands of pages.
  const gathered = new Uint32Array(TILE * count);
  const byRank = new Uint32Array(m + 1);
  const byBlock = new Uint32Array((m >>> BLOCK_BITS) + 1);
  const nth = (index: number) => {
    // Past either end (a confidence outside 0 to 1), as reading past a sorted array's ends.
    if (!(index >= 0 && index < count)) return Number.NaN;
    let block = 0;
    let before = 0;
    while (before + (byBlock[block] as number) <= index) before += byBlock[block++] as number;
    let rank = block << BLOCK_BITS;
    while (before + (byRank[rank] as number) <= index) before += byRank[rank++] as number;
    return rank;
  };
  for (let first = 0; first < m; first += TILE) {
    const width = Math.min(TILE, m - first);
    for (let r = 0, row = first; r < count; r++, row += m) {
      for (let t = 0; t < width; t++) gathered[t * count + r] = ranks[row + t] as number;
    }
    for (let t = 0; t < width; t++) {
      const from = t * count;
      const to = from + count;
      for (let at = from; at < to; at++) {
        const rank = gathered[at] as number;
        byRank[rank] = (byRank[rank] as number) + 1;
        byBlock[rank >>> BLOCK_BITS] = (byBlock[rank >>> BLOCK_BITS] as number) + 1;
      }
      found(
        first + t,
        Math.round(quantileOf(count, alpha, nth)),
        Math.round(quantileOf(count, 1 - alpha, nth)),
      );
      for (let at = from; at < to; at++) {
        const rank = gathered[at] as number;
        byRank[rank] = 0;
        byBlock[rank >>> BLOCK_BITS] = 0;
      }
    }
  }
}

/**
 * Finds where a value falls among ascending values: the first index holding a greater one. A
 * binary search per model was the slowest step of a replicate (its branches cannot be predicted),
 * so the values' range is cut into equal buckets, twice as many as the values, and a value's
 * bucket, found by arithmetic, holds the answer's neighbourhood: about one value to look at when
 * they are spread out, and a binary search over the bucket's own values when they crowd in.
 */
class SortedLookup {
  private values: Float64Array = new Float64Array(0);
  private length = 0;
  private buckets = 0;
  private least = 0;
  private scale = 0;
  /** The first index of each bucket, and of the one past the last: 2m + 2 at most. */
  private readonly start: Uint32Array;

  constructor(capacity: number) {
    this.start = new Uint32Array(2 * capacity + 2);
  }

  /** Indexes the first `length` of `values`, which must be ascending and hold no NaN. */
  index(values: Float64Array, length: number): void {
    this.values = values;
    this.length = length;
    this.buckets = 0;
    if (length < 2) return;
    const least = values[0] as number;
    const span = (values[length - 1] as number) - least;
    const scale = (2 * length) / span;
    // Infinite ends or a span too small to divide by: binary search alone.
    if (!Number.isFinite(least) || !Number.isFinite(scale) || !(scale > 0)) return;
    this.buckets = 2 * length;
    this.least = least;
    this.scale = scale;
    let bucket = 0;
    for (let i = 0; i < length; i++) {
      const own = this.bucketOf(values[i] as number);
      while (bucket <= own) this.start[bucket++] = i;
    }
    while (bucket <= this.buckets + 1) this.start[bucket++] = length;
  }

  /**
   * The bucket of a value not below the least: rounding keeps subtraction, multiplication and
   * floor from ever putting a greater value in an earlier bucket, which is all that is relied on.
   */
  private bucketOf(value: number): number {
    return Math.min(this.buckets, Math.floor((value - this.least) * this.scale));
  }

  firstAbove(value: number): number {
    const { values, length } = this;
    if (this.buckets === 0) return firstAbove(values, 0, length, value);
    if (!(value >= this.least)) return 0;
    const bucket = this.bucketOf(value);
    // Values in earlier buckets are less than `value`, those in later ones greater.
    return firstAbove(
      values,
      this.start[bucket] as number,
      this.start[bucket + 1] as number,
      value,
    );
  }
}

/** The first index in [from, to) of ascending `sorted` holding a value above `value`, else `to`. */
function firstAbove(sorted: Float64Array, from: number, to: number, value: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function sum(values: Float64Array, from: number, length: number): number {
  let total = 0;
  for (let j = from; j < from + length; j++) total += values[j] as number;
  return total;
}
