import { createHash } from 'node:crypto';
import { Prng } from '@linkboard/core';
import { imageFeatures, squaredDistance } from './features';
import type { ModelInput } from './request';

export const BUILTIN_MODELS = ['random', 'always-familiar', 'prototype'] as const;
export type BuiltinName = (typeof BUILTIN_MODELS)[number];

/** What to say of a name that is not a built-in baseline. */
export const unknownBuiltin = (name: string) =>
  `unknown built-in baseline "${name}"; choose ${BUILTIN_MODELS.join(', ')}`;

export function isBuiltinName(value: string): value is BuiltinName {
  return (BUILTIN_MODELS as readonly string[]).includes(value);
}

/** Says which of two labels is the familiar concept, when the benchmark knows it. */
export type FamiliarOf = (candidates: readonly string[]) => string | undefined;

export interface Baseline {
  name: BuiltinName;
  answer(input: ModelInput): Promise<string>;
}

/** The `lcl` answer form: what a model that follows the demonstrations would say. */
const say = (label: string) => `there is "${label}" in the image.`;

function randomCandidate(input: ModelInput, salt: string): string {
  if (input.candidates.length === 0) return "I don't know.";
  const rng = Prng.fromKey(`${salt}|${input.fingerprint}`);
  return input.candidates[rng.nextInt(input.candidates.length)] as string;
}

/** Features are cached by image hash: an evaluation shows the same support images many times. */
export class FeatureCache {
  private readonly cache = new Map<string, Promise<Float64Array>>();
  constructor(private readonly limit = 20_000) {}

  get(bytes: Uint8Array): Promise<Float64Array> {
    const key = createHash('sha256').update(bytes).digest('hex');
    let features = this.cache.get(key);
    if (!features) {
      if (this.cache.size >= this.limit) this.cache.clear();
      features = imageFeatures(bytes);
      this.cache.set(key, features);
    }
    return features;
  }
}

export function createBaseline(
  name: BuiltinName,
  familiarOf: FamiliarOf,
  cache = new FeatureCache(),
): Baseline {
  switch (name) {
    case 'random':
      return { name, answer: async (input) => say(randomCandidate(input, 'random')) };
    case 'always-familiar':
      return {
        name,
        // The prior override of the paper's vanilla models: name the concept you already know.
        answer: async (input) =>
          say(familiarOf(input.candidates) ?? randomCandidate(input, 'always-familiar')),
      };
    case 'prototype':
      return {
        name,
        // Nearest class mean over the episode's own support images: a real few-shot learner
        // that knows nothing but pixels. Without demonstrations it can only guess.
        async answer(input) {
          const sums = new Map<string, { sum: Float64Array; n: number }>();
          for (const { image, label } of input.support) {
            const f = await cache.get(image);
            const entry = sums.get(label) ?? { sum: new Float64Array(f.length), n: 0 };
            for (let i = 0; i < f.length; i++)
              entry.sum[i] = (entry.sum[i] as number) + (f[i] as number);
            entry.n++;
            sums.set(label, entry);
          }
          if (sums.size < 2) return say(randomCandidate(input, 'prototype'));
          const q = await cache.get(input.query);
          let best = '';
          let bestDistance = Number.POSITIVE_INFINITY;
          for (const [label, { sum, n }] of sums) {
            const d = squaredDistance(
              q,
              sum.map((x) => x / n),
            );
            if (d < bestDistance) {
              bestDistance = d;
              best = label;
            }
          }
          return say(best);
        },
      };
  }
}
