import { describe, expect, it } from 'vitest';
import {
  buildEpisodes,
  CostEstimateError,
  costOf,
  DEFAULT_COMPLETION_TOKENS,
  type Episode,
  estimateRun,
  fitWithin,
  type ImageSize,
  indexBenchmark,
  openAiImageTokens,
  PricesSchema,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_REPLY,
} from '../src';
import { fixtureManifest } from '../src/testing';

const manifest = fixtureManifest();
const index = indexBenchmark(manifest);
const episodes = [
  ...buildEpisodes(index, { shots: [2, 4, 8], policies: ['lcl', 'icl'], draws: 1 }),
  ...buildEpisodes(index, { shots: [0], policies: ['zero-shot'], draws: 1 }),
];
const sizesOf = (side: number) =>
  new Map<string, ImageSize>(manifest.images.map((i) => [i.id, { width: side, height: side }]));
const imagesIn = (list: readonly Pick<Episode, 'prompt'>[]) =>
  list
    .flatMap((e) => e.prompt.messages)
    .flatMap((m) => m.content)
    .filter((p) => p.type === 'image').length;

describe('openAiImageTokens', () => {
  it('follows the high-detail examples OpenAI publishes', () => {
    // 1024²: shorter side to 768, 2 × 2 tiles. 2048 × 4096: fit 1024 × 2048, then 768 × 1536.
    expect(openAiImageTokens(1024, 1024)).toBe(85 + 170 * 4);
    expect(openAiImageTokens(2048, 4096)).toBe(85 + 170 * 6);
  });

  it('charges one tile for any image within 512 × 512, however small, and never enlarges', () => {
    expect(openAiImageTokens(512, 512)).toBe(255);
    expect(openAiImageTokens(224, 224)).toBe(255);
    expect(openAiImageTokens(1, 1)).toBe(255);
    // One pixel past a tile edge is a second tile; still under 768 on the short side, unscaled.
    expect(openAiImageTokens(513, 512)).toBe(85 + 170 * 2);
    expect(openAiImageTokens(800, 600)).toBe(85 + 170 * 4);
  });

  it('shrinks huge images first to 2048 and then their shorter side to 768', () => {
    // Any large square ends as 768² (4 tiles).
    expect(openAiImageTokens(10_000, 10_000)).toBe(765);
    // 1920 × 1080: shorter side to 768 gives 1365 × 768, 3 × 2 tiles.
    expect(openAiImageTokens(1920, 1080)).toBe(85 + 170 * 6);
    // A strip: 8000 × 1000 fits as 2048 × 256; its short side is already under 768.
    expect(openAiImageTokens(8000, 1000)).toBe(85 + 170 * 4);
    expect(openAiImageTokens(100_000, 1)).toBe(85 + 170 * 4);
  });

  it('does not depend on orientation, and refuses a size no image has', () => {
    for (const [w, h] of [
      [1920, 1080],
      [3000, 700],
      [513, 90],
    ] as const)
      expect(openAiImageTokens(h, w)).toBe(openAiImageTokens(w, h));
    expect(() => openAiImageTokens(0, 100)).toThrow(RangeError);
    expect(() => openAiImageTokens(Number.NaN, 100)).toThrow(RangeError);
  });
});

describe('fitWithin', () => {
  it('shrinks to the limit with the aspect kept, in whole pixels, as the encoder does', () => {
    expect(fitWithin(1000, 600, 512)).toEqual({ width: 512, height: 307 });
    expect(fitWithin(700, 1001, 512)).toEqual({ width: 358, height: 512 });
    expect(fitWithin(1001, 3, 512)).toEqual({ width: 512, height: 2 });
    expect(fitWithin(100_000, 1, 512)).toEqual({ width: 512, height: 1 });
  });

  it('leaves an image that fits, or any image without a limit', () => {
    expect(fitWithin(512, 300, 512)).toEqual({ width: 512, height: 300 });
    expect(fitWithin(4000, 3000, null)).toEqual({ width: 4000, height: 3000 });
    expect(fitWithin(4000, 3000, undefined)).toEqual({ width: 4000, height: 3000 });
  });
});

describe('costOf', () => {
  it('prices prompt and completion tokens per million', () => {
    const prices = { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 };
    expect(costOf({ promptTokens: 1_000_000, completionTokens: 1_000_000 }, prices)).toBe(12.5);
    expect(costOf({ promptTokens: 2000, completionTokens: 100 }, prices)).toBeCloseTo(0.006, 12);
    expect(costOf({ promptTokens: 0, completionTokens: 0 }, prices)).toBe(0);
  });

  it('is unknown without prices', () => {
    expect(costOf({ promptTokens: 5, completionTokens: 5 }, null)).toBeNull();
    expect(costOf({ promptTokens: 5, completionTokens: 5 }, undefined)).toBeNull();
  });
});

describe('PricesSchema', () => {
  it('accepts prices from free to the bound', () => {
    expect(PricesSchema.parse({ inputUsdPerMTok: 0, outputUsdPerMTok: 0 })).toEqual({
      inputUsdPerMTok: 0,
      outputUsdPerMTok: 0,
    });
    expect(
      PricesSchema.safeParse({ inputUsdPerMTok: 0.15, outputUsdPerMTok: 10_000 }).success,
    ).toBe(true);
  });

  it('refuses negative, absurd and non-numeric prices, saying why', () => {
    const problem = (value: unknown) => {
      const result = PricesSchema.safeParse({ inputUsdPerMTok: value, outputUsdPerMTok: 1 });
      expect(result.success).toBe(false);
      return result.error?.issues[0];
    };
    expect(problem(-0.01)).toMatchObject({
      path: ['inputUsdPerMTok'],
      message: 'a price cannot be negative',
    });
    expect(problem(20_000)?.message).toMatch(/at most 10,000 US dollars per million tokens/);
    expect(problem('2.5')?.message).toMatch(/US dollars per million tokens/);
    expect(problem(Number.POSITIVE_INFINITY)).toBeDefined();
    expect(PricesSchema.safeParse({ inputUsdPerMTok: 1 }).success).toBe(false);
  });
});

describe('estimateRun', () => {
  it('counts each message’s framing, its text at four characters a token, and its images', () => {
    const prompt = {
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'abcdefgh' },
            { type: 'image' as const, imageId: 'a' },
            { type: 'text' as const, text: 'ij' },
          ],
        },
        { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'xyz' }] },
      ],
      text: 'unused',
    };
    const estimate = estimateRun({
      episodes: [{ prompt }],
      imageSizes: new Map([['a', { width: 1024, height: 1024 }]]),
    });
    // 10 characters of one turn round up once to 3 tokens; 'xyz' is 1.
    expect(estimate.promptTokens).toBe(TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * 2 + 3 + 765 + 1);
    expect(estimate).toMatchObject({
      episodes: 1,
      images: 1,
      completionTokens: DEFAULT_COMPLETION_TOKENS,
      costUsd: null,
      seconds: null,
    });
  });

  it('sees shots + 1 images per demonstration episode and one per zero-shot episode', () => {
    const estimate = estimateRun({ episodes, imageSizes: sizesOf(256) });
    const expected = episodes.reduce((n, e) => n + e.shots + 1, 0);
    expect(estimate.images).toBe(expected);
    expect(estimate.episodes).toBe(episodes.length);
    // A 256² image is one tile; the text and framing come on top.
    expect(estimate.promptTokens).toBeGreaterThan(expected * 255);
    expect(estimate.promptTokens).toBeLessThan(expected * 255 + episodes.length * 600);
  });

  it('shrinks images to maxImageSide before counting their tiles', () => {
    const large = estimateRun({ episodes, imageSizes: sizesOf(2048) });
    const shrunk = estimateRun({ episodes, imageSizes: sizesOf(2048), maxImageSide: 512 });
    // 2048² is 765 tokens as sent whole, 255 shrunk to 512².
    expect(large.promptTokens - shrunk.promptTokens).toBe(large.images * (765 - 255));
    expect(shrunk.assumptions.join(' ')).toMatch(/shrinking to fit 512 × 512/);
    // A limit above the images' size changes nothing.
    expect(
      estimateRun({ episodes, imageSizes: sizesOf(2048), maxImageSide: 4096 }).promptTokens,
    ).toBe(large.promptTokens);
  });

  it('takes a flat count per image for models whose rule differs, needing no sizes', () => {
    const byRule = estimateRun({ episodes, imageSizes: sizesOf(256) });
    const flat = estimateRun({ episodes, tokensPerImage: 1000 });
    expect(flat.promptTokens - byRule.promptTokens).toBe(byRule.images * (1000 - 255));
    expect(flat.assumptions.join(' ')).toMatch(/1,000 tokens per image/);
  });

  it('reads sizes from a lookup as from a map, and refuses an image it cannot size', () => {
    const sizes = sizesOf(640);
    expect(estimateRun({ episodes, imageSizes: (id) => sizes.get(id) })).toEqual(
      estimateRun({ episodes, imageSizes: sizes }),
    );
    expect(() => estimateRun({ episodes, imageSizes: new Map() })).toThrow(/no size for image/);
    expect(() => estimateRun({ episodes })).toThrow(
      /image sizes are needed unless tokensPerImage is given/,
    );
  });

  it('scales a sample to the run’s total', () => {
    const sample = episodes.slice(0, 7);
    const ofSample = estimateRun({ episodes: sample, imageSizes: sizesOf(300) });
    const scaled = estimateRun({ episodes: sample, total: 100_000, imageSizes: sizesOf(300) });
    expect(scaled.episodes).toBe(100_000);
    expect(scaled.promptTokens).toBe(Math.round((ofSample.promptTokens * 100_000) / 7));
    expect(scaled.images).toBe(Math.round((ofSample.images * 100_000) / 7));
    expect(scaled.completionTokens).toBe(100_000 * DEFAULT_COMPLETION_TOKENS);
    expect(scaled.assumptions[0]).toMatch(/100,000 episodes.*scaled from a sample of 7/);
    // A sample of one stands for as many copies of itself.
    const one = episodes.slice(0, 1);
    expect(estimateRun({ episodes: one, total: 5, imageSizes: sizesOf(300) })).toMatchObject({
      promptTokens: estimateRun({ episodes: Array(5).fill(one[0]), imageSizes: sizesOf(300) })
        .promptTokens,
      images: 5 * imagesIn(one),
    });
  });

  it('prices and times the run when told prices and a rate', () => {
    const prices = { inputUsdPerMTok: 3, outputUsdPerMTok: 15 };
    const estimate = estimateRun({
      episodes,
      total: 1000,
      imageSizes: sizesOf(256),
      completionTokensPerAnswer: 40,
      prices,
      episodesPerSecond: 4,
    });
    expect(estimate.completionTokens).toBe(40_000);
    expect(estimate.costUsd).toBe(costOf(estimate, prices));
    expect(estimate.costUsd).toBeGreaterThan(0);
    expect(estimate.seconds).toBe(250);
    expect(estimate.assumptions.join(' ')).not.toMatch(/unknown/);
  });

  it('uses a real tokenizer when the caller has one', () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const rule = estimateRun({ episodes, tokensPerImage: 0 });
    const counted = estimateRun({ episodes, tokensPerImage: 0, countTextTokens: words });
    expect(counted.promptTokens).not.toBe(rule.promptTokens);
    expect(counted.assumptions.join(' ')).toMatch(/tokenizer given/);
  });

  it('gives zeros for an empty run, with the cost unknown unless priced', () => {
    expect(estimateRun({ episodes: [] })).toEqual({
      episodes: 0,
      images: 0,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: null,
      seconds: null,
      assumptions: expect.arrayContaining([
        'No prices given: cost unknown.',
        'No measured rate: time unknown.',
      ]),
    });
    const priced = estimateRun({
      episodes: [],
      total: 0,
      prices: { inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
      episodesPerSecond: 2,
    });
    expect(priced.costUsd).toBe(0);
    expect(priced.seconds).toBe(0);
  });

  it('refuses input it cannot estimate from', () => {
    const bad = [
      { episodes: [], total: 10 },
      { episodes, total: -1 },
      { episodes, total: 2.5 },
      { episodes, tokensPerImage: -5 },
      { episodes, tokensPerImage: 100, completionTokensPerAnswer: 1.5 },
      { episodes, tokensPerImage: 100, maxImageSide: 0 },
      { episodes, tokensPerImage: 100, episodesPerSecond: 0 },
    ];
    for (const input of bad) expect(() => estimateRun(input)).toThrow(CostEstimateError);
  });
});
