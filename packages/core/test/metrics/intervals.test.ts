import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src';

describe('wilsonInterval', () => {
  it.each([
    // Reference values from the closed form (Wilson 1927), checked against R's prop.test(correct = FALSE).
    [8, 10, 0.4901625, 0.9433178, 'a small sample'],
    [0, 10, 0, 0.2775328, 'all wrong still has room above zero'],
    [10, 10, 0.7224672, 1, 'all right still has room below one'],
    [50, 100, 0.4038315, 0.5961685, 'symmetric at one half'],
  ])('%i of %i → [%f, %f] (%s)', (k, n, low, high) => {
    const interval = wilsonInterval(k, n);
    expect(interval?.low).toBeCloseTo(low, 6);
    expect(interval?.high).toBeCloseTo(high, 6);
  });

  it('is null for no trials (no evidence, not 0%)', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('narrows as n grows', () => {
    const small = wilsonInterval(5, 10)!;
    const large = wilsonInterval(500, 1000)!;
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });
});
