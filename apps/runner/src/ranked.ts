import {
  DEFAULT_SCORER,
  type Episode,
  type PolicyCounts,
  type RankedScore,
  rankedScore,
  scoreEpisode,
  verdictOf,
} from '@linkboard/core';
import {
  RANKED_HALF_WIDTH,
  type RankedDraw,
  rankedFamiliarOf,
  rankedImageStore,
  rankedPerPolicy,
} from '@linkboard/datasets';
import { builtinAdapter } from './adapters/builtin';
import { ImageEncoder } from './adapters/encode';
import type { Adapter } from './adapters/types';
import { STATEFUL_PROTOTYPE } from './baselines';
import { inPool } from './eval/pool';

/**
 * Rendered images of a ranked draw, kept only while the episodes in flight need them: each image
 * belongs to one episode, so a small window (the episodes in flight, every model asked in turn)
 * is all that is worth keeping, and a whole run is never held in memory.
 */
export function rankedImages(draw: Pick<RankedDraw, 'images'>, window = 512) {
  const render = rankedImageStore(draw);
  const kept = new Map<string, Promise<Buffer>>();
  return {
    read(imageId: string): Promise<Buffer> {
      let bytes = kept.get(imageId);
      if (!bytes) {
        bytes = render.read(imageId);
        kept.set(imageId, bytes);
        // A Map iterates in insertion order: the first key is the oldest.
        if (kept.size > window) kept.delete(kept.keys().next().value as string);
        bytes.catch(() => kept.delete(imageId));
      }
      return bytes;
    },
  };
}

export { RANKED_HALF_WIDTH, rankedPerPolicy };

/** An encoder for a ranked draw's images: rendered on demand, none kept by the encoder. */
export const rankedEncoder = (draw: Pick<RankedDraw, 'images'>, maxSide?: number) =>
  new ImageEncoder(rankedImages(draw), { images: [] }, maxSide, false);

/**
 * stateful-prototype warmed on an earlier draw, and an encoder over both draws for every other
 * model of the run: what an endpoint that saw an earlier run remembers when it meets this one.
 */
export async function warmedOn(
  earlier: Pick<RankedDraw, 'images' | 'episodes'>,
  draw: Pick<RankedDraw, 'images'>,
) {
  // One encoder over both draws, so that the warm model keeps its state from one to the other.
  const encoder = rankedEncoder({ images: new Map([...earlier.images, ...draw.images]) });
  const warm = builtinAdapter(STATEFUL_PROTOTYPE, encoder, rankedFamiliarOf);
  await runRanked({
    episodes: earlier.episodes,
    models: [{ name: 'warm-up', adapter: warm }],
    concurrency: 4,
  });
  return { encoder, warm };
}

/** One model's result on a ranked draw. */
export interface RankedResult {
  name: string;
  /** Per shot count and overall ("all"). */
  byShots: {
    shots: number | 'all';
    lcl: PolicyCounts;
    flip: PolicyCounts;
    score: RankedScore | null;
  }[];
  answered: number;
}

/**
 * Runs each model on every episode of a ranked draw, episode by episode (every model asked in
 * turn, so each image is rendered once for all of them), scoring with the default scorer.
 */
export async function runRanked(options: {
  episodes: readonly Episode[];
  models: readonly { name: string; adapter: Adapter }[];
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<RankedResult[]> {
  const counts = options.models.map(() => new Map<string, PolicyCounts>());
  const answered = options.models.map(() => 0);
  let done = 0;
  await inPool(options.episodes, { concurrency: options.concurrency }, async (episode) => {
    for (const [m, model] of options.models.entries()) {
      const { answer } = await model.adapter.answer(episode);
      if (answer !== null) answered[m] = (answered[m] ?? 0) + 1;
      const correct = verdictOf(scoreEpisode(episode, answer), DEFAULT_SCORER).correct;
      for (const shots of [episode.shots, 'all']) {
        const key = `${shots}|${episode.policy}`;
        const c = counts[m]?.get(key) ?? { correct: 0, n: 0 };
        counts[m]?.set(key, { correct: c.correct + (correct ? 1 : 0), n: c.n + 1 });
      }
    }
    options.onProgress?.(++done, options.episodes.length);
  });
  const shotCounts = [...new Set(options.episodes.map((e) => e.shots))].sort((a, b) => a - b);
  return options.models.map((model, m) => ({
    name: model.name,
    answered: answered[m] ?? 0,
    byShots: [...shotCounts, 'all' as const].map((shots) => {
      const of = (policy: string) => counts[m]?.get(`${shots}|${policy}`) ?? { correct: 0, n: 0 };
      return { shots, lcl: of('lcl'), flip: of('flip'), score: rankedScore(of('lcl'), of('flip')) };
    }),
  }));
}
