import { describe, expect, it } from 'vitest';
import {
  chosenVersion,
  formatDuration,
  formatTime,
  offeredVersions,
  pct,
  policyLabel,
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
  const versions = [{ id: 7 }, { id: 3 }];
  const missing = (): never => {
    throw new Error('404');
  };
  it('takes the named version, else the first; a named one that is not there is a 404', () => {
    expect(chosenVersion(versions, '3', missing)).toEqual({ id: 3 });
    expect(chosenVersion(versions, undefined, missing)).toEqual({ id: 7 });
    expect(chosenVersion(versions, '', missing)).toEqual({ id: 7 });
    expect(() => chosenVersion(versions, '4', missing)).toThrow('404');
    expect(chosenVersion([], undefined, missing)).toBeUndefined();
  });
});

describe('the board’s versions', () => {
  const versions = [
    { id: 9, submissions: 0 },
    { id: 7, submissions: 3 },
    { id: 3, submissions: 0 },
  ];
  const notFound = (): never => {
    throw new Error('404');
  };

  it('opens on the newest version with results, not on an empty one', () => {
    expect(chosenVersion(versions, undefined, notFound)?.id).toBe(7);
    expect(chosenVersion([{ id: 9, submissions: 0 }], undefined, notFound)?.id).toBe(9);
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
