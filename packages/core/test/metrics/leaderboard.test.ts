import { describe, expect, it } from 'vitest';
import {
  accuracyOf,
  type BoardInput,
  buildBoard,
  DEFAULT_RANKED_SETTING,
  EXPOSURE_UNRANKED,
  linkGain,
  linkGainOf,
} from '../../src';

/** Eight concepts; on each, `rate` of 20 ranked episodes right under LCL (ICL `plain`). */
const row = (
  submissionId: number,
  rate: (c: number) => number,
  over: Partial<BoardInput> = {},
  plain?: (c: number) => number,
): BoardInput & { model: string } => {
  const clusters = (r: (c: number) => number) =>
    Array.from({ length: 8 }, (_, c) => ({
      cluster: `c${c}`,
      n: 20,
      correct: Math.round(r(c) * 20),
    }));
  const lcl = clusters(rate);
  const correct = lcl.reduce((s, c) => s + c.correct, 0);
  return {
    submissionId,
    model: `m${submissionId}`,
    shots: [2, 4, 8, 16],
    draws: 2,
    policies: plain ? ['lcl', 'icl'] : ['lcl'],
    verified: true,
    n: 160,
    correct,
    unreadable: 4,
    novel: { correct: Math.floor(correct / 2), n: 80 },
    perShot: { 2: { correct: 20, n: 40 }, 16: { correct: 30, n: 40 } },
    clusters: plain ? { lcl, icl: clusters(plain) } : { lcl },
    ...over,
  };
};

describe('the board', () => {
  it('carries the exposure check and leaves the planted cheat unranked', () => {
    const flagged = { slope: 0.05, se: 0.01, pValue: 1e-6, n: 160, clusters: 8, flagged: true };
    const board = buildBoard(
      [
        row(1, () => 0.9, { referenceModel: 'stateful-prototype', exposure: flagged }),
        row(2, () => 0.6, {
          exposure: { ...flagged, slope: 0, pValue: 0.5, flagged: false },
        }),
        row(3, () => 0.5),
      ],
      DEFAULT_RANKED_SETTING,
      { seed: 't' },
    );
    expect(
      board.map((r) => [r.model, r.ranked, r.exposureFlagged, r.exposureSlope, r.exposurePValue]),
    ).toEqual([
      ['m2', true, false, 0, 0.5],
      ['m3', true, false, null, null],
      ['m1', false, true, 0.05, 1e-6],
    ]);
    expect(board[2]!.unrankedReason).toMatch(/planted cheat/);
    expect(board[0]).not.toHaveProperty('exposure');
  });

  it('lists a row the exposure check flags, but does not rank it', () => {
    const flagged = { slope: 0.05, se: 0.01, pValue: 1e-6, n: 160, clusters: 8, flagged: true };
    const board = buildBoard(
      [row(1, () => 0.9, { exposure: flagged }), row(2, () => 0.6), row(3, () => 0.5)],
      DEFAULT_RANKED_SETTING,
      { seed: 't' },
    );
    expect(board.map((r) => [r.model, r.ranked, r.rankLow !== null])).toEqual([
      ['m2', true, true],
      ['m3', true, true],
      ['m1', false, false],
    ]);
    expect(board[2]!.unrankedReason).toBe(EXPOSURE_UNRANKED);
  });

  it('ranks only rows that ran the whole setting, verified ones unless asked, and says why not', () => {
    const board = buildBoard(
      [
        row(1, () => 0.9),
        row(2, () => 0.5, { shots: [16] }),
        row(3, () => 0.95, { verified: false }),
        row(4, (c) => (c % 2 ? 0.6 : 0.4)),
      ],
      DEFAULT_RANKED_SETTING,
      { seed: 't' },
    );
    expect(board.map((r) => [r.model, r.ranked, r.unrankedReason])).toEqual([
      ['m1', true, null],
      ['m4', true, null],
      ['m3', false, 'self-reported (uploaded predictions)'],
      ['m2', false, 'ran 16 of 2, 4, 8, 16 shots'],
    ]);
    expect(board[0]).toMatchObject({ rankLow: 1, rankHigh: 1, tier: 1, n: 160, accuracy: 0.9 });
    expect(board[0]!.perShot).toEqual({ 2: 0.5, 16: 0.75 });
    expect(board[2]).toMatchObject({ rankLow: null, tier: null, low: null });
    const withUploads = buildBoard(
      [row(1, () => 0.9), row(3, () => 0.95, { verified: false })],
      DEFAULT_RANKED_SETTING,
      {
        includeSelfReported: true,
      },
    );
    expect(withUploads.map((r) => [r.model, r.ranked, r.verified])).toEqual([
      ['m3', true, false],
      ['m1', true, true],
    ]);
  });

  it('gives link gain only on paired episodes, with a clustered interval', () => {
    const [paired] = buildBoard(
      [
        row(
          1,
          (c) => (c < 4 ? 0.9 : 0.6),
          {},
          (c) => (c < 4 ? 0.5 : 0.6),
        ),
      ],
      DEFAULT_RANKED_SETTING,
    );
    expect(paired!.linkGain).toBeCloseTo(0.2, 12);
    expect(paired!.linkGainLow!).toBeLessThan(0.2);
    expect(paired!.linkGainHigh!).toBeGreaterThan(0.2);
    // ICL answered fewer episodes of a concept: not paired, no link gain.
    const unpaired = row(
      2,
      () => 0.9,
      {},
      () => 0.5,
    );
    unpaired.clusters.icl![0]!.n = 10;
    expect(buildBoard([unpaired], DEFAULT_RANKED_SETTING)[0]!.linkGain).toBeNull();
    expect(buildBoard([row(3, () => 0.9)], DEFAULT_RANKED_SETTING)[0]!.linkGain).toBeNull();
  });

  it('shows flip accuracy beside link gain, pooled over the flip clusters; null without flip', () => {
    const flip = Array.from({ length: 8 }, (_, c) => ({
      cluster: `c${c}`,
      n: 20,
      correct: c < 2 ? 15 : 5,
    }));
    const withFlip = row(1, () => 0.9, { policies: ['lcl', 'flip'] });
    withFlip.clusters.flip = flip;
    const board = buildBoard([withFlip, row(2, () => 0.8)], DEFAULT_RANKED_SETTING);
    expect(board.map((r) => [r.model, r.flipAccuracy])).toEqual([
      ['m1', (2 * 15 + 6 * 5) / 160],
      ['m2', null],
    ]);
    // A control, not the ranked policy: the rank and accuracy are lcl's.
    expect(board[0]).toMatchObject({ ranked: true, accuracy: 0.9 });
  });

  it('has no accuracy or gain without answers, and an empty board is empty', () => {
    expect(accuracyOf({ correct: 0, n: 0 })).toBeNull();
    expect(linkGainOf({ correct: 3, n: 4 }, null)).toBeNull();
    expect(buildBoard([], DEFAULT_RANKED_SETTING)).toEqual([]);
  });

  it('per-shot link gain uses the same definition as the board', () => {
    const answers = [
      ...[1, 1, 1, 0].map((c, i) => ({ shots: 2, policy: 'lcl' as const, c, i })),
      ...[1, 0, 0, 0].map((c, i) => ({ shots: 2, policy: 'icl' as const, c, i })),
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
    expect(linkGain(answers).map((r) => r.gain)).toEqual([
      linkGainOf({ correct: 3, n: 4 }, { correct: 1, n: 4 }),
    ]);
  });
});
