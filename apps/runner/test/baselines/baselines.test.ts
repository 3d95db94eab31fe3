import { getScorer } from '@linkboard/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { familiarFromPairs } from '../../src/adapters/builtin';
import { createBaseline } from '../../src/baselines';
import type { ModelInput } from '../../src/baselines/request';

const solid = (r: number, g: number, b: number, seed: number) =>
  sharp({ create: { width: 32, height: 32, channels: 3, background: { r: r + (seed % 7), g, b } } })
    .png()
    .toBuffer();

async function input(queryRed: boolean): Promise<ModelInput> {
  const support = [];
  for (let i = 0; i < 4; i++) {
    support.push({ image: await solid(220, 30, 30, i), label: 'redling' });
    support.push({ image: await solid(30, 30, 220, i), label: 'blue' });
  }
  return {
    support,
    query: queryRed ? await solid(210, 40, 40, 99) : await solid(40, 40, 210, 99),
    candidates: ['redling', 'blue'],
    fingerprint: queryRed ? 'a' : 'b',
  };
}

const familiarOf = (c: readonly string[]) => c.find((x) => x === 'blue');

describe('baselines', () => {
  it('prototype learns from the episode’s own support images (nearest class mean)', async () => {
    const prototype = createBaseline('prototype', familiarOf);
    expect(await prototype.answer(await input(true))).toBe('there is "redling" in the image.');
    expect(await prototype.answer(await input(false))).toBe('there is "blue" in the image.');
  });

  it('always-familiar names the familiar concept whatever it sees', async () => {
    const baseline = createBaseline('always-familiar', familiarOf);
    expect(await baseline.answer(await input(true))).toBe('there is "blue" in the image.');
  });

  it('always-familiar, where both classes are real (ImageNet-100), is a constant guess at chance', async () => {
    const pair = {
      novel: { name: 'english setter' },
      familiar: { name: 'kit fox' },
      bothFamiliar: true as const,
    };
    const baseline = createBaseline('always-familiar', familiarFromPairs([pair]));
    const request = { ...(await input(true)), candidates: ['english setter', 'kit fox'] };
    const answer = await baseline.answer(request);
    expect(answer).toBe('there is "kit fox" in the image.');
    // Right for the queries of one class of the pair, wrong for the other's: half, on balanced pairs.
    const official = getScorer('official');
    expect(official.score(answer, 'kit fox', 'english setter').correct).toBe(true);
    expect(official.score(answer, 'english setter', 'kit fox').correct).toBe(false);
  });

  it('random picks one of the two labels, the same one for the same request', async () => {
    const random = createBaseline('random', familiarOf);
    const seen = new Set<string>();
    for (const fingerprint of ['1', '2', '3', '4', '5', '6', '7', '8']) {
      const request = { ...(await input(true)), fingerprint };
      const answer = await random.answer(request);
      expect(await random.answer(request)).toBe(answer);
      seen.add(answer);
    }
    expect(seen).toEqual(
      new Set(['there is "redling" in the image.', 'there is "blue" in the image.']),
    );
  });
});
