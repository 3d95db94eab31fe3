import { Prng } from '../prng';
import type { ScoredAnswer } from './accuracy';
import { clusteredDifference } from './clustered';
import { quantileSorted } from './intervals';

export interface BootstrapOptions {
  /** Resamples; 2,000 keeps the percentile ends stable to about a point. */
  iterations?: number;
  /** Seed of the resampling, so that a page shows the same interval on every load. */
  seed?: string;
  confidence?: number;
}

export interface BootstrapInterval {
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** How many clusters were resampled. */
  clusters: number;
}

interface Cell {
  correct: number;
  n: number;
}

function cells<T>(items: readonly T[], cluster: (item: T) => string, value: (item: T) => number) {
  const map = new Map<string, Cell>();
  for (const item of items) {
    const key = cluster(item);
    const cell = map.get(key) ?? { correct: 0, n: 0 };
    cell.correct += value(item);
    cell.n += 1;
    map.set(key, cell);
  }
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
}

function percentileInterval(
  list: readonly Cell[],
  options: BootstrapOptions,
): Omit<BootstrapInterval, 'clusters'> {
  const iterations = options.iterations ?? 2000;
  const confidence = options.confidence ?? 0.95;
  let totalValue = 0;
  let totalN = 0;
  for (const c of list) {
    totalValue += c.correct;
    totalN += c.n;
  }
  if (list.length === 0 || totalN === 0) return { estimate: null, low: null, high: null };
  const rng = Prng.fromKey(`bootstrap|${options.seed ?? ''}`);
  const stats: number[] = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    let value = 0;
    let n = 0;
    for (let j = 0; j < list.length; j++) {
      const c = list[rng.nextInt(list.length)] as Cell;
      value += c.correct;
      n += c.n;
    }
    stats[i] = value / n;
  }
  stats.sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  return {
    estimate: totalValue / totalN,
    low: quantileSorted(stats, alpha),
    high: quantileSorted(stats, 1 - alpha),
  };
}

/**
 * Percentile bootstrap of accuracy that resamples whole concepts, not answers: answers about the
 * same concept are correlated (one hard concept sinks all its queries), so resampling answers
 * would give intervals that are too narrow.
 */
export function clusteredBootstrap(
  answers: readonly Pick<ScoredAnswer, 'conceptId' | 'correct'>[],
  options: BootstrapOptions = {},
): BootstrapInterval {
  const list = cells(
    answers,
    (a) => a.conceptId,
    (a) => (a.correct ? 1 : 0),
  );
  return { ...percentileInterval(list, options), clusters: list.length };
}

export interface PairedComparison {
  /** Episodes answered by both. */
  n: number;
  /** Episodes only one side answered; they take no part in the comparison. */
  onlyA: number;
  onlyB: number;
  accuracyA: number | null;
  accuracyB: number | null;
  /** accuracyA − accuracyB with its concept-clustered paired interval (core's `clusteredDifference`). */
  difference: BootstrapInterval;
  /**
   * Whether the difference is real, tested with the concepts' variance (cluster-robust): episodes
   * of one concept are not independent evidence. The headline test.
   */
  clustered: { pValue: number | null };
  /** McNemar's exact test on episodes, which treats them as independent: shown for reference. */
  mcnemar: McNemarResult;
}

/**
 * Compares two result sets on identical episodes. Pairing removes the variance of which
 * episodes were drawn, so smaller differences are detectable than by comparing two intervals.
 */
export function pairedComparison(
  a: readonly Pick<ScoredAnswer, 'episodeId' | 'conceptId' | 'correct'>[],
  b: readonly Pick<ScoredAnswer, 'episodeId' | 'conceptId' | 'correct'>[],
  options: BootstrapOptions = {},
): PairedComparison {
  const byEpisode = new Map(b.map((item) => [item.episodeId, item]));
  const pairs: { conceptId: string; a: boolean; b: boolean }[] = [];
  for (const item of a) {
    const other = byEpisode.get(item.episodeId);
    if (other) pairs.push({ conceptId: item.conceptId, a: item.correct, b: other.correct });
  }
  let onlyAWins = 0;
  let onlyBWins = 0;
  let correctA = 0;
  let correctB = 0;
  for (const p of pairs) {
    if (p.a) correctA++;
    if (p.b) correctB++;
    if (p.a && !p.b) onlyAWins++;
    if (p.b && !p.a) onlyBWins++;
  }
  const n = pairs.length;
  const list = cells(
    pairs,
    (p) => p.conceptId,
    (p) => Number(p.a) - Number(p.b),
  );
  const difference = clusteredDifference(
    list.map((c, i) => ({ cluster: String(i), n: c.n, diff: c.correct })),
    options.confidence,
  );
  return {
    n,
    onlyA: a.length - n,
    onlyB: b.length - n,
    accuracyA: n ? correctA / n : null,
    accuracyB: n ? correctB / n : null,
    difference: {
      estimate: difference.estimate,
      low: difference.low,
      high: difference.high,
      clusters: list.length,
    },
    clustered: { pValue: difference.pValue },
    mcnemar: mcnemarTest(onlyAWins, onlyBWins),
  };
}

export interface McNemarResult {
  /** Episodes A got right and B wrong. */
  b: number;
  /** Episodes B got right and A wrong. */
  c: number;
  /** Exact two-sided p-value; 1 when the two never disagree. */
  pValue: number;
}

/**
 * McNemar's exact test: under "no difference" each disagreement is a fair coin, so the p-value is
 * a two-sided binomial tail. Exact at every sample size, so no chi-square cut-over is needed.
 */
export function mcnemarTest(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, pValue: 1 };
  const k = Math.min(b, c);
  // Sum P(X = i) for i ≤ k in log space: C(n, i) / 2^n underflows for large n.
  let logTerm = -n * Math.LN2;
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logTerm);
  }
  return { b, c, pValue: Math.min(1, 2 * tail) };
}

/** Two submissions' verdicts on one episode both answered. */
export interface PairedAnswer {
  episodeId: string;
  shots: number;
  policy: string;
  conceptId: number;
  /** The pair the concept belongs to: the unit the interval and the test resample. */
  pairId: number;
  concept: string;
  aCorrect: boolean;
  bCorrect: boolean;
}

type PairedSide = { episodeId: string; conceptId: string; correct: boolean };

/**
 * The paired comparison of two submissions on the episodes both answered: per shot × policy, the
 * accuracy difference with a concept-clustered bootstrap interval and McNemar's exact p-value;
 * per concept, where one learns what the other does not; and the episodes where they disagree.
 * `seed` makes the bootstrap repeatable (the same pair of submissions, the same interval).
 */
export function compareOnSharedEpisodes(answers: readonly PairedAnswer[], seed: string) {
  const groups = new Map<
    string,
    {
      shots: number;
      policy: string;
      a: PairedSide[];
      b: PairedSide[];
    }
  >();
  const concepts = new Map<
    number,
    { conceptId: number; concept: string; n: number; a: number; b: number }
  >();
  const disagreements: { episodeId: string; shots: number; policy: string; aCorrect: boolean }[] =
    [];
  for (const r of answers) {
    const key = `${r.shots}|${r.policy}`;
    const g = groups.get(key) ?? { shots: r.shots, policy: r.policy, a: [], b: [] };
    // Clusters are pairs: a pair's two concepts share their demonstrations.
    const cluster = String(r.pairId);
    g.a.push({ episodeId: r.episodeId, conceptId: cluster, correct: r.aCorrect });
    g.b.push({ episodeId: r.episodeId, conceptId: cluster, correct: r.bCorrect });
    groups.set(key, g);
    const c = concepts.get(r.conceptId) ?? {
      conceptId: r.conceptId,
      concept: r.concept,
      n: 0,
      a: 0,
      b: 0,
    };
    c.n++;
    if (r.aCorrect) c.a++;
    if (r.bCorrect) c.b++;
    concepts.set(r.conceptId, c);
    if (r.aCorrect !== r.bCorrect)
      disagreements.push({
        episodeId: r.episodeId,
        shots: r.shots,
        policy: r.policy,
        aCorrect: r.aCorrect,
      });
  }
  const perShot = [...groups.values()]
    .sort((x, y) => x.shots - y.shots || (x.policy < y.policy ? -1 : 1))
    .map((g) => ({
      shots: g.shots,
      policy: g.policy,
      ...pairedComparison(g.a, g.b, { seed: `${seed}|${g.shots}|${g.policy}` }),
    }));
  // Every shot count of one policy together: one number per pair of models, for the matrix of
  // many models (clustered by pair across shot counts too, since a pair's episodes share images).
  const byPolicy = new Map<string, { a: PairedSide[]; b: PairedSide[] }>();
  for (const g of groups.values()) {
    const p = byPolicy.get(g.policy) ?? { a: [], b: [] };
    p.a.push(...g.a);
    p.b.push(...g.b);
    byPolicy.set(g.policy, p);
  }
  const pooled = [...byPolicy.entries()]
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([policy, p]) => ({
      policy,
      ...pairedComparison(p.a, p.b, { seed: `${seed}|all|${policy}` }),
    }));
  const perConcept = [...concepts.values()]
    .map((c) => ({
      ...c,
      accuracyA: c.a / c.n,
      accuracyB: c.b / c.n,
      difference: (c.a - c.b) / c.n,
    }))
    .sort(
      (x, y) => Math.abs(y.difference) - Math.abs(x.difference) || (x.concept < y.concept ? -1 : 1),
    );
  return { perShot, pooled, perConcept, disagreements };
}
