/**
 * What drawing every ranked run fresh costs. (1) A 16-shot ranked episode, its 17 images
 * rendered on demand and encoded into a chat request, beside a 16-shot episode of a stored
 * benchmark (isekai-synth v3, the same renderer) encoded from its image files, in the same run.
 * (2) The CPU seconds of the three baselines that `npm start` runs, on a draw of the default size
 * (a ±2-point interval on the score): every image rendered once and every baseline asked.
 */

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEpisodes, DEFAULT_RANKED_SETTING, drawSeed, indexBenchmark } from '@linkboard/core';
import { printFigure } from '@linkboard/core/testing';
import {
  drawRanked,
  generateSynth,
  loadDataset,
  rankedFamiliarOf,
  writeDataset,
} from '@linkboard/datasets';
import { builtinAdapter } from '../src/adapters/builtin';
import { ImageEncoder, toChatMessages } from '../src/adapters/encode';
import { BUILTIN_MODELS } from '../src/baselines';
import { rankedEncoder, rankedPerPolicy, runRanked } from '../src/ranked';
import { benchEnv } from './env';
import { Cleanup } from './harness';

const quick = benchEnv.quick;
const KEY = 'b3'.repeat(32);
const EPISODES = quick ? 10 : 40;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

// (1) One 16-shot episode at a time, each request built from nothing kept.
const draw = drawRanked({ seed: drawSeed(KEY, 'bench'), shots: [16], perPolicy: EPISODES / 2 });
const rankedMs: number[] = [];
for (const episode of draw.episodes) {
  const started = performance.now();
  await toChatMessages(episode, rankedEncoder(draw));
  rankedMs.push(performance.now() - started);
}
// The folder goes however the bench ends (see Cleanup).
const cleanup = new Cleanup();
const dir = cleanup.dir(await mkdtemp(path.join(tmpdir(), 'linkboard-ranked-bench-')));
try {
  await writeDataset(
    path.join(dir, 'v3'),
    await generateSynth({ version: 3, pairs: 4, perConcept: 12, queriesPerConcept: 2 }),
  );
  const stored = await loadDataset(path.join(dir, 'v3'));
  const index = indexBenchmark(stored.manifest);
  const publicEpisodes = [
    ...buildEpisodes(index, { shots: [16], policies: ['lcl'], draws: EPISODES }),
  ].slice(0, EPISODES);
  const storedMs: number[] = [];
  for (const episode of publicEpisodes) {
    const started = performance.now();
    // A fresh encoder each time: the files are read and encoded, as a first request would.
    await toChatMessages(episode, new ImageEncoder(stored.store, stored.manifest));
    storedMs.push(performance.now() - started);
  }
  const [r, s] = [median(rankedMs), median(storedMs)];
  // A 16-shot episode into a chat request, each built from nothing kept.
  printFigure('stored_16_shot_request_ms', s, {
    baseline: true,
    sizes: { episodes: EPISODES, images: 17 },
    extra: { images_from: 'files' },
  });
  printFigure('ranked_16_shot_request_ms', r, {
    sizes: { episodes: EPISODES, images: 17 },
    extra: { images_from: 'renderer', vs_stored: (r / s).toFixed(1) },
  });
} finally {
  await cleanup.run();
}

// (2) npm start's ranked baselines on a default-size draw (quick: a quarter of it).
const shots = DEFAULT_RANKED_SETTING.shots;
const perPolicy = Math.ceil(rankedPerPolicy(shots.length) / (quick ? 4 : 1));
const full = drawRanked({ seed: drawSeed(KEY, 'bench baselines'), shots, perPolicy });
const encoder = rankedEncoder(full);
const cpu = process.cpuUsage();
const wall = performance.now();
const results = await runRanked({
  episodes: full.episodes,
  models: BUILTIN_MODELS.map((name) => ({
    name,
    adapter: builtinAdapter(name, encoder, rankedFamiliarOf),
  })),
  concurrency: 4,
});
const used = process.cpuUsage(cpu);
const scores = results
  .map((m) => {
    const all = m.byShots.find((b) => b.shots === 'all')?.score;
    return `${m.name}:${(100 * (all?.score ?? 0)).toFixed(1)}[${(100 * (all?.low ?? 0)).toFixed(1)},${(100 * (all?.high ?? 0)).toFixed(1)}]`;
  })
  .join(';');
// npm start's ranked baselines (every image rendered once, every baseline asked).
const sizes = {
  episodes: full.episodes.length,
  per_shots_and_policy: perPolicy,
  draw: quick ? 'quarter_of_default' : 'default',
};
printFigure('ranked_baselines_cpu_s', (used.user + used.system) / 1e6, {
  sizes,
  extra: { baselines: BUILTIN_MODELS.join(',') },
});
printFigure('ranked_baselines_wall_s', (performance.now() - wall) / 1000, {
  sizes,
  extra: { scores },
});
