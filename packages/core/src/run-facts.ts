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

/**
 * One name a reply gave (a model, a fingerprint) and how many answers gave it. A list, not an
 * object keyed by the name: the names come from the endpoint, and one such as `__proto__` or
 * `prototype` must stay a name, not become a property of the object holding it.
 */
const TallyEntrySchema = z.strictObject({ name, answers: count });
export type TallyEntry = z.infer<typeof TallyEntrySchema>;

const tally = z
  .array(TallyEntrySchema)
  .max(SERVED_BY_MAX_KEYS, { message: `at most ${SERVED_BY_MAX_KEYS} distinct values` })
  .refine((entries) => new Set(entries.map((e) => e.name)).size === entries.length, {
    message: 'each name once',
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

/** A tally being counted (a Map: any name is a key), and the list it is stored as. */
export class ServedByTally {
  readonly models = new Map<string, number>();
  readonly fingerprints = new Map<string, number>();
  constructor(public engine: ServedBy['engine'] = null) {}

  /** Counts entries into one of the maps, up to SERVED_BY_MAX_KEYS distinct names. */
  private static add(into: Map<string, number>, name: string, answers: number) {
    const key = name.slice(0, 200);
    if (!into.has(key) && into.size >= SERVED_BY_MAX_KEYS) return;
    into.set(key, (into.get(key) ?? 0) + answers);
  }

  /** One reply's names. */
  note(reply: { model?: string | null; fingerprint?: string | null }): void {
    if (reply.model) ServedByTally.add(this.models, reply.model, 1);
    if (reply.fingerprint) ServedByTally.add(this.fingerprints, reply.fingerprint, 1);
  }

  /** A stored tally added in (another job's, or the run's so far). */
  merge(other: ServedBy | null): this {
    if (!other) return this;
    for (const e of other.models) ServedByTally.add(this.models, e.name, e.answers);
    for (const e of other.fingerprints) ServedByTally.add(this.fingerprints, e.name, e.answers);
    this.engine ??= other.engine;
    return this;
  }

  get empty(): boolean {
    return this.models.size === 0 && this.fingerprints.size === 0 && this.engine === null;
  }

  toJSON(): ServedBy {
    const list = (m: Map<string, number>) =>
      [...m].map(([entryName, answers]) => ({ name: entryName, answers }));
    return {
      models: list(this.models),
      fingerprints: list(this.fingerprints),
      engine: this.engine,
    };
  }
}

/** Two tallies as one (a run's jobs each record theirs); the later engine wins where both say. */
export function mergeServedBy(a: ServedBy | null, b: ServedBy | null): ServedBy {
  return new ServedByTally(b?.engine ?? a?.engine ?? null).merge(a).merge(b).toJSON();
}
