import { describe, expect, it } from 'vitest';
import {
  accuracyBy,
  linkGain,
  type Outcome,
  parseFailureRate,
  type ScoredAnswer,
  summarize,
} from '../../src';

let counter = 0;
function answer(partial: Partial<ScoredAnswer> & { outcome: Outcome }): ScoredAnswer {
  counter++;
  return {
    episodeId: `e${counter}`,
    shots: 2,
    policy: 'lcl',
    pairId: 'p',
    conceptId: 'c',
    queryClass: 'novel',
    correct: partial.outcome === 'correct',
    ...partial,
  };
}

describe('summarize', () => {
  it('counts outcomes and gives accuracy with its interval', () => {
    const s = summarize([
      answer({ outcome: 'correct' }),
      answer({ outcome: 'correct' }),
      answer({ outcome: 'other-label' }),
      answer({ outcome: 'error' }),
    ]);
    expect(s.n).toBe(4);
    expect(s.correct).toBe(2);
    expect(s.accuracy).toBe(0.5);
    expect(s.low).toBeLessThan(0.5);
    expect(s.high).toBeGreaterThan(0.5);
    expect(s.outcomes).toEqual({
      correct: 2,
      'other-label': 1,
      both: 0,
      neither: 0,
      empty: 0,
      error: 1,
    });
  });

  it('is defined for no answers', () => {
    expect(summarize([])).toMatchObject({
      n: 0,
      correct: 0,
      accuracy: null,
      low: null,
      high: null,
    });
  });
});

describe('accuracyBy', () => {
  const answers = [
    answer({ shots: 16, policy: 'lcl', outcome: 'correct' }),
    answer({ shots: 2, policy: 'lcl', outcome: 'other-label' }),
    answer({ shots: 2, policy: 'lcl', outcome: 'correct' }),
    answer({ shots: 2, policy: 'icl', outcome: 'correct', queryClass: 'familiar' }),
  ];

  it('groups by shot × policy, sorted numerically then by name', () => {
    const rows = accuracyBy(answers, ['shots', 'policy'] as const);
    expect(rows.map((r) => [r.key, r.n, r.accuracy])).toEqual([
      [[2, 'icl'], 1, 1],
      [[2, 'lcl'], 2, 0.5],
      [[16, 'lcl'], 1, 1],
    ]);
  });

  it('groups by query class (novel vs familiar)', () => {
    const rows = accuracyBy(answers, ['queryClass'] as const);
    expect(rows.map((r) => [r.key[0], r.n])).toEqual([
      ['familiar', 1],
      ['novel', 3],
    ]);
  });

  it('gives no groups for no answers', () => {
    expect(accuracyBy([], ['conceptId'] as const)).toEqual([]);
  });
});

describe('parseFailureRate', () => {
  it('counts neither and empty, not transport errors', () => {
    expect(
      parseFailureRate([
        answer({ outcome: 'neither' }),
        answer({ outcome: 'empty' }),
        answer({ outcome: 'error' }),
        answer({ outcome: 'correct' }),
      ]),
    ).toBe(0.5);
  });
  it('is null for no answers', () => {
    expect(parseFailureRate([])).toBeNull();
  });
});

describe('linkGain', () => {
  it('is lcl minus icl per shot, null where one policy did not run', () => {
    const rows = linkGain([
      answer({ shots: 2, policy: 'lcl', outcome: 'correct' }),
      answer({ shots: 2, policy: 'lcl', outcome: 'correct' }),
      answer({ shots: 2, policy: 'icl', outcome: 'correct' }),
      answer({ shots: 2, policy: 'icl', outcome: 'neither' }),
      answer({ shots: 4, policy: 'lcl', outcome: 'correct' }),
    ]);
    expect(rows).toEqual([
      { shots: 2, lcl: 1, icl: 0.5, gain: 0.5 },
      { shots: 4, lcl: 1, icl: null, gain: null },
    ]);
  });
  it('is empty for no answers', () => {
    expect(linkGain([])).toEqual([]);
  });
});
