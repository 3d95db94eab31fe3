import { describe, expect, it } from 'vitest';
import {
  type ClusterCounts,
  clusteredDifference,
  clusteredShare,
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
