import { describe, expect, it } from 'vitest';
import {
  chosenVersion,
  formatDuration,
  formatTime,
  offeredVersions,
  P_FLOOR,
  pct,
  policyLabel,
  pValue,
  signedPts,
} from '~/components/format';

describe('format', () => {
  it.each([
    ['lcl', 'LCL'], // upper case: "lcl" and "icl" look alike in the site's sans-serif
    ['icl', 'ICL'],
    ['zero-shot', 'zero-shot'], // already unambiguous
  ])('shows policy %s as %s', (policy, label) => {
    expect(policyLabel(policy)).toBe(label);
  });

  it('shows missing numbers as a dash, not 0', () => {
    expect([pct(null), pct(undefined), signedPts(null)]).toEqual(['–', '–', '–']);
    expect([pct(0.5), signedPts(0.031), signedPts(-0.02)]).toEqual(['50.0%', '+3.1', '-2.0']);
  });
});

describe('chosenVersion', () => {
  const versions = [
    { id: 7, name: 'isekai-synth', version: '3.1' },
    { id: 3, name: 'isekai-synth', version: '2.1' },
  ];
  const missing = (): never => {
    throw new Error('404');
  };
  it('takes the version named name@version, else the first; a named one that is not there is a 404', () => {
    expect(chosenVersion(versions, 'isekai-synth@2.1', missing)?.id).toBe(3);
    expect(chosenVersion(versions, 'isekai-synth', missing)?.id).toBe(7);
    expect(chosenVersion(versions, undefined, missing)?.id).toBe(7);
    expect(chosenVersion(versions, '', missing)?.id).toBe(7);
    expect(() => chosenVersion(versions, 'isekai-synth@4', missing)).toThrow('404');
    // A database id names nothing: versions are named.
    expect(() => chosenVersion(versions, '3', missing)).toThrow('404');
    expect(chosenVersion([], undefined, missing)).toBeUndefined();
  });
});

describe('the board’s versions', () => {
  const versions = [
    { id: 9, name: 'b', version: '9', submissions: 0 },
    { id: 7, name: 'b', version: '7', submissions: 3 },
    { id: 3, name: 'b', version: '3', submissions: 0 },
  ];
  const notFound = (): never => {
    throw new Error('404');
  };

  it('opens on the newest version with results, not on an empty one', () => {
    expect(chosenVersion(versions, undefined, notFound)?.id).toBe(7);
    expect(
      chosenVersion([{ id: 9, name: 'b', version: '9', submissions: 0 }], undefined, notFound)?.id,
    ).toBe(9);
  });

  it('offers versions with results, and the one shown even when it has none', () => {
    expect(offeredVersions(versions, 7).map((v) => v.id)).toEqual([7]);
    expect(offeredVersions(versions, 3).map((v) => v.id)).toEqual([7, 3]);
  });
});

describe('times and durations', () => {
  it('say their time zone, and a missing one is a dash', () => {
    expect(formatTime(new Date('2026-11-29T14:05:59.900Z'))).toBe('2026-11-29 14:05 UTC');
    expect(formatTime('2026-01-02T03:04:05Z')).toBe('2026-01-02 03:04 UTC');
    expect([formatTime(null), formatTime(undefined), formatTime('not a date')]).toEqual([
      '–',
      '–',
      '–',
    ]);
  });

  it('round a duration the way a person says it', () => {
    expect([0.2, 59, 61, 3600, 3601 + 5 * 60].map(formatDuration)).toEqual([
      '1 s',
      '59 s',
      '2 min',
      '1 h',
      '1 h 6 min',
    ]);
    expect([null, -1, Number.POSITIVE_INFINITY].map(formatDuration)).toEqual(['–', '–', '–']);
  });
});

describe('numbers as the site prints them', () => {
  it('never prints a negative zero: a gain that rounds to nothing is 0.0, unsigned', () => {
    expect(signedPts(-0.0004)).toBe('0.0');
    expect(signedPts(0.0004)).toBe('0.0');
    expect(signedPts(-0)).toBe('0.0');
    expect([signedPts(-0.025), signedPts(0.024)]).toEqual(['-2.5', '+2.4']);
    expect(pct(-0.00001)).toBe('0.0%');
  });

  it('prints every share to one decimal, whole ones included, so that a column lines up', () => {
    expect([pct(0.57), pct(0.5734), pct(1)]).toEqual(['57.0%', '57.3%', '100.0%']);
    // 0.57 reached by a sum of floats prints the same.
    expect(pct(0.1 * 5.7)).toBe('57.0%');
  });

  it('prints a p-value too small to compute as below the floor, never as 0', () => {
    expect(pValue(0)).toBe('< 1e-7');
    expect(pValue(3e-12)).toBe('< 1e-7');
    expect(pValue(P_FLOOR)).toBe('1.0e-7');
    expect(pValue(4.3e-6)).toBe('4.3e-6');
    expect(pValue(0.0123)).toBe('0.0123');
    expect([pValue(null), pValue(Number.NaN)]).toEqual(['–', '–']);
  });
});
