import path from 'node:path';
import { drawSeed, wilsonInterval } from '@linkboard/core';
import { drawRanked, generateSynth, rankedFamiliarOf, writeDataset } from '@linkboard/datasets';
import { describe, expect, it } from 'vitest';
import { builtinAdapter } from '../../src/adapters/builtin';
import { QUERY_ONLY } from '../../src/baselines';
import { rankedEncoder, runRanked } from '../../src/ranked';
import { run, tempDir } from '../helpers';

describe('query-only: the query image and the two names, never the demonstrations', () => {
  it('is a real adversary on the public isekai-synth@3.1 (80% or more), and at 50% on a ranked draw', async () => {
    // The public benchmark as `linkboard eval` sees it: its seed 1, which training never saw.
    const dir = path.join(await tempDir(), 'v3');
    await writeDataset(dir, await generateSynth({ version: 3, seed: 1 }));
    const evaluated = await run([
      'eval',
      '--manifest',
      dir,
      '--model',
      'builtin:query-only',
      '--shots',
      '2',
      '--json',
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const summary = JSON.parse(evaluated.stdout) as {
      benchmark: { version: string };
      per_shot: { shots: number; n: number; accuracy: number }[];
    };
    expect(summary.benchmark.version).toBe('3.1');
    const [row] = summary.per_shot;
    console.log(`query-only on isekai-synth@3.1: ${row?.accuracy} over ${row?.n} episodes`);
    expect(row?.n).toBeGreaterThanOrEqual(384);
    expect(row?.accuracy).toBeGreaterThanOrEqual(0.8);

    // A ranked draw: its bases and traits are drawn afresh, so the public prior is worth nothing.
    const draw = drawRanked({
      seed: drawSeed('3e'.repeat(32), 'query-only'),
      shots: [2, 16],
      perPolicy: 60,
    });
    const [result] = await runRanked({
      episodes: draw.episodes,
      models: [
        {
          name: QUERY_ONLY,
          adapter: builtinAdapter(QUERY_ONLY, rankedEncoder(draw), rankedFamiliarOf),
        },
      ],
      concurrency: 4,
    });
    const all = result?.byShots.find((b) => b.shots === 'all');
    const lcl = wilsonInterval(all?.lcl.correct ?? 0, all?.lcl.n ?? 0);
    expect(lcl?.low).toBeLessThanOrEqual(0.5);
    expect(lcl?.high).toBeGreaterThanOrEqual(0.5);
    expect(all?.score?.low).toBeLessThanOrEqual(0.5);
    expect(all?.score?.high).toBeGreaterThanOrEqual(0.5);
  }, 240_000);
});
