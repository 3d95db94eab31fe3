import { describe, expect, it } from 'vitest';
import { backoffDelay, Prng } from '../src';

describe('backoffDelay', () => {
  it('doubles from the base per attempt up to the cap', () => {
    const top = (attempt: number) =>
      backoffDelay(attempt, { baseMs: 500, capMs: 30_000, random: () => 1 });
    expect([0, 1, 2, 3, 6, 10].map(top)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
    expect(top(-1)).toBe(500);
  });

  it('full jitter draws anywhere below the ceiling', () => {
    expect(backoffDelay(3, { baseMs: 500, capMs: 30_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(0, { baseMs: 500, capMs: 30_000, random: () => 0.999 })).toBeCloseTo(499.5);
  });

  it('equal jitter draws in the upper half of the ceiling', () => {
    const equal = (random: () => number) =>
      backoffDelay(2, { baseMs: 1000, capMs: 60_000, jitter: 'equal', random });
    expect(equal(() => 0)).toBe(2000);
    expect(equal(() => 0.5)).toBe(3000);
    expect(equal(() => 1)).toBe(4000);
  });

  it('stays within its bounds over many draws of a seeded source', () => {
    // Core stays deterministic: the draws come from a seeded generator, not Math.random.
    const rng = Prng.fromKey('backoff-bounds');
    const random = () => rng.nextFloat();
    for (let i = 0; i < 100; i++) {
      const full = backoffDelay(4, { baseMs: 100, capMs: 1000, random });
      const equal = backoffDelay(4, {
        baseMs: 100,
        capMs: 1000,
        jitter: 'equal',
        random,
      });
      expect(full).toBeGreaterThanOrEqual(0);
      expect(full).toBeLessThan(1000);
      expect(equal).toBeGreaterThanOrEqual(500);
      expect(equal).toBeLessThan(1000);
    }
  });
});
