import { z } from 'zod';
import { SubmissionRequestSchema } from './adapter-config';
import { boardFilterQueryShape, checkSizeRange, WEIGHTS } from './model-card';
import { POLICY_NAMES } from './policy';
import { RankedSettingSchema } from './ranked-setting';

/**
 * The site's public JSON API (version 1): plain JSON in and out, so that any HTTP client can use
 * it (the CLI's `submit --site`, scripts, other languages). The site validates with these schemas,
 * and its clients parse the replies with them, so the two cannot drift apart.
 */
export const SITE_API = {
  benchmarks: '/api/v1/benchmarks',
  leaderboard: '/api/v1/leaderboard',
  submissions: '/api/v1/submissions',
  submission: (id: number) => `/api/v1/submissions/${id}`,
  openapi: '/api/openapi.json',
} as const;

/** A benchmark version the site holds: what a client matches its local manifest against. */
export const BenchmarkSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.string(),
  manifestHash: z.string(),
  /** What its leaderboard ranks on; `submit` defaults to it. */
  rankedSetting: RankedSettingSchema,
  pairs: z.number().int(),
  /** Finished public submissions. */
  submissions: z.number().int(),
});
export type BenchmarkSummary = z.infer<typeof BenchmarkSummarySchema>;

export const BenchmarkListSchema = z.object({ benchmarks: z.array(BenchmarkSummarySchema) });

/** `POST /api/v1/submissions`: core's submission request, for one benchmark version. */
export const CreateSubmissionBodySchema = SubmissionRequestSchema.extend({
  benchmarkVersionId: z.number().int().min(1).max(2_147_483_647),
});
export type CreateSubmissionBody = z.input<typeof CreateSubmissionBodySchema>;

export const SubmissionCreatedSchema = z.object({
  id: z.number().int(),
  episodes: z.number().int(),
});
export type SubmissionCreated = z.infer<typeof SubmissionCreatedSchema>;

/** Every error reply: a code a program can branch on, and a message a person can act on. */
export const ApiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/**
 * `GET /api/v1/leaderboard?benchmark=<name>[&version=][&policy=][&scorer=][&self_reported=1]`
 * `[&params_min=][&params_max=][&weights=open|closed][&organisation=]`: the filters choose rows
 * after ranking, so a row keeps its rank on the whole board.
 */
export const LeaderboardQuerySchema = z
  .object({
    benchmark: z.string().min(1).max(200),
    version: z.string().min(1).max(200).optional(),
    policy: z.enum(POLICY_NAMES).optional(),
    scorer: z.string().min(1).max(32).optional(),
    self_reported: z.enum(['0', '1']).default('0'),
    ...boardFilterQueryShape,
  })
  .superRefine(checkSizeRange);

const rate = z.number().nullable();

/** One row of the board: ranked rows first, in rank order; unranked rows say why. */
export const LeaderboardRecordSchema = z.object({
  submission: z.number().int(),
  model: z.string(),
  organisation: z.string().nullable(),
  /** The model card (core's `ModelCardSchema`); null where the submitter did not say. */
  params_b: z.number().nullable(),
  weights: z.enum(WEIGHTS).nullable(),
  licence: z.string().nullable(),
  base_model: z.string().nullable(),
  model_url: z.string().nullable(),
  /** The checkpoint this submission ran: the submission's, where the rest is the model's. */
  revision: z.string().nullable(),
  ranked: z.boolean(),
  unranked_reason: z.string().nullable(),
  /** Run by the platform's runner; false for uploaded (self-reported) predictions. */
  verified: z.boolean(),
  scorer: z.string(),
  n: z.number().int(),
  accuracy: rate,
  ci_low: rate,
  ci_high: rate,
  rank_low: z.number().int().nullable(),
  rank_high: z.number().int().nullable(),
  tier: z.number().int().nullable(),
  per_shot: z.record(z.string(), rate),
  novel_accuracy: rate,
  link_gain: rate,
  link_gain_low: rate,
  link_gain_high: rate,
  /** The flip control: the share of answers that follow the flipped demonstrations; null without. */
  flip_accuracy: rate,
  parse_failure_rate: rate,
  /**
   * Accuracy grows with exposure: the more episodes of a pair it had been sent, the better it
   * answered (one-sided p < 0.001), as an endpoint that remembers across episodes would.
   */
  exposure_flagged: z.boolean(),
  /** Accuracy gained per doubling of prior exposure to the pair, and its one-sided p-value. */
  exposure_slope: rate,
  exposure_p: rate,
  finished_at: z.string().nullable(),
});
export type LeaderboardRecord = z.infer<typeof LeaderboardRecordSchema>;

export const LeaderboardReplySchema = z.object({
  benchmark: z.string(),
  version: z.string(),
  policy: z.string(),
  scorer: z.string(),
  setting: RankedSettingSchema,
  /** How rows are ranked, intervals made and tiers drawn. */
  method: z.string(),
  rows: z.array(LeaderboardRecordSchema),
});

/** A submission's states, in lifecycle order (the database's enum is made from this list). */
export const SUBMISSION_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

/** `GET /api/v1/submissions/{id}`: where a submission is, for a client that polls it. */
export const SubmissionStatusSchema = z.object({
  id: z.number().int(),
  status: z.enum(SUBMISSION_STATUSES),
  /** Its place in the queue while queued. */
  position: z.number().int().nullable(),
  done: z.number().int(),
  total: z.number().int(),
  /** Episodes that ended in error (no answer), so far. */
  errors: z.number().int(),
  episodes_per_second: z.number().nullable(),
  eta_seconds: z.number().nullable(),
  last_error: z.string().nullable(),
});
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;
