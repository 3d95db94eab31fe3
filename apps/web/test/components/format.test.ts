import { describe, expect, it } from 'vitest';
import { chosenVersion, pct, policyLabel, signedPts } from '~/components/format';

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
