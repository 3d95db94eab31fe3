import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Prng } from '@linkboard/core';
import { imageFeatures, squaredDistance } from './features';
import { type QueryOnlyWeights, showsPublicTrait } from './query-only';
import type { ModelInput } from './request';

export const BUILTIN_MODELS = ['random', 'always-familiar', 'prototype'] as const;
export type BuiltinName = (typeof BUILTIN_MODELS)[number];

/**
 * The planted cheat of the exposure check (core's `exposureCheck`): a prototype learner that keeps
 * what it was shown across requests. Served by the reference server only, a long-running process
 * whose state outlives episodes and jobs, as a cheating endpoint's would; never a `builtin`
 * adapter name (a job's in-process adapter is made afresh per job) and never ranked (core's
 * `NEVER_RANKED_REFERENCE_MODELS`).
 */
export const STATEFUL_PROTOTYPE = 'stateful-prototype' as const;

/**
 * A reference model that answers from a public answer key (query image hash → label, from the
 * public benchmarks the server knows): perfect where the key applies, a guess elsewhere. On a
 * ranked draw no image is in any key, so it shows what looking answers up is worth there. Served
 * by the reference server only, never ranked.
 */
export const LOOKUP = 'lookup' as const;

/** The adversary that answers from the query image and the names alone (see query-only.ts). */
export const QUERY_ONLY = 'query-only' as const;

/** Query image hash → the label its public benchmark gives it. */
export type AnswerKey = ReadonlyMap<string, string>;

/** What the reference server serves: the baselines, the planted cheat and the lookup. */
export const REFERENCE_MODELS = [
  ...BUILTIN_MODELS,
  STATEFUL_PROTOTYPE,
  LOOKUP,
  QUERY_ONLY,
] as const;

/** Models `linkboard eval` runs in-process: the baselines and the query-only adversary. */
export const EVAL_MODELS = [...BUILTIN_MODELS, QUERY_ONLY] as const;

let queryOnlyWeights: QueryOnlyWeights | undefined;
/** The query-only model's weights, read once (scripts/train-query-only.ts writes them). */
function loadQueryOnlyWeights(): QueryOnlyWeights {
  queryOnlyWeights ??= JSON.parse(
    readFileSync(new URL('./query-only-weights.json', import.meta.url), 'utf8'),
  ) as QueryOnlyWeights;
  return queryOnlyWeights;
}
export type ReferenceModelName = (typeof REFERENCE_MODELS)[number];

export function isReferenceModel(value: string): value is ReferenceModelName {
  return (REFERENCE_MODELS as readonly string[]).includes(value);
}

/** What to say of a name that is not a built-in baseline. */
export const unknownBuiltin = (name: string) =>
  `unknown built-in baseline "${name}"; choose ${BUILTIN_MODELS.join(', ')}`;

export function isBuiltinName(value: string): value is BuiltinName {
  return (BUILTIN_MODELS as readonly string[]).includes(value);
}

/** Says which of two labels is the familiar concept, when the benchmark knows it. */
export type FamiliarOf = (candidates: readonly string[]) => string | undefined;

export interface Baseline {
  name: ReferenceModelName;
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

/** Nearest of the candidate labels' means to the query's features; null when a candidate has none. */
function nearestMean(
  q: Float64Array,
  candidates: readonly string[],
  means: (label: string) => Float64Array | undefined,
): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const label of candidates) {
    const mean = means(label);
    if (!mean) return null;
    const d = squaredDistance(q, mean);
    if (d < bestDistance) {
      bestDistance = d;
      best = label;
    }
  }
  return best;
}

/**
 * The cheat: a running class mean, keyed by label text, of every distinct support image any
 * request has shown, answered by the nearest mean among the episode's two candidates. Every
 * episode of a pair draws on the same few dozen support images, so after enough requests its means
 * are those of the whole pool, far better than an episode's 1 to 8 images per class.
 */
function statefulPrototype(cache: FeatureCache): Baseline {
  const classes = new Map<string, { sum: Float64Array; n: number; seen: Set<string> }>();
  const name = STATEFUL_PROTOTYPE;
  return {
    name,
    async answer(input) {
      for (const { image, label } of input.support) {
        const key = createHash('sha256').update(image).digest('hex');
        const f = await cache.get(image);
        const entry = classes.get(label) ?? {
          sum: new Float64Array(f.length),
          n: 0,
          seen: new Set<string>(),
        };
        classes.set(label, entry);
        if (entry.seen.has(key)) continue;
        entry.seen.add(key);
        for (let i = 0; i < f.length; i++)
          entry.sum[i] = (entry.sum[i] as number) + (f[i] as number);
        entry.n++;
      }
      const q = await cache.get(input.query);
      const best =
        input.candidates.length === 2
          ? nearestMean(q, input.candidates, (label) => {
              const entry = classes.get(label);
              return entry && entry.n > 0 ? entry.sum.map((x) => x / entry.n) : undefined;
            })
          : null;
      // A label it has never been shown (zero-shot): like prototype, it can only guess.
      return say(best ?? randomCandidate(input, name));
    },
  };
}

/** The answer key of public benchmarks: each query image's label, by its hash (the image id). */
export function answerKeyOf(
  manifests: readonly {
    benchmark: { split?: string };
    pairs: readonly {
      novel: { id: string; name: string };
      familiar: { id: string; name: string };
    }[];
    images: readonly { id: string; concept: string; role: string }[];
  }[],
): AnswerKey {
  const key = new Map<string, string>();
  for (const manifest of manifests) {
    if (manifest.benchmark.split === 'hidden') continue;
    const names = new Map(
      manifest.pairs.flatMap((p) => [
        [p.novel.id, p.novel.name],
        [p.familiar.id, p.familiar.name],
      ]),
    );
    for (const image of manifest.images)
      if (image.role === 'query' && names.has(image.concept))
        key.set(image.id, names.get(image.concept) as string);
  }
  return key;
}

export function createBaseline(
  name: ReferenceModelName,
  familiarOf: FamiliarOf,
  cache = new FeatureCache(),
  answerKey: AnswerKey = new Map(),
): Baseline {
  switch (name) {
    case QUERY_ONLY:
      return {
        name,
        // The familiar name says which base it is; the query image alone, whether the object
        // carries the trait the public catalog pairs with that base. The demonstrations: unread.
        async answer(input) {
          const familiar = familiarOf(input.candidates);
          const novel = input.candidates.find((c) => c !== familiar);
          if (!familiar || !novel) return say(randomCandidate(input, QUERY_ONLY));
          const traited = showsPublicTrait(
            loadQueryOnlyWeights(),
            familiar,
            await cache.get(input.query),
          );
          return say(
            traited === null ? randomCandidate(input, QUERY_ONLY) : traited ? novel : familiar,
          );
        },
      };
    case LOOKUP:
      return {
        name,
        async answer(input) {
          const label = answerKey.get(createHash('sha256').update(input.query).digest('hex'));
          return say(
            label && input.candidates.includes(label) ? label : randomCandidate(input, LOOKUP),
          );
        },
      };
    case STATEFUL_PROTOTYPE:
      return statefulPrototype(cache);
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
