import { describe, expect, it } from 'vitest';
import {
  type ExposureCell,
  type ExposureSend,
  exposureCells,
  exposureCheck,
  exposureScale,
  exposureStratum,
  Prng,
} from '../../src';

/** Sends of `pairs` pairs × 3 shot counts in a seeded random order; `p(exposure)` is accuracy. */
function sends(seed: string, pairs: number, perPair: number, p: (exposure: number) => number) {
  const rng = Prng.fromKey(seed);
  const list: Omit<ExposureSend, 'correct' | 'sentAt'>[] = [];
  for (let c = 0; c < pairs; c++)
    for (let i = 0; i < perPair; i++)
      list.push({ episodeId: `e${c}-${i}`, cluster: `pair${c}`, stratum: String(2 << (i % 3)) });
  rng.shuffle(list);
  const seen = new Map<string, number>();
  return list.map((s, t): ExposureSend => {
    const exposure = seen.get(s.cluster) ?? 0;
    seen.set(s.cluster, exposure + 1);
    return { ...s, sentAt: t, correct: rng.nextFloat() < p(exposure) };
  });
}

describe('exposureCells', () => {
  it('counts earlier sends of the same pair, any policy, by time then episode id', () => {
    const cells = exposureCells([
      { episodeId: 'b', cluster: 'p', stratum: '2', sentAt: 5, correct: true },
      { episodeId: 'a', cluster: 'p', stratum: '2', sentAt: 5, correct: null },
      { episodeId: 'c', cluster: 'q', stratum: '2', sentAt: 1, correct: false },
      { episodeId: 'd', cluster: 'p', stratum: '2', sentAt: 9, correct: false },
    ]);
    // b follows a (a tie broken by id): exposure 1; d: exposure 2; c: exposure 0.
    expect(cells).toEqual([
      { cluster: 'q', stratum: '2', n: 1, sx: 0, sy: 0, sxx: 0, sxy: 0, sends: 1 },
      {
        cluster: 'p',
        stratum: '2',
        n: 2,
        sx: 1 + Math.log2(3),
        sy: 1,
        sxx: 1 + Math.log2(3) ** 2,
        sxy: 1,
        sends: 3,
      },
    ]);
  });
});

describe('exposureStratum', () => {
  it('holds the query fixed only when a query has more than one draw', () => {
    const episode = { shots: 4, policy: 'lcl', queryImageId: 'q1' };
    expect(exposureStratum(episode, 2)).toBe('4 lcl q1');
    expect(exposureStratum(episode, 1)).toBe('4 lcl');
    expect(exposureStratum({ ...episode, policy: 'icl' }, 2)).not.toBe(exposureStratum(episode, 2));
  });
});

/** A cell from its answers as [exposure, correct] pairs. */
function cell(cluster: string, stratum: string, sends: number, answers: [number, boolean][]) {
  const c: ExposureCell = { cluster, stratum, n: 0, sx: 0, sy: 0, sxx: 0, sxy: 0, sends };
  for (const [exposure, correct] of answers) {
    const x = exposureScale(exposure);
    c.n++;
    c.sx += x;
    c.sy += correct ? 1 : 0;
    c.sxx += x * x;
    c.sxy += correct ? x : 0;
  }
  return c;
}

/** Every way to deal distinct exposures of 0 … sends−1 to `k` answers. */
function* deals(sends: number, k: number, taken: number[] = []): Generator<number[]> {
  if (taken.length === k) yield taken;
  else
    for (let e = 0; e < sends; e++) if (!taken.includes(e)) yield* deals(sends, k, [...taken, e]);
}

describe('exposureCheck', () => {
  it('is empty without answers or without variation', () => {
    expect(exposureCheck([])).toEqual({
      slope: null,
      se: null,
      pValue: null,
      n: 0,
      clusters: 0,
      flagged: false,
    });
    const constant = exposureCheck(exposureCells(sends('constant', 4, 30, () => 1)));
    expect(constant).toMatchObject({ slope: 0, pValue: null, flagged: false });
    // One pair: no clustered standard error, but the randomisation test needs none.
    const one = exposureCheck(exposureCells(sends('one', 1, 30, () => 0.5)));
    expect(one.se).toBeNull();
    expect(one.pValue).toBeGreaterThan(0);
  });

  it('flags accuracy that climbs with exposure, and not accuracy that does not', () => {
    const climbing = exposureCheck(
      exposureCells(sends('climb', 16, 100, (e) => 0.55 + 0.3 * Math.min(1, e / 20))),
    );
    expect(climbing.slope).toBeGreaterThan(0.03);
    expect(climbing.flagged).toBe(true);
    expect(climbing.clusters).toBe(16);
    // Under the null the p-values are uniform: about 5% below 0.05, none of 200 below 0.001.
    let flags = 0;
    let below5 = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const check = exposureCheck(exposureCells(sends(`flat${seed}`, 8, 60, () => 0.6)));
      if (check.flagged) flags++;
      if ((check.pValue ?? 1) < 0.05) below5++;
    }
    expect(flags).toBeLessThanOrEqual(1);
    expect(below5).toBeGreaterThan(2);
    expect(below5).toBeLessThan(20);
  });

  it('gives the exact randomisation p-value: the share of orders at or above the observed', () => {
    // One pair sent 6 times, 4 answers tested in two cells; a cell that agrees carries no weight.
    const answers: [boolean, boolean, boolean, boolean] = [true, false, true, false];
    const observed: [number, number, number, number] = [5, 1, 3, 0];
    const cellsOf = (e: readonly number[]) => [
      cell('p', 'a', 6, [
        [e[0] as number, answers[0]],
        [e[1] as number, answers[1]],
      ]),
      cell('p', 'b', 6, [
        [e[2] as number, answers[2]],
        [e[3] as number, answers[3]],
      ]),
      cell('p', 'c', 6, [[2, true]]),
    ];
    const statistic = (e: readonly number[]) =>
      cellsOf(e).reduce((t, c) => t + c.sxy - (c.sx * c.sy) / c.n, 0);
    const t = statistic(observed);
    let atOrAbove = 0;
    let all = 0;
    for (const e of deals(6, 4)) {
      all++;
      if (statistic(e) >= t - 1e-12) atOrAbove++;
    }
    const exact = atOrAbove / all;
    expect(exact).toBeGreaterThan(0.01);
    expect(exact).toBeLessThan(0.1);
    const check = exposureCheck(cellsOf(observed));
    // Monte Carlo stopped at 50 exceedances: about 15% relative error.
    expect(Math.abs((check.pValue as number) - exact)).toBeLessThan(0.45 * exact);
    expect(check.flagged).toBe(false);
  });

  it('does not mistake a falling accuracy for a rising one', () => {
    const falling = exposureCheck(exposureCells(sends('fall', 8, 60, (e) => 0.9 - e / 100)));
    expect(falling.slope).toBeLessThan(0);
    expect(falling.pValue).toBeGreaterThan(0.5);
    expect(falling.flagged).toBe(false);
  });
});
