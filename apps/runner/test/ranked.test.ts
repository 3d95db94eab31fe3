import { drawSeed } from '@linkboard/core';
import { drawRanked, rankedFamiliarOf } from '@linkboard/datasets';
import { describe, expect, it } from 'vitest';
import { builtinAdapter } from '../src/adapters/builtin';
import { STATEFUL_PROTOTYPE } from '../src/baselines';
import { rankedImages, runRanked, warmedOn } from '../src/ranked';

const KEY = '7a'.repeat(32);

describe('a ranked draw run by the baselines', () => {
  it('gives accumulation nothing: stateful-prototype, cold or warmed on an earlier draw, is no better than prototype', async () => {
    const shots = [2, 4, 8, 16];
    const draw = drawRanked({ seed: drawSeed(KEY, 'accumulation'), shots, perPolicy: 25 });
    const earlier = drawRanked({ seed: drawSeed(KEY, 'earlier'), shots, perPolicy: 25 });
    const { encoder, warm } = await warmedOn(earlier, draw);
    const adapter = (name: 'prototype' | typeof STATEFUL_PROTOTYPE) =>
      builtinAdapter(name, encoder, rankedFamiliarOf);
    const results = await runRanked({
      episodes: draw.episodes,
      models: [
        { name: 'prototype', adapter: adapter('prototype') },
        { name: 'cold', adapter: adapter(STATEFUL_PROTOTYPE) },
        { name: 'warm', adapter: warm },
      ],
      concurrency: 4,
    });
    const score = (name: string) =>
      results.find((r) => r.name === name)?.byShots.find((b) => b.shots === 'all')?.score
        ?.score as number;
    console.log(
      `ranked draw of ${draw.episodes.length}: prototype ${score('prototype')}, stateful cold ${score('cold')}, warm ${score('warm')}`,
    );
    expect(score('prototype')).toBeGreaterThan(0.5);
    expect(score('cold')).toBeLessThanOrEqual(score('prototype') + 0.02);
    expect(score('warm')).toBeLessThanOrEqual(score('prototype') + 0.02);
    for (const r of results) expect(r.answered).toBe(draw.episodes.length);
  }, 240_000);

  it('keeps only a window of rendered images, rendering again what fell out of it', async () => {
    const draw = drawRanked({ seed: drawSeed(KEY, 'window'), shots: [2], perPolicy: 2 });
    const images = rankedImages(draw, 2);
    const ids = [...draw.images.keys()];
    const first = await images.read(ids[0] as string);
    expect(await images.read(ids[0] as string)).toBe(first);
    await images.read(ids[1] as string);
    await images.read(ids[2] as string);
    const again = await images.read(ids[0] as string);
    expect(again).not.toBe(first);
    expect(again.equals(first)).toBe(true);
  });
});
