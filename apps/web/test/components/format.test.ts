import { describe, expect, it } from 'vitest';
import { pct, policyLabel, signedPts } from '~/components/format';

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
