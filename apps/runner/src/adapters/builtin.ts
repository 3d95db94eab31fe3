import {
  createBaseline,
  type FamiliarOf,
  FeatureCache,
  type ReferenceModelName,
} from '../baselines';
import { readModelInput } from '../baselines/request';
import { type ImageEncoder, toChatMessages } from './encode';
import type { Adapter, ModelAnswer, ModelEpisode } from './types';

/**
 * The baselines in-process (and the stateful cheat, for the exposure test: its state then lasts
 * as long as the adapter). The episode goes through the same chat encoding and request reading
 * as over HTTP to the reference server, so both paths give the same answers.
 */
export function builtinAdapter(
  name: ReferenceModelName,
  encoder: ImageEncoder,
  familiarOf: FamiliarOf,
): Adapter {
  const baseline = createBaseline(name, familiarOf, new FeatureCache());
  return {
    label: `builtin:${name}`,
    async answer(episode: ModelEpisode): Promise<ModelAnswer> {
      const started = performance.now();
      const input = readModelInput(await toChatMessages(episode, encoder));
      const answer = await baseline.answer(input);
      return { answer, attempts: 1, latencyMs: performance.now() - started };
    },
  };
}

/** Which label of a pair is the familiar one, from the benchmarks a process knows. */
export function familiarFromPairs(
  pairs: readonly { novel: { name: string }; familiar: { name: string } }[],
): FamiliarOf {
  const familiar = new Set(pairs.map((p) => p.familiar.name));
  return (candidates) => candidates.find((c) => familiar.has(c));
}
