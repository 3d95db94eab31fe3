import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RANKED_SETTING,
  indexBenchmark,
  RankedSettingSchema,
  rankedSettingFor,
  unrankedReason,
} from '../src';
import { fixtureManifest } from '../src/testing';

describe('the ranked setting', () => {
  it('is the paper’s shots, two draws, LCL and strict; a benchmark short of images drops shots', () => {
    expect(DEFAULT_RANKED_SETTING).toEqual({
      shots: [2, 4, 8, 16],
      draws: 2,
      policy: 'lcl',
      scorer: 'strict',
    });
    const small = indexBenchmark(fixtureManifest({ pairs: 1, supportPerConcept: 4 }));
    expect(rankedSettingFor(small).shots).toEqual([2, 4, 8]);
    expect(RankedSettingSchema.safeParse({ ...DEFAULT_RANKED_SETTING, scorer: 'x' }).success).toBe(
      false,
    );
  });

  it('never ranks on the flip control', () => {
    expect(
      RankedSettingSchema.safeParse({ ...DEFAULT_RANKED_SETTING, policy: 'flip' }).success,
    ).toBe(false);
    expect(
      RankedSettingSchema.safeParse({ ...DEFAULT_RANKED_SETTING, policy: 'icl' }).success,
    ).toBe(true);
  });

  it('says why a submission is not ranked, or nothing when it ran the whole setting', () => {
    const all = { shots: [2, 4, 8, 16], draws: 2, policies: ['lcl' as const, 'icl' as const] };
    expect(unrankedReason(all, DEFAULT_RANKED_SETTING)).toBeNull();
    expect(
      unrankedReason({ ...all, shots: [2, 4, 8, 16, 32], draws: 5 }, DEFAULT_RANKED_SETTING),
    ).toBeNull();
    expect(unrankedReason({ ...all, shots: [16] }, DEFAULT_RANKED_SETTING)).toBe(
      'ran 16 of 2, 4, 8, 16 shots',
    );
    expect(unrankedReason({ ...all, shots: [32] }, DEFAULT_RANKED_SETTING)).toBe(
      'ran 32 shots only',
    );
    expect(unrankedReason({ ...all, draws: 1 }, DEFAULT_RANKED_SETTING)).toBe('ran 1 draw of 2');
    expect(unrankedReason({ ...all, policies: ['icl'] }, DEFAULT_RANKED_SETTING)).toBe(
      'did not run lcl',
    );
  });

  it('never ranks the planted cheat of the reference server, whatever it ran', () => {
    const all = { shots: [2, 4, 8, 16], draws: 2, policies: ['lcl' as const] };
    expect(
      unrankedReason({ ...all, referenceModel: 'stateful-prototype' }, DEFAULT_RANKED_SETTING),
    ).toBe('planted cheat: remembers support images across episodes');
    expect(
      unrankedReason({ ...all, referenceModel: 'prototype' }, DEFAULT_RANKED_SETTING),
    ).toBeNull();
  });
});
