import { describe, expect, it } from 'vitest';
import {
  accuracyOf,
  linkGain,
  linkGainOf,
  rankSubmissions,
  type SubmissionCounts,
} from '../../src';

const counts = (over: Partial<SubmissionCounts> & { submissionId: number }): SubmissionCounts => ({
  n: 100,
  correct: 50,
  unreadable: 0,
  novel: { correct: 25, n: 50 },
  perShot: { 2: { correct: 20, n: 50 }, 4: { correct: 30, n: 50 } },
  lcl: null,
  icl: null,
  ...over,
});

describe('leaderboard statistics from counts', () => {
  it('has no accuracy, interval or gain without answers', () => {
    expect(accuracyOf({ correct: 0, n: 0 })).toBeNull();
    expect(accuracyOf(null)).toBeNull();
    expect(linkGainOf({ correct: 3, n: 4 }, null)).toBeNull();
    const [row] = rankSubmissions([counts({ submissionId: 1, n: 0, correct: 0, perShot: {} })]);
    expect(row).toMatchObject({ accuracy: null, low: null, high: null, tier: null });
  });

  it('ranks by accuracy, with Wilson intervals, per-shot accuracy and tiers', () => {
    const rows = rankSubmissions([
      { ...counts({ submissionId: 1, correct: 50 }), model: 'b' },
      { ...counts({ submissionId: 2, correct: 90 }), model: 'a' },
      { ...counts({ submissionId: 3, correct: 88 }), model: 'c' },
    ]);
    expect(rows.map((r) => [r.submissionId, r.tier])).toEqual([
      [2, 1],
      [3, 1],
      [1, 2],
    ]);
    expect(rows[0]).toMatchObject({ accuracy: 0.9, model: 'a', perShot: { 2: 0.4, 4: 0.6 } });
    expect(rows[0]!.low).toBeLessThan(0.9);
    expect(rows[0]!.high).toBeGreaterThan(0.9);
    expect(rows[0]).not.toHaveProperty('correct');
  });

  it('link gain is one definition: per shot and pooled agree when shot counts are balanced', () => {
    // Per shot: LCL 3/4 and 1/4, ICL 1/4 and 1/4 → gains 0.5 and 0; pooled 4/8 − 2/8 = 0.25.
    const answers = [
      ...[1, 1, 1, 0].map((c, i) => ({ shots: 2, policy: 'lcl' as const, c, i })),
      ...[1, 0, 0, 0].map((c, i) => ({ shots: 4, policy: 'lcl' as const, c, i })),
      ...[1, 0, 0, 0].map((c, i) => ({ shots: 2, policy: 'icl' as const, c, i })),
      ...[1, 0, 0, 0].map((c, i) => ({ shots: 4, policy: 'icl' as const, c, i })),
    ].map(({ shots, policy, c, i }) => ({
      episodeId: `${policy}-${shots}-${i}`,
      shots,
      policy,
      pairId: 'p',
      conceptId: 'x',
      queryClass: 'novel' as const,
      outcome: c ? ('correct' as const) : ('neither' as const),
      correct: c === 1,
    }));
    const perShot = linkGain(answers);
    expect(perShot.map((r) => r.gain)).toEqual([0.5, 0]);
    const [pooled] = rankSubmissions([
      counts({ submissionId: 1, lcl: { correct: 4, n: 8 }, icl: { correct: 2, n: 8 } }),
    ]);
    expect(pooled!.linkGain).toBe(0.25);
    expect(pooled!.linkGain).toBe(perShot.reduce((s, r) => s + r.gain!, 0) / perShot.length);
  });
});
