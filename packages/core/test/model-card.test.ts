import { describe, expect, it } from 'vitest';
import { issueList, SubmissionRequestSchema } from '../src/adapter-config';
import {
  BoardFilterQuerySchema,
  boardFilterParams,
  formatParams,
  ModelCardSchema,
  matchesBoardFilter,
} from '../src/model-card';
import { LeaderboardQuerySchema } from '../src/site-api';

const problems = (value: object) => {
  const parsed = ModelCardSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
};

describe('ModelCardSchema', () => {
  it('takes a whole card, trimmed, and an empty one', () => {
    expect(
      ModelCardSchema.parse({
        organisation: ' Acme ',
        paramsB: 0.5,
        weights: 'open',
        licence: 'apache-2.0',
        baseModel: 'Qwen/Qwen2-VL-7B-Instruct',
        modelUrl: 'https://huggingface.co/acme/m',
        revision: ' 3f2a9c1 ',
      }),
    ).toEqual({
      organisation: 'Acme',
      paramsB: 0.5,
      weights: 'open',
      licence: 'apache-2.0',
      baseModel: 'Qwen/Qwen2-VL-7B-Instruct',
      modelUrl: 'https://huggingface.co/acme/m',
      revision: '3f2a9c1',
    });
    expect(ModelCardSchema.parse({})).toEqual({});
    for (const licence of ['MIT', 'llama3.1', 'cc-by-nc-4.0', 'GPL-3.0+', 'proprietary'])
      expect(problems({ licence })).toEqual([]);
  });

  it.each([
    ['licence', { licence: 'Apache 2.0' }],
    ['licence', { licence: '<b>mit</b>' }],
    ['licence', { licence: '' }],
    ['licence', { licence: 'x'.repeat(65) }],
    ['modelUrl', { modelUrl: 'javascript:alert(1)' }],
    ['modelUrl', { modelUrl: 'ftp://example.org/m' }],
    ['modelUrl', { modelUrl: 'example.org/m' }],
    ['modelUrl', { modelUrl: 'https://user:pw@example.org/' }],
    ['modelUrl', { modelUrl: 'https://example.org/\u0000' }],
    ['paramsB', { paramsB: 0 }],
    ['paramsB', { paramsB: -7 }],
    ['paramsB', { paramsB: 200_000 }],
    ['paramsB', { paramsB: '7' }],
    ['paramsB', { paramsB: Number.NaN }],
    ['weights', { weights: 'mixed' }],
    ['baseModel', { baseModel: 'a\u202eb' }],
    ['revision', { revision: '' }],
    ['organisation', { organisation: 'x'.repeat(121) }],
  ])('refuses a bad %s, naming it', (field, value) => {
    expect(problems(value)).toEqual([field]);
  });

  it('is part of the submission request, whose message names the field', () => {
    const parsed = SubmissionRequestSchema.safeParse({
      name: 'm',
      kind: 'endpoint',
      shots: [2],
      policies: ['lcl'],
      paramsB: -1,
      modelUrl: 'data:text/html,x',
    });
    expect(parsed.success).toBe(false);
    const message = issueList(parsed.error as never);
    expect(message).toMatch(/field paramsB: must be more than 0/);
    expect(message).toMatch(/field modelUrl: a link must be http:\/\/ or https:\/\/, not data:/);
  });
});

describe('board filters', () => {
  const card = (over: object = {}) => ({
    organisation: 'Acme Labs',
    paramsB: 7,
    weights: 'open' as const,
    ...over,
  });

  it('reads URL parameters, a blank one being no filter', () => {
    expect(
      BoardFilterQuerySchema.parse({
        params_min: '1',
        params_max: '13.5',
        weights: 'closed',
        organisation: ' Acme ',
      }),
    ).toEqual({ paramsMin: 1, paramsMax: 13.5, weights: 'closed', organisation: 'Acme' });
    expect(
      BoardFilterQuerySchema.parse({
        params_min: '',
        params_max: '',
        weights: '',
        organisation: '',
      }),
    ).toEqual({});
    expect(boardFilterParams({ paramsMin: 1, weights: 'open' })).toEqual({
      params_min: '1',
      weights: 'open',
    });
  });

  it.each([
    ['params_min', { params_min: 'seven' }],
    ['params_min', { params_min: '-1' }],
    ['params_max', { params_max: '1e9' }],
    ['params_max', { params_min: '70', params_max: '7' }],
    ['weights', { weights: 'mixed' }],
  ])('refuses a bad %s, naming it', (field, value) => {
    const parsed = BoardFilterQuerySchema.safeParse(value);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
  });

  it('is taken by the public leaderboard query', () => {
    expect(
      LeaderboardQuerySchema.safeParse({ benchmark: 'b', params_min: '8', params_max: '2' }).error
        ?.issues[0]?.path,
    ).toEqual(['params_max']);
    expect(LeaderboardQuerySchema.parse({ benchmark: 'b', weights: 'open' })).toMatchObject({
      weights: 'open',
    });
  });

  it('matches on size (inclusive), weights and organisation (any case)', () => {
    expect(matchesBoardFilter(card(), {})).toBe(true);
    expect(matchesBoardFilter(card(), { paramsMin: 7, paramsMax: 7 })).toBe(true);
    expect(matchesBoardFilter(card(), { paramsMin: 7.1 })).toBe(false);
    expect(matchesBoardFilter(card(), { paramsMax: 6.9 })).toBe(false);
    expect(matchesBoardFilter(card(), { weights: 'open' })).toBe(true);
    expect(matchesBoardFilter(card(), { weights: 'closed' })).toBe(false);
    expect(matchesBoardFilter(card(), { organisation: 'acme labs' })).toBe(true);
    expect(matchesBoardFilter(card(), { organisation: 'Acme' })).toBe(false);
  });

  it('leaves out a model whose card does not state the filtered field', () => {
    expect(matchesBoardFilter(card({ paramsB: null }), { paramsMin: 0 })).toBe(false);
    expect(matchesBoardFilter(card({ paramsB: null }), { weights: 'open' })).toBe(true);
    expect(matchesBoardFilter(card({ weights: null }), { weights: 'open' })).toBe(false);
    expect(matchesBoardFilter(card({ organisation: null }), { organisation: 'Acme' })).toBe(false);
  });

  it('formats sizes in billions, and trillions past a thousand', () => {
    expect([formatParams(7), formatParams(0.5), formatParams(1800), formatParams(null)]).toEqual([
      '7B',
      '0.5B',
      '1.8T',
      '–',
    ]);
  });
});
