import { describe, expect, it } from 'vitest';
import { rankTiers } from '../../src';

describe('rankTiers', () => {
  it('puts models whose interval reaches the leader’s lower bound in the leader’s tier', () => {
    const tiers = rankTiers([
      { id: 'c', accuracy: 0.5, low: 0.45, high: 0.55 },
      { id: 'a', accuracy: 0.8, low: 0.75, high: 0.85 },
      { id: 'b', accuracy: 0.76, low: 0.7, high: 0.8 },
      { id: 'd', accuracy: 0.48, low: 0.4, high: 0.56 },
      { id: 'none', accuracy: null, low: null, high: null },
    ]);
    expect(tiers.map((t) => [t.row.id, t.tier])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 2],
      ['d', 2],
      ['none', null],
    ]);
  });

  it('breaks accuracy ties by id so the order is stable', () => {
    const tiers = rankTiers([
      { id: 'z', accuracy: 0.5, low: 0.4, high: 0.6 },
      { id: 'y', accuracy: 0.5, low: 0.4, high: 0.6 },
    ]);
    expect(tiers.map((t) => t.row.id)).toEqual(['y', 'z']);
  });

  it('is empty for no models', () => {
    expect(rankTiers([])).toEqual([]);
  });
});
