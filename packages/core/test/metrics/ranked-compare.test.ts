import { describe, expect, it } from 'vitest';
import { rankedDifference } from '../../src/metrics/ranked-compare';
import { rankedScore } from '../../src/ranked-draw';

const counts = (lcl: [number, number], flip: [number, number]) => ({
  lcl: { correct: lcl[0], n: lcl[1] },
  flip: { correct: flip[0], n: flip[1] },
});

describe('rankedDifference', () => {
  it('is null without answers of both policies on both sides (the empty case)', () => {
    expect(rankedDifference(counts([0, 0], [0, 0]), counts([5, 10], [5, 10]))).toBeNull();
    expect(rankedDifference(counts([5, 10], [5, 10]), counts([5, 10], [0, 0]))).toBeNull();
  });

  it('is zero with p = 1 for equal counts, and symmetric', () => {
    const same = rankedDifference(counts([60, 100], [40, 100]), counts([60, 100], [40, 100]));
    expect(same).toMatchObject({ difference: 0, pValue: 1 });
    const ab = rankedDifference(counts([80, 100], [70, 100]), counts([50, 100], [50, 100]))!;
    const ba = rankedDifference(counts([50, 100], [50, 100]), counts([80, 100], [70, 100]))!;
    expect(ab.difference).toBeCloseTo(0.25, 12);
    expect(ba.difference).toBeCloseTo(-0.25, 12);
    expect(ab.pValue).toBeCloseTo(ba.pValue, 12);
    expect(ab.low).toBeCloseTo(-ba.high, 12);
  });

  it('is wider than either run’s own interval, and as wide as the two combined', () => {
    const a = counts([150, 200], [140, 200]);
    const b = counts([110, 200], [100, 200]);
    const d = rankedDifference(a, b)!;
    const ra = rankedScore(a.lcl, a.flip)!;
    const rb = rankedScore(b.lcl, b.flip)!;
    const halfA = (ra.high - ra.low) / 2;
    const halfB = (rb.high - rb.low) / 2;
    expect((d.high - d.low) / 2).toBeCloseTo(Math.hypot(halfA, halfB), 9);
    expect(d.pValue).toBeLessThan(1e-6);
    expect(d.low).toBeGreaterThan(0);
  });

  it('finds no difference between two runs of the same true score at the usual rate', () => {
    // Two one-sided answerers: exactly 50% each, however their sizes differ.
    const d = rankedDifference(counts([30, 60], [30, 60]), counts([150, 300], [150, 300]))!;
    expect(d.difference).toBe(0);
    expect(d.pValue).toBeCloseTo(1, 9);
  });
});
