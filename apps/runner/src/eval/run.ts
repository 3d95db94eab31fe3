import { setMaxListeners } from 'node:events';
import {
  type BenchmarkIndex,
  buildEpisodes,
  type Episode,
  type EpisodeSetSpec,
  type ScorerVerdict,
  scoreEpisode,
} from '@linkboard/core';
import type { Adapter, ModelAnswer } from '../adapters/types';
import { inPool } from './pool';

export interface EpisodeResult {
  episode: Episode;
  result: ModelAnswer;
  /** The verdict of every registered scorer: raw answers are kept, so any can be reported later. */
  verdicts: ScorerVerdict[];
}

export interface RunOptions {
  /** The episodes to run: a benchmark's, built from its index, or a ranked draw's as drawn. */
  episodes: { index: BenchmarkIndex; spec: EpisodeSetSpec } | readonly Episode[];
  adapter: Adapter;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Runs every episode through the adapter, at most `concurrency` at a time, in episode order. */
export async function runEvaluation(options: RunOptions): Promise<EpisodeResult[]> {
  // Every request in flight listens to the signal: that many listeners is the design, not a leak.
  if (options.signal) setMaxListeners(options.concurrency + 16, options.signal);
  const episodes =
    'index' in options.episodes
      ? [...buildEpisodes(options.episodes.index, options.episodes.spec)]
      : options.episodes;
  const results = new Array<EpisodeResult>(episodes.length);
  let done = 0;
  await inPool(
    episodes,
    { concurrency: options.concurrency, stop: () => options.signal?.aborted === true },
    async (episode, i) => {
      const result = await options.adapter.answer(episode, options.signal);
      results[i] = { episode, result, verdicts: scoreEpisode(episode, result.answer) };
      options.onProgress?.(++done, episodes.length);
    },
  );
  return results.filter(Boolean);
}
