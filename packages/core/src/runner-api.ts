import { z } from 'zod';
import { isErrorClass } from './error-class';

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
  job: (jobId: number, step: RunnerJobStep) => `${BASE}/jobs/${jobId}/${step}`,
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
] as const;
export type RunnerJobStep = (typeof RUNNER_JOB_STEPS)[number];

/** How long a lease may be asked for: long enough for a round trip, short enough to recover. */
const leaseMs = z.number().int().min(500).max(600_000);
const shortText = (max: number) => z.string().min(1).max(max);

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
  excludeOwners: z.array(z.string().max(200)).max(1000).default([]),
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
  after: z.string().max(100).optional(),
});

const leaseToken = z.object({ token: shortText(64) });
export const LeaseBodySchema = leaseToken;

export const HeartbeatBodySchema = leaseToken.extend({ leaseMs, runInfo: z.unknown().optional() });

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
  }),
  /** Episodes of the job with a kept answer; errored ones were cleared, to be asked again. */
  answered: z.array(z.string()),
});
export type JobStartReply = z.infer<typeof JobStartReplySchema>;

/** One answer as the runner got it: the site scores it, so a runner never decides a verdict. */
export const RawAnswerSchema = z.object({
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
});
export type RawAnswer = z.input<typeof RawAnswerSchema>;

export const ResultsBodySchema = leaseToken.extend({
  answers: z.array(RawAnswerSchema).min(1).max(2000),
});
export const ResultsReplySchema = z.object({ written: z.number().int() });

export const ProvenanceBodySchema = leaseToken.extend({ facts: z.record(z.string(), z.unknown()) });

export const FailBodySchema = leaseToken.extend({
  error: z.string().max(4000),
  errorClass: z
    .string()
    .refine(isErrorClass, { message: 'not one of the error classes core knows' }),
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
