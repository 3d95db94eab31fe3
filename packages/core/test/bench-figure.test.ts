import { describe, expect, it } from 'vitest';
import { figureLine, figureMet, percentile } from '../src/testing';

describe('figureLine', () => {
  it('prints the value, the target, whether it was met and the sizes', () => {
    expect(
      figureLine('leaderboard_read_p95_ms', 12.345, {
        target: { atMost: 20 },
        sizes: { submissions: 10000 },
      }),
    ).toBe('leaderboard_read_p95_ms=12.35 target<=20 met submissions=10000');
    expect(figureLine('answers_scored_per_s', 1_500_000, { target: { atLeast: 2_000_000 } })).toBe(
      'answers_scored_per_s=1500000 target>=2000000 MISSED',
    );
    expect(figureLine('copy_rows_per_s', 123456.7, { baseline: true })).toBe(
      'copy_rows_per_s=123457 (baseline)',
    );
  });

  it('says a figure with no target is neither met nor missed', () => {
    expect(figureMet(3, undefined)).toBeNull();
    expect(figureMet(3, { atLeast: 3 })).toBe(true);
    expect(figureMet(3.01, { atMost: 3 })).toBe(false);
  });
});

describe('percentile', () => {
  it('takes the nearest rank and handles the empty case', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile([7], 0.95)).toBe(7);
    expect(Number.isNaN(percentile([], 0.95))).toBe(true);
  });
});
