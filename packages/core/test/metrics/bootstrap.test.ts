import { describe, expect, it } from 'vitest';
import { clusteredBootstrap, mcnemarTest, pairedComparison } from '../../src';

function items(conceptId: string, correct: number, wrong: number, prefix = conceptId) {
  return [
    ...Array.from({ length: correct }, (_, i) => ({
      episodeId: `${prefix}-c${i}`,
      conceptId,
      correct: true,
    })),
    ...Array.from({ length: wrong }, (_, i) => ({
      episodeId: `${prefix}-w${i}`,
      conceptId,
      correct: false,
    })),
  ];
}

describe('clusteredBootstrap', () => {
  it('is wider when accuracy is concentrated in a few concepts than when it is spread', () => {
    // Same 50% overall: one design has all-right and all-wrong concepts, the other half-right ones.
    const clustered = [...Array(10)].flatMap((_, i) =>
      items(`c${i}`, i < 5 ? 20 : 0, i < 5 ? 0 : 20),
    );
    const spread = [...Array(10)].flatMap((_, i) => items(`c${i}`, 10, 10));
    const a = clusteredBootstrap(clustered, { seed: 's' });
    const b = clusteredBootstrap(spread, { seed: 's' });
    expect(a.estimate).toBe(0.5);
    expect(b.estimate).toBe(0.5);
    expect(a.high! - a.low!).toBeGreaterThan(0.3);
    expect(b.high! - b.low!).toBeLessThan(0.01);
    expect(a.clusters).toBe(10);
  });

  it('is reproducible for a seed', () => {
    const data = [...Array(6)].flatMap((_, i) => items(`c${i}`, i, 6 - i));
    expect(clusteredBootstrap(data, { seed: 'x' })).toEqual(
      clusteredBootstrap(data, { seed: 'x' }),
    );
  });

  it('is defined for no answers', () => {
    expect(clusteredBootstrap([])).toEqual({ estimate: null, low: null, high: null, clusters: 0 });
  });
});

describe('mcnemarTest', () => {
  it.each([
    [0, 0, 1, 'no disagreement: no evidence'],
    [5, 5, 1, 'balanced disagreement'],
    [10, 0, 0.001953125, 'one-sided: 2 × 0.5^10'],
    [0, 10, 0.001953125, 'symmetric in its arguments'],
    [8, 2, 0.109375, 'exact binomial tail, as R binom.test(2, 10)'],
  ])('b=%i c=%i → p=%f (%s)', (b, c, p) => {
    expect(mcnemarTest(b, c).pValue).toBeCloseTo(p, 9);
  });

  it('stays finite for thousands of disagreements', () => {
    const { pValue } = mcnemarTest(5200, 4800);
    expect(pValue).toBeGreaterThan(0);
    expect(pValue).toBeLessThan(0.001);
  });
});

describe('pairedComparison', () => {
  it('pairs episodes by id and reports wins, difference and McNemar', () => {
    const a = [...items('c1', 8, 2, 'x'), ...items('c2', 6, 4, 'y')];
    // b is right exactly where a is, except the first 4 wins of a in c1.
    const b = a.map((item, i) => ({ ...item, correct: i < 4 ? false : item.correct }));
    const result = pairedComparison(a, b, { seed: 't' });
    expect(result.n).toBe(20);
    expect(result.accuracyA).toBe(0.7);
    expect(result.accuracyB).toBe(0.5);
    expect(result.difference.estimate).toBeCloseTo(0.2, 10);
    expect(result.mcnemar).toMatchObject({ b: 4, c: 0 });
    expect(result.mcnemar.pValue).toBeCloseTo(0.125, 9);
  });

  it('counts episodes only one side has and leaves them out', () => {
    const a = items('c1', 2, 2, 'x');
    const b = [...items('c1', 2, 2, 'x').slice(0, 3), ...items('c9', 1, 0, 'z')];
    const result = pairedComparison(a, b);
    expect(result).toMatchObject({ n: 3, onlyA: 1, onlyB: 1 });
  });

  it('is defined for no shared episodes', () => {
    const result = pairedComparison([], []);
    expect(result.n).toBe(0);
    expect(result.accuracyA).toBeNull();
    expect(result.difference.estimate).toBeNull();
    expect(result.mcnemar.pValue).toBe(1);
  });
});
