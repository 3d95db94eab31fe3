import { z } from 'zod';
import { PricesSchema } from './cost';
import type { Episode } from './episode';
import { isErrorClass } from './error-class';
import { oneLine } from './external-text';
import { type ImageEntry, ImageSchema, type Manifest } from './manifest';
import { storedAnswer } from './predictions';
import { ProvenanceFactsSchema } from './provenance';
import { isRankedDraw } from './ranked-draw';
import { PreflightFactsSchema, ServedBySchema } from './run-facts';

/**
 * The site's runner API (version 1): how a runner on a host without database credentials takes
 * part in the queue. Every call names a job by id and presents its lease token, exactly as a
 * runner on the database does, so the guarantees are the same: one holder per job, writes refused
 * once the lease is lost, results idempotent per episode. The site validates with these schemas
 * and the runner parses the replies with them.
 */
const BASE = '/api/v1/runner';
export const RUNNER_API = {
  base: BASE,
  claim: `${BASE}/claim`,
  wait: `${BASE}/wait`,
  job: (jobId: number, step: RunnerJobStep | RunnerPreparedStep) => `${BASE}/jobs/${jobId}/${step}`,
  manifest: (benchmarkVersionId: number) => `${BASE}/benchmarks/${benchmarkVersionId}/manifest`,
  image: (imageId: string) => `${BASE}/images/${imageId}`,
} as const;

export const RUNNER_JOB_STEPS = [
  'start',
  'heartbeat',
  'results',
  'provenance',
  'complete',
  'fail',
  'release',
  'preflight',
  'served-by',
  'spent',
] as const;
export type RunnerJobStep = (typeof RUNNER_JOB_STEPS)[number];

/**
 * The steps of a prepared job (see `JobStartReplySchema.prepared`), under the lease like the
 * others: its episodes as the model is asked them (`JobEpisodesReplySchema`), and the bytes of one
 * image they show (`JobImageBodySchema`).
 */
export const RUNNER_PREPARED_STEPS = ['episodes', 'image'] as const;
export type RunnerPreparedStep = (typeof RUNNER_PREPARED_STEPS)[number];

/** How long a lease may be asked for: long enough for a round trip, short enough to recover. */
const leaseMs = z.number().int().min(500).max(600_000);
/** C0 controls and DEL but tab, line feed and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** What a runner sends as one line (core's `oneLine`: no NUL or other control character). */
const shortText = (max: number) => oneLine(max, { trim: false }).min(1);

export const RunnerLeaseSchema = z.object({
  jobId: z.number().int(),
  token: z.string(),
  submissionId: z.number().int(),
  owner: z.string(),
  firstEpisode: z.number().int(),
  episodeCount: z.number().int(),
  attempts: z.number().int(),
  progressDone: z.number().int(),
});

export const ClaimBodySchema = z.object({
  /** The runner process (host:pid); the site prefixes the token's name. */
  worker: shortText(200),
  leaseMs,
  excludeAdapters: z.array(shortText(32)).max(8).default([]),
  onlyAdapters: z.array(shortText(32)).max(8).default([]),
  excludeOwners: z
    .array(oneLine(200, { trim: false }))
    .max(1000)
    .default([]),
});
export type ClaimBody = z.input<typeof ClaimBodySchema>;
export const ClaimReplySchema = z.object({
  lease: RunnerLeaseSchema.nullable(),
  /** Where a wait after this claim starts from: work announced since is not slept through. */
  waitFrom: z.string().max(100).optional(),
});

/**
 * A long poll: the site holds the request until the queue announces work (a new submission, a
 * job given back) or `waitMs` passes, as a runner on the database LISTENs. Work starts as soon as
 * it is there, and an idle runner costs a request per wait, not a poll a second.
 */
export const WaitBodySchema = z.object({
  waitMs: z.number().int().min(0).max(25_000),
  /** The `waitFrom` of the claim that found nothing. */
  after: oneLine(100, { trim: false }).optional(),
});

const leaseToken = z.object({ token: shortText(64) });
export const LeaseBodySchema = leaseToken;

export const HeartbeatBodySchema = leaseToken.extend({ leaseMs, runInfo: z.unknown().optional() });

const JobBenchmarkSchema = z.object({
  name: z.string(),
  version: z.string(),
  manifestHash: z.string(),
  rankedDraw: z.boolean(),
});
export type JobBenchmark = z.infer<typeof JobBenchmarkSchema>;

/** The benchmark facts a job's provenance records, as both kinds of runner read them. */
export const jobBenchmarkOf = (
  manifest: Pick<Manifest, 'benchmark' | 'manifestHash' | 'origin'>,
): JobBenchmark => ({
  name: manifest.benchmark.name,
  version: manifest.benchmark.version,
  manifestHash: manifest.manifestHash,
  rankedDraw: isRankedDraw(manifest),
});

/** What a runner needs to run its job: the submission (never its key) and what is answered. */
export const JobStartReplySchema = z.object({
  submission: z.object({
    id: z.number().int(),
    benchmarkVersionId: z.number().int(),
    adapter: z.string(),
    adapterConfig: z.unknown(),
    shots: z.array(z.number().int()),
    policies: z.array(z.string()),
    draws: z.number().int(),
    /** The send order's seed (core's `episodeOrder`); null: the fixed order (older submissions). */
    orderSeed: z.number().int().nullable().optional(),
    /** Absent from older sites, which know no preflight: none is sent. */
    preflightPassed: z.boolean().default(true),
    prices: PricesSchema.nullable().default(null),
    maxCostUsd: z.number().min(0).nullable().default(null),
  }),
  /** Episodes of the job with a kept answer; errored ones were cleared, to be asked again. */
  answered: z.array(z.string()),
  /**
   * What the run's provenance names (the manifest's own facts; a ranked draw's hash commits to
   * its labels without giving them). Absent from sites older than the `episodes` step.
   */
  benchmark: JobBenchmarkSchema.optional(),
  /**
   * The job's episodes come prepared from its `episodes` step and its images from its `image`
   * step: a ranked run's manifest labels every query, so it never leaves the site. Otherwise the
   * runner builds them from the version's manifest, as before.
   */
  prepared: z.boolean().default(false),
});
export type JobStartReply = z.infer<typeof JobStartReplySchema>;

const imageId = ImageSchema.shape.id;
const ContentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().max(100_000) }),
  z.object({ type: z.literal('image'), imageId }),
]);

/**
 * An episode as the model is asked it, and nothing more: its id (the answer is posted under it),
 * its shot count and its rendered prompt (messages of text and image-id parts, and the same as
 * flat text). No query label, no other name, no query class, concept, pair, policy or demo hash:
 * the prompt's text already holds every name the model sees, and the rest would give an answer
 * away. See `preparedEpisode`.
 */
export type PreparedEpisode = Pick<Episode, 'id' | 'shots' | 'prompt'>;
export const PreparedEpisodeSchema: z.ZodType<PreparedEpisode> = z.object({
  id: shortText(200),
  shots: z.number().int().min(0).max(1000),
  prompt: z.object({
    messages: z
      .array(
        z.object({
          role: z.enum(['system', 'user', 'assistant']),
          content: z.array(ContentPartSchema).max(1000),
        }),
      )
      .min(1)
      .max(1000),
    text: z.string().max(1_000_000),
  }),
});

/** Only what the model is sent: built field by field, so that nothing else of an episode goes. */
export function preparedEpisode(episode: Episode): PreparedEpisode {
  return {
    id: episode.id,
    shots: episode.shots,
    prompt: {
      messages: episode.prompt.messages.map((m) => ({
        role: m.role,
        content: m.content.map((part) =>
          part.type === 'text'
            ? { type: 'text', text: part.text }
            : { type: 'image', imageId: part.imageId },
        ),
      })),
      text: episode.prompt.text,
    },
  };
}

/** An image a prepared episode shows: its id and the media type it is sent to the model as. */
export type PreparedImage = Pick<ImageEntry, 'id' | 'mediaType'>;
export const PreparedImageSchema = ImageSchema.pick({ id: true, mediaType: true });

/** The job's slice of episodes, prepared (its `episodes` step), and the images they show. */
export const JobEpisodesReplySchema = z.object({
  episodes: z.array(PreparedEpisodeSchema),
  images: z.array(PreparedImageSchema),
});
export type JobEpisodesReply = z.infer<typeof JobEpisodesReplySchema>;

/**
 * One image of the job's episodes (its `image` step): the bytes, with the media type as the
 * content type. Only ids the job's own episodes show are served, so a lease cannot walk another
 * run's draw.
 */
export const JobImageBodySchema = leaseToken.extend({ imageId });

/**
 * What is kept of a raw answer: exactly what the endpoint adapters keep of a model's reply (the
 * runner's, core's `storedAnswer`): at most MAX_ANSWER_CHARS (the one cap, as for uploads), the rest cut
 * off and the answer marked truncated, NUL (which PostgreSQL text cannot hold) replaced. A runner
 * of this repository has kept no more before sending; one that sends more gets the same cut, not a
 * longer stored answer.
 */
function keptAnswer<A extends { rawAnswer: string | null; answerTruncated?: boolean }>(
  answer: A,
): A {
  if (answer.rawAnswer === null) return answer;
  const kept = storedAnswer(answer.rawAnswer);
  return kept.truncated
    ? { ...answer, rawAnswer: kept.answer, answerTruncated: true }
    : { ...answer, rawAnswer: kept.answer };
}

/**
 * One answer as the runner got it: the site scores it, so a runner never decides a verdict. Its
 * `rawAnswer` is kept as the endpoint path keeps one (`keptAnswer`: truncated to MAX_ANSWER_CHARS,
 * `answerTruncated` set); the 1,000,000 characters are only what one request may carry.
 */
export const RawAnswerSchema = z
  .object({
    episodeId: shortText(200),
    rawAnswer: z.string().max(1_000_000).nullable(),
    answerTruncated: z.boolean().optional(),
    reasoning: z.boolean().optional(),
    errorClass: z
      .string()
      .refine(isErrorClass, { message: 'not one of the error classes core knows' })
      .nullable()
      .optional(),
    latencyMs: z.number().min(0).optional(),
    promptTokens: z.number().int().min(0).optional(),
    completionTokens: z.number().int().min(0).optional(),
    attempts: z.number().int().min(1).max(1000).optional(),
    /** When the request was sent, in milliseconds since the epoch (2000 to 2100): the exposure order. */
    sentAt: z.number().int().min(946_684_800_000).max(4_102_444_800_000).optional(),
  })
  .transform(keptAnswer);
export type RawAnswer = z.input<typeof RawAnswerSchema>;

export const ResultsBodySchema = leaseToken.extend({
  answers: z.array(RawAnswerSchema).min(1).max(2000),
});
export const ResultsReplySchema = z.object({ written: z.number().int() });

/**
 * A job's provenance (core's `ProvenanceFactsSchema`, strict): a field of the wrong type or a key
 * it does not know is refused with the field named, and so are the platform's own fields
 * (`runnerToken`, `reasoningAnswers`), which no runner may set.
 *
 * Of what parses, the site keeps only what describes the runner itself: `runner` (its version,
 * commit, host and Node.js) and what its adapter observed (an endpoint adapter's pinned `address`,
 * a served model's `gpus`). Everything the platform knows of the job (benchmark, shots, policies,
 * draws, scorers, episode seed, the adapter and its configured endpoint, model, profile,
 * generation settings and image size) is filled from its own record of the job, whatever the body
 * says; a body whose `adapter` is not the submission's is refused, naming `facts.adapter`.
 */
export const ProvenanceBodySchema = leaseToken.extend({ facts: ProvenanceFactsSchema });

export const FailBodySchema = leaseToken.extend({
  // Often quotes an endpoint's reply: control characters are replaced (as in a kept answer),
  // not refused, or a runner could never report the failure and its job would hang on its lease.
  error: z
    .string()
    .max(4000)
    .transform((text) => text.replace(CONTROL_BUT_LINES, '\uFFFD')),
  errorClass: z
    .string()
    .refine(isErrorClass, { message: 'not one of the error classes core knows' }),
});
/** The preflight passed (`preflight` step): its facts, checked as the database checks them. */
export const PreflightBodySchema = leaseToken.extend({ facts: PreflightFactsSchema });
/** What answered the job's requests so far (`served-by` step), added to the run's tally. */
export const ServedByBodySchema = leaseToken.extend({ servedBy: ServedBySchema });
/** The tokens the run's stored answers used (`spent` step), for its cost cap. */
export const SpentReplySchema = z.object({
  promptTokens: z.number().min(0),
  completionTokens: z.number().min(0),
});

export const FailReplySchema = z.object({ willRetry: z.boolean() });
export const CompleteReplySchema = z.object({ submissionDone: z.boolean() });
export const OkReplySchema = z.object({ ok: z.literal(true) });

/**
 * Error codes a runner acts on (beside the usual HTTP ones): the lease is gone, or the job cannot
 * complete yet because some of its episodes have no stored result.
 */
export const RUNNER_API_ERRORS = {
  leaseLost: 'LEASE_LOST',
  incomplete: 'RESULTS_INCOMPLETE',
} as const;
