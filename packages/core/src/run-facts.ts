import { z } from 'zod';
import { DEFAULT_POLICY, POLICIES, type PolicyName, type RenderedPrompt } from './policy';

/**
 * What a run learns of its endpoint as it goes, beside its answers: the preflight that let it
 * start, and what answered (the model and fingerprint each reply named, a served engine's
 * version). Checked on every path that stores them, the runner API's included, where a runner
 * elsewhere sends them.
 */

/** Image ids of the preflight's images: generated, never a benchmark's. */
export const PREFLIGHT_IMAGE_PREFIX = 'preflight-image-';

/**
 * The request a run sends before any episode: the prompt of its largest episode (the shots of its
 * largest shot count and the query, under the run's own policy, so the same turns and as many
 * images) with made-up names and generated images. An endpoint that takes it takes every episode
 * of the run; one that refuses it (vLLM started without a multi-image limit, a context too short)
 * fails the run before any episode is sent, and no episode of a ranked draw is spent on it.
 */
export function preflightPrompt(
  policies: readonly PolicyName[],
  shots: readonly number[],
): { id: string; prompt: RenderedPrompt; images: string[] } {
  // The policy with the most images at the largest shot count: zero-shot shows the query alone.
  const largest = Math.max(0, ...shots);
  const policy =
    policies.find((p) => POLICIES[p].checkShots(largest) === null) ?? policies[0] ?? DEFAULT_POLICY;
  const count = POLICIES[policy].checkShots(largest) === null ? largest : 0;
  const names = ['preflight-alpha', 'preflight-beta'] as const;
  const support = Array.from({ length: count }, (_, i) => ({
    imageId: `${PREFLIGHT_IMAGE_PREFIX}${i}`,
    label: names[i % 2] as string,
  }));
  const query = { imageId: `${PREFLIGHT_IMAGE_PREFIX}${count}` };
  const prompt = POLICIES[policy].render({ support, query, candidates: names });
  return { id: 'preflight', prompt, images: [...support.map((s) => s.imageId), query.imageId] };
}

const count = z.number().int().min(0);
const name = z.string().max(200);

/** The preflight that passed, stored with the submission and shown on its page. */
export const PreflightFactsSchema = z.strictObject({
  images: count,
  latencyMs: z.number().min(0),
  promptTokens: count.nullable(),
  completionTokens: count.nullable(),
  /** The model the reply named (OpenAI's `model`, Anthropic's `model`, Gemini's `modelVersion`). */
  model: name.nullable(),
  fingerprint: name.nullable(),
  at: z.iso.datetime(),
});
export type PreflightFacts = z.infer<typeof PreflightFactsSchema>;

/** Distinct values kept per field: an endpoint that names a new model per reply is itself the finding. */
export const SERVED_BY_MAX_KEYS = 50;

const tally = z.record(name, count).refine((r) => Object.keys(r).length <= SERVED_BY_MAX_KEYS, {
  message: `at most ${SERVED_BY_MAX_KEYS} distinct values`,
});

/**
 * What answered a run: each reply's `model` and `system_fingerprint` (or the provider's
 * equivalent) counted, and the engine a served model ran on. More than one model or fingerprint
 * means the endpoint changed under the run: its result mixes them.
 */
export const ServedBySchema = z.strictObject({
  models: tally,
  fingerprints: tally,
  engine: z.strictObject({ name: name, version: name }).nullable(),
});
export type ServedBy = z.infer<typeof ServedBySchema>;

export const EMPTY_SERVED_BY: ServedBy = Object.freeze({
  models: {},
  fingerprints: {},
  engine: null,
}) as ServedBy;

function addTally(into: Record<string, number>, from: Readonly<Record<string, number>>) {
  for (const [key, n] of Object.entries(from)) {
    if (!(key in into) && Object.keys(into).length >= SERVED_BY_MAX_KEYS) continue;
    into[key] = (into[key] ?? 0) + n;
  }
}

/** Two tallies as one (a run's jobs each record theirs); the later engine wins where both say. */
export function mergeServedBy(a: ServedBy | null, b: ServedBy | null): ServedBy {
  const models: Record<string, number> = {};
  const fingerprints: Record<string, number> = {};
  for (const s of [a, b]) {
    if (!s) continue;
    addTally(models, s.models);
    addTally(fingerprints, s.fingerprints);
  }
  return { models, fingerprints, engine: b?.engine ?? a?.engine ?? null };
}

/** Counts one reply's names into a tally being built (the runner's, as answers arrive). */
export function noteServedBy(
  into: ServedBy,
  reply: { model?: string | null; fingerprint?: string | null },
): void {
  if (reply.model) addTally(into.models, { [reply.model.slice(0, 200)]: 1 });
  if (reply.fingerprint) addTally(into.fingerprints, { [reply.fingerprint.slice(0, 200)]: 1 });
}
