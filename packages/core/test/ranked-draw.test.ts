import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prng } from '../src/prng';
import {
  buildRankedBoard,
  commitmentHolds,
  drawCommitment,
  drawSeed,
  keyedPrf,
  keyedPrng,
  policyTotals,
  RANKED_BENCHMARK,
  RANKED_BOARD,
  rankedDrawVersion,
  rankedEpisodesPerPolicy,
  rankedKeyId,
  rankedScore,
} from '../src/ranked-draw';

const KEY = 'a'.repeat(64);
const OTHER_KEY = `${'a'.repeat(63)}b`;

describe('the keyed PRF', () => {
  it('is HMAC-SHA256 of the parts under the key (checked against node:crypto)', () => {
    const expected = createHmac('sha256', Buffer.from(KEY, 'hex'))
      .update('ranked draw|42')
      .digest('hex');
    expect(keyedPrf(KEY, 'ranked draw', 42)).toBe(expected);
    expect(drawSeed(KEY, 42)).toBe(expected);
  });

  it('changes with the key, the submission and the purpose, and refuses a short key', () => {
    const seeds = new Set([
      drawSeed(KEY, 1),
      drawSeed(KEY, 2),
      drawSeed(OTHER_KEY, 1),
      keyedPrf(KEY, 'episode', 1),
    ]);
    expect(seeds.size).toBe(4);
    expect(() => keyedPrf('1234', 'x')).toThrow(/64 lower-case hex/);
    expect(() => keyedPrf('A'.repeat(64), 'x')).toThrow(/64 lower-case hex/);
  });

  it('seeds a generator with the HMAC’s first 128 bits', () => {
    const a = keyedPrng(KEY, 'episode', 3);
    const b = new Prng(keyedPrf(KEY, 'episode', 3));
    expect([a.nextUint32(), a.nextUint32()]).toEqual([b.nextUint32(), b.nextUint32()]);
  });

  it('names a key without giving it away, and holds a seed to its commitment', () => {
    expect(rankedKeyId(KEY)).toMatch(/^k[0-9a-f]{12}$/);
    expect(rankedKeyId(KEY)).not.toBe(rankedKeyId(OTHER_KEY));
    expect(KEY).not.toContain(rankedKeyId(KEY).slice(1));
    const seed = drawSeed(KEY, 7);
    const commitment = drawCommitment(seed);
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(commitment).not.toBe(seed);
    expect(commitmentHolds(seed, commitment)).toBe(true);
    expect(commitmentHolds(drawSeed(KEY, 8), commitment)).toBe(false);
    expect(commitmentHolds('not hex', commitment)).toBe(false);
  });
});

describe('the ranked score', () => {
  it('is the mean of lcl and flip accuracy, 50% for an answer that ignores the context', () => {
    // Always the novel name: right on lcl when the query is novel, on flip when it is familiar.
    const s = rankedScore({ correct: 600, n: 1200 }, { correct: 600, n: 1200 });
    expect(s?.score).toBe(0.5);
    expect(s?.low).toBeLessThan(0.5);
    expect(s?.high).toBeGreaterThan(0.5);
    // A query-only classifier that is 87% right on lcl is 13% right on flip.
    const queryOnly = rankedScore({ correct: 1044, n: 1200 }, { correct: 156, n: 1200 });
    expect(queryOnly?.score).toBe(0.5);
    expect(queryOnly?.lclAccuracy).toBe(0.87);
    expect(queryOnly?.flipAccuracy).toBe(0.13);
  });

  it('has about a ±2-point interval at the default size, narrower with more episodes', () => {
    const n = rankedEpisodesPerPolicy(0.02);
    expect(n).toBe(1201);
    const s = rankedScore({ correct: n / 2, n }, { correct: n / 2, n });
    expect((s?.high ?? 0) - (s?.low ?? 0)).toBeCloseTo(0.04, 3);
    const wide = rankedScore({ correct: 50, n: 100 }, { correct: 50, n: 100 });
    expect((wide?.high ?? 0) - (wide?.low ?? 0)).toBeGreaterThan(0.13);
  });

  it('stays in [0, 1] at the edges, and is null without episodes of both policies', () => {
    const perfect = rankedScore({ correct: 10, n: 10 }, { correct: 10, n: 10 });
    expect(perfect?.score).toBe(1);
    expect(perfect?.high).toBe(1);
    expect(perfect?.low).toBeGreaterThan(0.8);
    expect(perfect?.low).toBeLessThan(1);
    expect(rankedScore({ correct: 0, n: 0 }, { correct: 1, n: 2 })).toBeNull();
    expect(rankedScore({ correct: 1, n: 2 }, { correct: 0, n: 0 })).toBeNull();
    expect(() => rankedEpisodesPerPolicy(0)).toThrow(RangeError);
  });

  it('covers the true score about 95% of the time (simulated)', () => {
    const rng = Prng.fromKey('coverage');
    const binomial = (n: number, p: number) => {
      let k = 0;
      for (let i = 0; i < n; i++) if (rng.nextFloat() < p) k++;
      return k;
    };
    for (const [pl, pf, n] of [
      [0.7, 0.6, 60],
      [0.95, 0.9, 40],
      [0.5, 0.5, 300],
    ] as const) {
      let covered = 0;
      const trials = 2000;
      for (let t = 0; t < trials; t++) {
        const s = rankedScore({ correct: binomial(n, pl), n }, { correct: binomial(n, pf), n });
        if (s && s.low <= (pl + pf) / 2 && (pl + pf) / 2 <= s.high) covered++;
      }
      expect(covered / trials, `lcl ${pl}, flip ${pf}, n ${n}`).toBeGreaterThan(0.93);
    }
  });
});

describe('the ranked board', () => {
  const run = (name: string, lcl: number, flip: number, n: number, referenceModel?: string) => ({
    name,
    referenceModels: referenceModel ? [referenceModel] : [],
    perShot: [
      {
        shots: 2,
        lcl: { correct: Math.round(lcl * n), n },
        flip: { correct: Math.round(flip * n), n },
      },
      {
        shots: 16,
        lcl: { correct: Math.round(lcl * n), n },
        flip: { correct: Math.round(flip * n), n },
      },
    ],
  });

  it('scores every run over all its shot counts and ranks by score with rank ranges', () => {
    const board = buildRankedBoard([
      run('random', 0.5, 0.5, 300),
      run('strong', 0.9, 0.85, 300),
      run('prototype', 0.6, 0.56, 300),
      run('close to prototype', 0.59, 0.57, 300),
      run('stateful', 0.95, 0.1, 300, 'stateful-prototype'),
    ]);
    expect(board.map((r) => r.name)).toEqual([
      'strong',
      'prototype',
      'close to prototype',
      'random',
      'stateful',
    ]);
    expect(board[0]).toMatchObject({ rankLow: 1, rankHigh: 1, lcl: { correct: 540, n: 600 } });
    // Two rows whose intervals overlap share a rank range.
    expect(board[1]).toMatchObject({ rankLow: 2, rankHigh: 3 });
    expect(board[2]).toMatchObject({ rankLow: 2, rankHigh: 3 });
    expect(board[3]).toMatchObject({ rankLow: 4, rankHigh: 4 });
    expect(board[4]).toMatchObject({
      rankLow: null,
      rankHigh: null,
      unranked: expect.stringMatching(/planted cheat/),
    });
    expect(board[3]?.score?.low).toBeLessThan(0.5);
  });

  it('gives the rank ranges of comparing every pair of rows, on random boards', () => {
    // The board as first written: each row against every other.
    const pairwise = (rows: ReturnType<typeof buildRankedBoard>) =>
      rows.map((row) => {
        const ranked = rows.filter((r) => r.unranked === null && r.score);
        if (!ranked.includes(row)) return [null, null];
        const me = row.score!;
        const above = ranked.filter((o) => o !== row && o.score!.low > me.high).length;
        const below = ranked.filter((o) => o !== row && o.score!.high < me.low).length;
        return [1 + above, ranked.length - below];
      });
    const cell = (count: fc.Arbitrary<number>) =>
      fc.record({ shots: fc.constantFrom(2, 16), lcl: counts(count), flip: counts(count) });
    const counts = (count: fc.Arbitrary<number>) => fc.record({ correct: count, n: count });
    const runs = (count: fc.Arbitrary<number>) =>
      fc.array(
        fc.record({
          perShot: fc.array(cell(count), { maxLength: 3 }),
          referenceModels: fc.constantFrom([], ['stateful-prototype']),
        }),
        { maxLength: 40 },
      );
    const check = (board: Parameters<typeof buildRankedBoard>[0]) => {
      const rows = buildRankedBoard(board);
      expect(rows.map((r) => [r.rankLow, r.rankHigh])).toEqual(pairwise(rows));
    };
    // Small counts (many equal ends), and counts no run should have (more correct than asked,
    // negative, NaN), whose intervals can be NaN or have their low end above their high one.
    fc.assert(fc.property(runs(fc.integer({ min: 0, max: 6 })), check), { numRuns: 300 });
    const odd = fc.oneof(
      fc.integer({ min: -3, max: 30 }),
      fc.constantFrom(Number.NaN, 1_000_000, 3_000_000),
    );
    fc.assert(fc.property(runs(odd), check), { numRuns: 300 });
    const inverted = {
      perShot: [
        { shots: 2, lcl: { correct: 3_000_000, n: 1_000_000 }, flip: { correct: 1, n: 2 } },
      ],
    };
    const [row] = buildRankedBoard([inverted]);
    expect(row!.score!.low).toBeGreaterThan(row!.score!.high);
    check([inverted, inverted, run('a', 0.5, 0.5, 10), run('b', 0.9, 0.9, 10)]);
  });

  it('lists a run without episodes of both policies unranked, and an empty board as empty', () => {
    const [row] = buildRankedBoard([
      { perShot: [{ shots: 2, lcl: { correct: 3, n: 4 }, flip: { correct: 0, n: 0 } }] },
    ]);
    expect(row).toMatchObject({
      score: null,
      unranked: 'no answered episodes of both policies',
      rankLow: null,
    });
    expect(buildRankedBoard([])).toEqual([]);
  });

  it('lists a row unranked when any of its pooled runs asked for a never-ranked reference model', () => {
    const cells = [{ shots: 2, lcl: { correct: 90, n: 100 }, flip: { correct: 85, n: 100 } }];
    const board = buildRankedBoard([
      { name: 'mixed', referenceModels: ['prototype', 'lookup'], perShot: cells },
      { name: 'own endpoint', referenceModels: [], perShot: cells },
      { name: 'reference baseline', referenceModels: ['prototype'], perShot: cells },
    ]);
    expect(board.map((r) => [r.name, r.unranked])).toEqual([
      ['own endpoint', null],
      ['reference baseline', null],
      ['mixed', 'reference: answers from a public answer key'],
    ]);
  });
});

describe('the ranked board’s name', () => {
  it('is isekai-synth-ranked@1, and a run’s draw a version of it by its commitment', () => {
    expect(RANKED_BOARD).toBe('isekai-synth-ranked@1');
    const commitment = drawCommitment(drawSeed(KEY, 1));
    expect(`${RANKED_BENCHMARK}@${rankedDrawVersion(commitment)}`).toBe(
      `isekai-synth-ranked@1+${commitment.slice(0, 16)}`,
    );
  });
});

describe('policyTotals', () => {
  it('sums rows of any grain into lcl and flip, ignoring other policies', () => {
    expect(
      policyTotals([
        { policy: 'lcl', correct: 3, n: 4 },
        { policy: 'flip', correct: 1, n: 2 },
        { policy: 'lcl', correct: 1, n: 1 },
        { policy: 'icl', correct: 9, n: 9 },
      ]),
    ).toEqual({ lcl: { correct: 4, n: 5 }, flip: { correct: 1, n: 2 } });
    expect(policyTotals([])).toEqual({ lcl: { correct: 0, n: 0 }, flip: { correct: 0, n: 0 } });
  });
});
