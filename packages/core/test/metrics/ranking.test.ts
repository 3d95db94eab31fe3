import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClusterCounts,
  clusteredDifference,
  clusteredShare,
  Prng,
  type RankingOptions,
  rankTiers,
  rankWithUncertainty,
  wilsonInterval,
} from '../../src';

/** A model's counts when it gets `rates[c]` of `per` episodes right on concept c. */
const model = (rates: readonly number[], per: number): ClusterCounts[] =>
  rates.map((rate, c) => ({ cluster: `c${c}`, n: per, correct: Math.round(rate * per) }));

const pooled = (clusters: readonly ClusterCounts[]) => {
  const n = clusters.reduce((s, c) => s + c.n, 0);
  const correct = clusters.reduce((s, c) => s + c.correct, 0);
  return { n, correct, accuracy: correct / n };
};

describe('ranking with clustered uncertainty', () => {
  it('keeps together two models a few points apart over few concepts, which Wilson tiers separate', () => {
    // Six concepts of 1,000 episodes each: A leads by 3.3 points overall, but not on every
    // concept, so which is better depends on which concepts were drawn.
    const a = model([0.9, 0.3, 0.8, 0.4, 0.7, 0.5], 1000);
    const b = model([0.6, 0.5, 0.6, 0.5, 0.8, 0.4], 1000);
    // Over episodes (Wilson), the intervals do not overlap: two tiers.
    const wilson = [a, b].map((m, i) => {
      const { correct, n, accuracy } = pooled(m);
      const interval = wilsonInterval(correct, n)!;
      return { id: String(i), accuracy, low: interval.low, high: interval.high };
    });
    expect(rankTiers(wilson).map((t) => t.tier)).toEqual([1, 2]);
    // Resampling concepts: their rank ranges overlap, one tier.
    const ranked = rankWithUncertainty(
      [
        { model: 'a', clusters: a },
        { model: 'b', clusters: b },
      ],
      { seed: 'test' },
    );
    expect(ranked.map((r) => [r.model, r.rankLow, r.rankHigh, r.tier])).toEqual([
      ['a', 1, 2, 1],
      ['b', 1, 2, 1],
    ]);
    // And the clustered interval is far wider than the episode one.
    const aWilson = wilson[0]!;
    expect(ranked[0]!.estimate.high! - ranked[0]!.estimate.low!).toBeGreaterThan(
      3 * (aWilson.high - aWilson.low),
    );
  });

  it('separates models whose lead holds on every concept, and ranks the clearly worse last', () => {
    const best = model([0.95, 0.9, 0.92, 0.97, 0.9, 0.93, 0.96, 0.91], 50);
    const coin = model([0.52, 0.46, 0.5, 0.55, 0.44, 0.5, 0.48, 0.53], 50);
    const coin2 = model([0.5, 0.5, 0.46, 0.52, 0.5, 0.47, 0.53, 0.5], 50);
    const ranked = rankWithUncertainty(
      [
        { model: 'coin', clusters: coin },
        { model: 'best', clusters: best },
        { model: 'coin2', clusters: coin2 },
      ],
      { seed: 'x' },
    );
    const by = Object.fromEntries(ranked.map((r) => [r.model, r]));
    expect([by.best!.rankLow, by.best!.rankHigh, by.best!.tier]).toEqual([1, 1, 1]);
    expect(by.best!.rankHigh!).toBeLessThan(by.coin!.rankLow!);
    expect([by.coin!.rankLow, by.coin!.rankHigh]).toEqual([2, 3]);
    expect([by.coin2!.rankLow, by.coin2!.rankHigh]).toEqual([2, 3]);
    expect(by.coin!.tier).toBe(2);
    expect(by.coin2!.tier).toBe(2);
  });

  it('gives each model the clustered interval every other figure uses, beside its rank range', () => {
    // Forty concepts of unequal size and difficulty (a fixed pattern, not random).
    const clusters = Array.from({ length: 40 }, (_, c) => {
      const n = 20 + ((c * 37) % 61);
      const rate = 0.25 + ((c * 53) % 71) / 100;
      return { cluster: `c${c}`, n, correct: Math.round(rate * n) };
    });
    const [only] = rankWithUncertainty([{ model: 'm', clusters }], {
      seed: 'se',
      replicates: 4000,
    });
    const interval = clusteredShare(clusters);
    expect([only!.estimate.low, only!.estimate.high]).toEqual([interval.low, interval.high]);
    expect(only!.estimate.clusters).toBe(40);
    expect(only!.estimate.accuracy).toBeCloseTo(pooled(clusters).accuracy, 12);
    expect([only!.rankLow, only!.rankHigh]).toEqual([1, 1]);
  });

  it('handles no models, no answers and a single cluster', () => {
    expect(rankWithUncertainty([])).toEqual([]);
    const [empty] = rankWithUncertainty([{ model: 'x', clusters: [] }]);
    expect(empty).toMatchObject({ rankLow: null, rankHigh: null, tier: null });
    expect(empty!.estimate.accuracy).toBeNull();
    expect(clusteredShare([{ cluster: 'a', n: 10, correct: 5 }]).se).toBeNull();
    expect(clusteredDifference([])).toMatchObject({ estimate: null, pValue: null });
  });

  it('tests a paired difference with the clusters’ variance, not the episodes’', () => {
    // A wins 30 episodes on each of three concepts and loses 20 on each of three others.
    const clusters = [30, 30, 30, -20, -20, -20].map((diff, c) => ({
      cluster: `c${c}`,
      n: 100,
      diff,
    }));
    const result = clusteredDifference(clusters);
    expect(result.estimate).toBeCloseTo(0.05, 12);
    // Episode-level McNemar-like evidence would be overwhelming; by concept it is not.
    expect(result.pValue!).toBeGreaterThan(0.3);
    expect(result.low!).toBeLessThan(0);
  });
});

/**
 * The ranking as it was first written, kept as the reference the fast one must match exactly:
 * every model compared with every other in every replicate (M² per replicate), ranks kept in
 * plain arrays and sorted with a comparator.
 */
function referenceRanking<T>(
  models: readonly { model: T; clusters: readonly ClusterCounts[] }[],
  options: RankingOptions = {},
) {
  const replicates = options.replicates ?? 2000;
  const alpha = (1 - (options.confidence ?? 0.95)) / 2;
  const names = [...new Set(models.flatMap((m) => m.clusters.map((c) => c.cluster)))].sort();
  const k = names.length;
  const spread = (field: 'n' | 'correct') =>
    models.map((m) => {
      const row = new Array<number>(k).fill(0);
      for (const c of m.clusters) row[names.indexOf(c.cluster)]! += c[field];
      return row;
    });
  const n = spread('n');
  const y = spread('correct');
  const total = (row: number[]) => row.reduce((a, b) => a + b, 0);
  const accuracy = models.map((_, i) => (total(n[i]!) > 0 ? total(y[i]!) / total(n[i]!) : null));
  const scored = models.map((_, i) => i).filter((i) => accuracy[i] !== null);
  const ranks = models.map(() => [] as number[]);
  if (k > 0 && scored.length > 0) {
    const rng = Prng.fromKey(`ranking|${options.seed ?? ''}`);
    for (let r = 0; r < replicates; r++) {
      const counts = new Array<number>(k).fill(0);
      for (let j = 0; j < k; j++) counts[rng.nextInt(k)]!++;
      const value = new Map<number, number>();
      for (const i of scored) {
        let yy = 0;
        let nn = 0;
        for (let j = 0; j < k; j++) {
          if (counts[j] === 0) continue;
          yy += counts[j]! * y[i]![j]!;
          nn += counts[j]! * n[i]![j]!;
        }
        value.set(i, nn > 0 ? yy / nn : accuracy[i]!);
      }
      for (const i of scored) {
        const better = scored.filter((j) => value.get(j)! > value.get(i)!).length;
        ranks[i]!.push(better + 1);
      }
    }
  }
  const quantile = (sorted: number[], q: number) => {
    const pos = (sorted.length - 1) * q;
    const a = sorted[Math.floor(pos)]!;
    const b = sorted[Math.ceil(pos)]!;
    return a + (b - a) * (pos - Math.floor(pos));
  };
  const ranked = models.map((m, i) => {
    const rk = ranks[i]!.sort((a, b) => a - b);
    const has = accuracy[i] !== null && rk.length > 0;
    const interval = clusteredShare(m.clusters, options.confidence);
    return {
      model: m.model,
      estimate: {
        accuracy: accuracy[i] ?? null,
        low: has ? interval.low : null,
        high: has ? interval.high : null,
        clusters: interval.clusters,
      },
      rankLow: has ? Math.round(quantile(rk, alpha)) : null,
      rankHigh: has ? Math.round(quantile(rk, 1 - alpha)) : null,
      tier: null as number | null,
    };
  });
  const order = ranked
    .filter((r) => r.estimate.accuracy !== null)
    .sort((a, b) => b.estimate.accuracy! - a.estimate.accuracy!);
  let tier = 0;
  let leaderWorst = 0;
  for (const row of order) {
    if (tier === 0 || row.rankLow! > leaderWorst) {
      tier++;
      leaderWorst = row.rankHigh!;
    }
    row.tier = tier;
  }
  return ranked;
}

/** A board: few clusters and small counts, so that accuracies tie often. */
const boards = (maxModels: number, count: fc.Arbitrary<number>) =>
  fc.array(
    fc.array(
      fc.record({
        cluster: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
        n: count,
        correct: count,
      }),
      { maxLength: 8 },
    ),
    { minLength: 1, maxLength: maxModels },
  );

const rankingOptions = fc.record({
  replicates: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(2.5)),
  seed: fc.string({ maxLength: 6 }),
  confidence: fc.constantFrom(0.95, 0.9, 0.5, 0.99),
});

const asBoard = (clusters: ClusterCounts[][]) =>
  clusters.map((c, i) => ({ model: `m${i}`, clusters: c }));

describe('the ranking matches the pairwise reference exactly', () => {
  it('on random boards with ties, models without clusters or answers, and single models', () => {
    const counts = fc.integer({ min: 0, max: 4 });
    fc.assert(
      fc.property(boards(30, counts), rankingOptions, (clusters, options) => {
        const models = asBoard(
          // correct ≤ n, as counts are.
          clusters.map((m) => m.map((c) => ({ ...c, correct: Math.min(c.correct, c.n) }))),
        );
        expect(rankWithUncertainty(models, options)).toEqual(referenceRanking(models, options));
      }),
      { numRuns: 300 },
    );
  });

  it('on boards whose accuracies all differ, and on counts no board should hold', () => {
    // Fractional counts make nearly every accuracy distinct; NaN, infinities and negative counts
    // must come out as they did, whatever they mean.
    const odd = fc.oneof(
      fc.double({ min: 0, max: 50, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, -0, 1e-300, 1e300),
    );
    fc.assert(
      fc.property(boards(40, odd), rankingOptions, (clusters, options) => {
        const models = asBoard(clusters);
        expect(rankWithUncertainty(models, options)).toEqual(referenceRanking(models, options));
      }),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(boards(40, fc.double({ min: 0, max: 50, noNaN: true })), (clusters) => {
        const models = asBoard(clusters);
        expect(rankWithUncertainty(models, { replicates: 30 })).toEqual(
          referenceRanking(models, { replicates: 30 }),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('on a board of hundreds of models, and at confidences outside 0 to 1', () => {
    const rng = Prng.fromKey('a larger board');
    const models = Array.from({ length: 400 }, (_, i) => ({
      model: i,
      clusters: Array.from({ length: 12 }, (_, c) => {
        const n = rng.nextInt(i % 3 === 0 ? 40 : 12);
        return { cluster: `c${c}`, n, correct: rng.nextInt(n + 1) };
      }),
    }));
    for (const options of [
      { replicates: 60, seed: 's' },
      { replicates: 8, confidence: 1.5 },
    ]) {
      expect(rankWithUncertainty(models, options)).toEqual(referenceRanking(models, options));
    }
    // One model, and one with no answers beside scored ones.
    const one = [{ model: 'only', clusters: [{ cluster: 'a', n: 3, correct: 1 }] }];
    expect(rankWithUncertainty(one)).toEqual(referenceRanking(one));
    const withEmpty = [
      ...one,
      { model: 'none', clusters: [{ cluster: 'b', n: 0, correct: 0 }] },
      { model: 'no clusters', clusters: [] },
    ];
    expect(rankWithUncertainty(withEmpty, { replicates: 50 })).toEqual(
      referenceRanking(withEmpty, { replicates: 50 }),
    );
  });

  it('ranks 10,000 models over 2,000 replicates in a 64 MB heap', () => {
    // 20 million ranks as JS numbers (one array per model) would take over 160 MB of heap; kept
    // in typed arrays, off the heap, they fit. A process of its own, so the limit is its alone.
    const fixture = fileURLToPath(new URL('./rank-memory.fixture.ts', import.meta.url));
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=64', '--import', 'tsx', fixture],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('10000');
  });
});
