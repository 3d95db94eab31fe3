import { describe, expect, it } from 'vitest';
import { coarseCount, coarsenBoardRow, coarseShare } from '../../src';

describe('coarse shares (hidden splits)', () => {
  it('rounds to whole percents and keeps null', () => {
    expect(coarseShare(0.5349)).toBeCloseTo(0.53, 10);
    expect(coarseShare(0.5351)).toBeCloseTo(0.54, 10);
    expect(coarseShare(null)).toBeNull();
  });

  it('hides a one-answer difference away from a rounding edge', () => {
    // 768 episodes per shot (24 pairs × 2 concepts × 8 queries × 2 draws): one answer is 0.13 points.
    expect(coarseCount(400, 768)).toBe(coarseCount(401, 768));
    expect(coarseShare(400 / 768)).toBe(coarseShare(401 / 768));
    expect(coarseCount(0, 0)).toBe(0);
    expect(coarseCount(768, 768)).toBe(768);
  });

  it('coarsens every share of a board row and nothing else', () => {
    const row = {
      model: 'm',
      n: 768,
      accuracy: 401 / 768,
      low: 0.4812,
      high: 0.5633,
      perShot: { 2: 0.5123, 16: null },
      novelAccuracy: 0.6049,
      parseFailureRate: 0.0013,
      linkGain: 0.0421,
      linkGainLow: -0.0111,
      linkGainHigh: 0.0949,
      flipAccuracy: null,
      flipLow: null,
      flipHigh: null,
      exposureSlope: 0.0055,
      slope: 0.0312,
      slopeLow: 0.0104,
      slopeHigh: 0.0521,
      slopePValue: 0.0042,
      auc: 0.5733,
    };
    const coarse = coarsenBoardRow(row);
    expect(coarse).toMatchObject({ model: 'm', n: 768, flipAccuracy: null });
    expect(coarse.accuracy).toBeCloseTo(0.52, 10);
    expect(coarse.perShot[2]).toBeCloseTo(0.51, 10);
    expect(coarse.perShot[16]).toBeNull();
    expect(coarse.parseFailureRate).toBe(0);
    expect(coarse.linkGainLow).toBeCloseTo(-0.01, 10);
    for (const x of [
      coarse.low,
      coarse.high,
      coarse.novelAccuracy,
      coarse.linkGain,
      coarse.slope,
      coarse.slopeLow,
      coarse.slopeHigh,
      coarse.slopePValue,
      coarse.auc,
    ])
      expect(Math.abs((x as number) * 100 - Math.round((x as number) * 100))).toBeLessThan(1e-9);
  });
});
