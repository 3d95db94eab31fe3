import { DEFAULT_GENERATION } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import {
  generationLabel,
  type RunSettings,
  settingsDifferences,
  settingsDifferencesAmong,
} from '../../src/lib/run-settings';

const base: RunSettings = {
  shots: [2, 4, 8],
  draws: 1,
  generation: { ...DEFAULT_GENERATION },
  maxImageSide: null,
};
const names = { a: 'alpha', b: 'beta' };

describe('settingsDifferences', () => {
  it('is empty when the settings match (shots in any order)', () => {
    expect(settingsDifferences(base, { ...base, shots: [8, 2, 4] })).toEqual([]);
  });

  it('names each difference: generation, image size, shots, draws', () => {
    const b: RunSettings = {
      shots: [2, 4],
      draws: 3,
      generation: {
        maxTokens: 32,
        temperature: 0.7,
        tokenLimitField: 'max_completion_tokens',
        thinkingBudget: null,
      },
      maxImageSide: 448,
    };
    expect(settingsDifferences(base, b, names)).toEqual([
      'generation: alpha up to 1,024 new tokens (sent as max_tokens), temperature 0 (the official settings); beta up to 32 new tokens (sent as max_completion_tokens), temperature 0.7',
      'image size: alpha full size; beta longer side at most 448 px',
      'shots: alpha 2, 4, 8; beta 2, 4',
      'draws: alpha 1; beta 3',
    ]);
  });

  it('flags each generation setting alone, the token limit field included', () => {
    const g = DEFAULT_GENERATION;
    for (const changed of [
      { ...g, maxTokens: 2048 },
      { ...g, temperature: 1 },
      { ...g, tokenLimitField: 'max_completion_tokens' as const },
      { ...g, temperature: null },
      { ...g, thinkingBudget: 1024 },
    ]) {
      const lines = settingsDifferences(base, { ...base, generation: changed });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^generation: A .*; B /);
    }
  });

  it('does not compare generation or image size with an upload or a built-in baseline', () => {
    const upload: RunSettings = { ...base, generation: null, maxImageSide: null };
    expect(settingsDifferences({ ...base, maxImageSide: 256 }, upload)).toEqual([]);
    expect(settingsDifferences(upload, { ...upload, draws: 2 })).toEqual(['draws: A 1; B 2']);
  });
});

describe('generationLabel', () => {
  it('says when there is nothing to show', () => {
    expect(generationLabel(null)).toMatch(/^not run here/);
  });

  it('says a reasoning model’s settings as sent: no temperature, a thinking budget, the API’s field', () => {
    expect(
      generationLabel({
        maxTokens: 8192,
        temperature: null,
        tokenLimitField: 'max_tokens',
        thinkingBudget: 4096,
      }),
    ).toBe(
      "up to 8,192 new tokens (sent as max_tokens), no temperature sent (the model's own), thinking budget 4,096 tokens",
    );
    expect(generationLabel({ ...DEFAULT_GENERATION, tokenLimitField: 'maxOutputTokens' })).toBe(
      'up to 1,024 new tokens (sent as maxOutputTokens), temperature 0 (the official settings)',
    );
  });
});

describe('settingsDifferencesAmong', () => {
  it('is empty for matching runs, and for none or one', () => {
    expect(settingsDifferencesAmong([])).toEqual([]);
    expect(settingsDifferencesAmong([{ name: 'a', settings: base }])).toEqual([]);
    expect(
      settingsDifferencesAmong([
        { name: 'a', settings: base },
        { name: 'b', settings: { ...base, shots: [8, 4, 2] } },
        { name: 'c', settings: base },
      ]),
    ).toEqual([]);
  });

  it('names every model’s value where one of three differs', () => {
    const lines = settingsDifferencesAmong([
      { name: 'a', settings: base },
      { name: 'b', settings: base },
      { name: 'c', settings: { ...base, draws: 2, maxImageSide: 512 } },
    ]);
    expect(lines).toEqual([
      'image size: a full size; b full size; c longer side at most 512 px',
      'draws: a 1; b 1; c 2',
    ]);
  });

  it('compares generation only among the runs made here', () => {
    const uploaded = { ...base, generation: null, maxImageSide: 256 };
    expect(
      settingsDifferencesAmong([
        { name: 'a', settings: base },
        { name: 'up', settings: uploaded },
        {
          name: 'b',
          settings: { ...base, generation: { ...DEFAULT_GENERATION, temperature: 0.7 } },
        },
      ]),
    ).toEqual([
      expect.stringMatching(/^generation: a up to .*temperature 0 .*; b up to .*temperature 0\.7$/),
    ]);
  });
});
