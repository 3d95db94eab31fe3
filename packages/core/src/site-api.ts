import { z } from 'zod';
import { SubmissionRequestSchema } from './adapter-config';
import { BenchmarkNameSchema } from './benchmark-name';
import { oneLine } from './external-text';
import { BenchmarkSplitSchema } from './manifest';
import { boardFilterQueryShape, checkSizeRange, WEIGHTS } from './model-card';
import { POLICY_NAMES } from './policy';
import { RankedSettingSchema } from './ranked-setting';
import { OUTCOMES } from './scorer';

/**
 * The site's public JSON API (version 1): plain JSON in and out, so that any HTTP client can use
 * it (the CLI's `submit --site`, scripts, other languages). The site validates with these schemas,
 * and its clients parse the replies with them, so the two cannot drift apart.
 */
export const SITE_API = {
  benchmarks: '/api/v1/benchmarks',
  leaderboard: '/api/v1/leaderboard',
  traits: '/api/v1/traits',
  ranked: '/api/v1/ranked',
  submissions: '/api/v1/submissions',
  estimate: '/api/v1/submissions/estimate',
  submission: (id: number) => `/api/v1/submissions/${id}`,
  answers: (id: number) => `/api/v1/submissions/${id}/answers.jsonl`,
  openapi: '/api/openapi.json',
} as const;

/**
 * A benchmark version the site holds: what a client matches its local manifest against, and names
 * in its requests by `benchmark` (`name@version`).
 */
export const BenchmarkSummarySchema = z.object({
  /** Its one name, `name@version` (`isekai-synth@3.1`): what every request names it by. */
  benchmark: z.string(),
  /**
   * Its database id, listed until the next release only for clients that still send the
   * deprecated `benchmarkVersionId`: no route takes it otherwise.
   */
  id: z.number().int().meta({
    deprecated: true,
    description:
      'Deprecated: the database id, for clients that still send benchmarkVersionId (until the next release); name a version by benchmark',
  }),
  name: z.string(),
  version: z.string(),
  manifestHash: z.string(),
  /** What its leaderboard ranks on; `submit` defaults to it. */
  rankedSetting: RankedSettingSchema,
  pairs: z.number().int(),
  /**
   * `public`: its labels are published, so scores on it could be looked up. `hidden`: the retired
   * fixed hidden test split (see `retired`).
   */
  split: BenchmarkSplitSchema,
  /** Takes no more submissions; its board is kept as history (the retired hidden test split). */
  retired: z.boolean(),
  /** Finished public submissions. */
  submissions: z.number().int(),
});
export type BenchmarkSummary = z.infer<typeof BenchmarkSummarySchema>;

export const BenchmarkListSchema = z.object({ benchmarks: z.array(BenchmarkSummarySchema) });

/**
 * `POST /api/v1/submissions`: core's submission request, for one benchmark version named
 * `benchmark: "name@version"`, or a ranked run (`ranked: true`, no version: the run gets a fresh
 * draw of its own; its shots, policies and draws are the draw's, so what the request says of them
 * is not used).
 */
export const CreateSubmissionBodySchema = SubmissionRequestSchema.extend({
  benchmark: BenchmarkNameSchema.optional(),
  ranked: z.boolean().default(false),
  // Required of a plain submission (below); a ranked run's are its draw's.
  shots: SubmissionRequestSchema.shape.shots.optional(),
  policies: SubmissionRequestSchema.shape.policies.optional(),
}).superRefine((body, ctx) => {
  if (!body.ranked)
    for (const field of ['shots', 'policies'] as const)
      if (body[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: 'required' });
  if (body.ranked === (body.benchmark !== undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['benchmark'],
      message: body.ranked
        ? 'a ranked run draws its own episodes: give no benchmark'
        : 'required: the benchmark version to run, name@version (or ranked: true for a ranked run)',
    });
  if (body.ranked && body.kind === 'predictions')
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message:
        "a ranked run's episodes are drawn when it is submitted and kept secret until each is answered: it takes no uploaded predictions",
    });
});
export type CreateSubmissionBody = z.input<typeof CreateSubmissionBodySchema>;

/**
 * `POST /api/v1/submissions/estimate` (the same body as a submission): what the run would use,
 * before it is queued; nothing is stored and no quota is spent. Tokens are counted on a sample of
 * its episodes (`assumptions` says how), cost at the card's prices, time at the model's last
 * measured rate.
 */
export const SubmissionEstimateSchema = z.object({
  episodes: z.number().int(),
  images: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costUsd: z.number().nullable(),
  seconds: z.number().nullable(),
  maxCostUsd: z.number().nullable(),
  assumptions: z.array(z.string()),
});
export type SubmissionEstimate = z.infer<typeof SubmissionEstimateSchema>;

export const SubmissionCreatedSchema = z.object({
  id: z.number().int(),
  episodes: z.number().int(),
  /**
   * The webhook's signing key (`whsec_…`), when the request named a webhook: shown this once and
   * stored encrypted, so keep it where the receiver can read it.
   */
  webhookSecret: z.string().optional(),
});
export type SubmissionCreated = z.infer<typeof SubmissionCreatedSchema>;

/** Every error reply: a code a program can branch on, and a message a person can act on. */
export const ApiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/**
 * `GET /api/v1/leaderboard?benchmark=<name@version>[&policy=][&scorer=][&self_reported=1]`
 * `[&params_min=][&params_max=][&weights=open|closed][&organisation=]`: the filters choose rows
 * after ranking, so a row keeps its rank on the whole board. A name alone is its newest public
 * version.
 */
export const LeaderboardQuerySchema = z
  .object({
    benchmark: BenchmarkNameSchema,
    policy: z.enum(POLICY_NAMES).optional(),
    scorer: oneLine(32, { trim: false }).min(1).optional(),
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
  flip_low: rate,
  flip_high: rate,
  /**
   * The learning curve over the ranked shot counts: accuracy gained per doubling of the shots
   * (least squares on log2 shots), its clustered 95% interval and one-sided p of no gain.
   */
  slope: rate,
  slope_low: rate,
  slope_high: rate,
  slope_p: rate,
  /** Mean accuracy over the ranked shot range, each doubling weighted alike (normalised area under the curve). */
  auc: rate,
  /** The fewest ranked shots at which accuracy reached 60%; null: not reached. */
  shots_to_60: z.number().int().nullable(),
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
  /** The version ranked, `name@version`. */
  benchmark: z.string(),
  policy: z.string(),
  scorer: z.string(),
  setting: RankedSettingSchema,
  /** How rows are ranked, intervals made and tiers drawn. */
  method: z.string(),
  /**
   * When these ranks were computed (boards are ranked when their inputs change, not per read), and
   * whether the board has changed since: then a new ranking is being computed.
   */
  ranked_at: z.string(),
  stale: z.boolean(),
  rows: z.array(LeaderboardRecordSchema),
});

/** `GET /api/v1/traits?benchmark=<name@version>[&policy=][&scorer=]` */
export const TraitsQuerySchema = z.object({
  benchmark: BenchmarkNameSchema,
  policy: z.enum(POLICY_NAMES).optional(),
  scorer: oneLine(32, { trim: false }).min(1).optional(),
});

/** One group of pairs (a trait family, or a trait) of one model: pooled accuracy, clustered 95% interval. */
const TraitShareSchema = z.object({
  accuracy: rate,
  ci_low: rate,
  ci_high: rate,
  /** Pairs in the group with answers: the clusters the interval is over. */
  pairs: z.number().int(),
});

/**
 * Accuracy by trait family and by trait, per finished public submission, over every shot count
 * it ran under the policy: which kinds of visual change models pick up in context.
 */
export const TraitsReplySchema = z.object({
  /** The version, `name@version`. */
  benchmark: z.string(),
  policy: z.string(),
  scorer: z.string(),
  families: z.array(z.string()),
  traits: z.array(z.object({ trait: z.string(), family: z.string() })),
  models: z.array(
    z.object({
      submission: z.number().int(),
      model: z.string(),
      by_family: z.array(TraitShareSchema.extend({ family: z.string() })),
      by_trait: z.array(TraitShareSchema.extend({ trait: z.string() })),
    }),
  ),
});

/**
 * `GET /api/v1/ranked`: the ranked board (`board`, core's RANKED_BOARD). One row per model, pooling
 * every ranked run of it that has ended (done, failed or cancelled), private ones included, each
 * on a fresh draw of its own (one concept per episode, half of them flip); a model is listed once
 * one of its runs is public and done. Its score is the mean of its pooled lcl and flip accuracy,
 * so an answer that ignores the demonstrations scores 50%. Exact figures: each draw is used once.
 */
export const RankedBoardRecordSchema = z.object({
  /** Its newest run (the first of `submission_ids`). */
  submission: z.number().int(),
  /** How many runs the row pools. */
  runs: z.number().int(),
  /** The runs it pools, newest first. */
  submission_ids: z.array(z.number().int()),
  model: z.string(),
  organisation: z.string().nullable(),
  /** Best and worst rank from the score intervals; null for a reference row, never ranked. */
  rank_low: z.number().int().nullable(),
  rank_high: z.number().int().nullable(),
  /** Why a row is listed but not ranked (a planted reference model); null when ranked. */
  unranked: z.string().nullable(),
  score: rate,
  score_low: rate,
  score_high: rate,
  /** Accuracy on the lcl episodes: not the paper's figure (its episodes are built otherwise). */
  lcl_accuracy: rate,
  flip_accuracy: rate,
  /** Answered episodes over all its runs. */
  episodes: z.number().int(),
  /** When its latest run ended. */
  finished_at: z.string().nullable(),
});

export const RankedBoardReplySchema = z.object({
  /**
   * The board in the `name@version` scheme, core's RANKED_BOARD (`isekai-synth-ranked@1`); each
   * run's own draw is a version of its benchmark, `1+<the commitment's first 16 hex>`.
   */
  board: z.string(),
  /** How the score and its interval are made. */
  method: z.string(),
  rows: z.array(RankedBoardRecordSchema),
});
export type RankedBoardReply = z.infer<typeof RankedBoardReplySchema>;

/** A submission's states, in lifecycle order (the database's enum is made from this list). */
/**
 * `preflight`: a runner has it and is sending one request as large as its largest episode (all its
 * images) before any episode, so an endpoint that cannot take the protocol fails it at once.
 */
export const SUBMISSION_STATUSES = [
  'queued',
  'preflight',
  'running',
  'done',
  'failed',
  'cancelled',
] as const;

/** The states a submission is still moving through; the rest are final (WEBHOOK_STATES). */
export const LIVE_SUBMISSION_STATUSES = ['queued', 'preflight', 'running'] as const;
export const isLiveStatus = (status: string): boolean =>
  (LIVE_SUBMISSION_STATUSES as readonly string[]).includes(status);

/**
 * What a run used, over the answers stored so far: tokens as the replies stated them (summed over
 * `answers_with_tokens` of the `answers`, errors included, so fewer means the cost is a floor),
 * latency percentiles over the answers that have one, and the cost at the prices stated with the
 * submission (core's `costOf`; null without prices).
 */
export const SubmissionUsageSchema = z.object({
  answers: z.number().int(),
  answers_with_tokens: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  latency_p50_ms: z.number().nullable(),
  latency_p95_ms: z.number().nullable(),
  cost_usd: z.number().nullable(),
  /** US dollars per million tokens, as stated with the submission; null unless both were. */
  prices: z.object({ input_usd_per_mtok: z.number(), output_usd_per_mtok: z.number() }).nullable(),
  /** The cost at which the run is stopped; null: no cap. */
  max_cost_usd: z.number().nullable(),
});

/**
 * What answered a run, from its replies: each `model` and `system_fingerprint` (or the provider's
 * equivalent) with how many answers named it, and a served engine's name and version where known.
 * More than one model or fingerprint: the endpoint changed during the run.
 */
const TallyReplySchema = z.array(z.object({ name: z.string(), answers: z.number().int() }));
export const ServedByReplySchema = z.object({
  models: TallyReplySchema,
  fingerprints: TallyReplySchema,
  engine: z.object({ name: z.string(), version: z.string() }).nullable(),
});

/** The preflight that let a run start: one request as large as its largest episode. */
export const PreflightReplySchema = z.object({
  images: z.number().int().nullable(),
  latency_ms: z.number().nullable(),
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  /** What the reply named as its model and fingerprint. */
  model: z.string().nullable(),
  fingerprint: z.string().nullable(),
  at: z.string().nullable(),
});

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
  /** What it used so far. */
  usage: SubmissionUsageSchema,
  /** What answered; null before any answer was recorded. */
  served_by: ServedByReplySchema.nullable(),
  /** Null until a preflight passed (and for runs that ask no model). */
  preflight: PreflightReplySchema.nullable(),
  /**
   * Once it is done, its accuracy under its scorer per policy and shot count (what `linkboard
   * status` prints); null before, and for a run that ended otherwise. Absent from sites older
   * than this field.
   */
  accuracy: z
    .object({
      scorer: z.string(),
      per_shot: z.array(
        z.object({
          policy: z.enum(POLICY_NAMES),
          shots: z.number().int(),
          correct: z.number().int(),
          n: z.number().int(),
        }),
      ),
    })
    .nullable()
    .optional(),
});
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;

/**
 * One line of `GET /api/v1/submissions/{id}/answers.jsonl`: an answered episode as it was asked
 * (support images in order with their labels, the query image and its label) and what became of
 * it. An open ranked run's lines are the episodes it has stored an answer to (the visibility
 * rule); every episode's once it has ended.
 */
export const AnswerLineSchema = z.object({
  /** The benchmark version the episode is of, `name@version` (a ranked run's: its own draw's). */
  benchmark: z.string(),
  episode_id: z.string(),
  shots: z.number().int(),
  policy: z.enum(POLICY_NAMES),
  draw: z.number().int(),
  /** The pair's key: the novel concept and its look-alike. */
  pair: z.string(),
  support: z.array(z.object({ image_id: z.string(), label: z.string() })),
  query: z.object({
    image_id: z.string(),
    /** The right answer as the episode gave it (the partner's name under a flipping policy). */
    label: z.string(),
  }),
  /** Null when the model gave no answer (then `error` says why). */
  raw_answer: z.string().nullable(),
  /** The model said more than is kept: `raw_answer` is its beginning. */
  answer_truncated: z.boolean(),
  /** The error class when the episode got no answer (`timeout`, `server-error`…). */
  error: z.string().nullable(),
  latency_ms: z.number().int().nullable(),
  /** Tokens as the reply stated them (its `usage`); null where it did not. */
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  /** Every scorer's verdict, by scorer name, with the scorer's version and the rule that decided. */
  verdicts: z.array(
    z.object({
      scorer: z.string(),
      version: z.number().int(),
      outcome: z.enum(OUTCOMES),
      rule: z.string(),
    }),
  ),
});
export type AnswerLine = z.infer<typeof AnswerLineSchema>;

/**
 * A webhook delivery's headers, per the Standard Webhooks specification (standardwebhooks.com), so
 * that a receiver verifies a delivery with the `standardwebhooks` library of its language:
 * - `webhook-id`: the delivery's id, the same on every retry of one delivery (the body's
 *   `delivery_id`), so a receiver can ignore one it has seen;
 * - `webhook-timestamp`: Unix seconds when this attempt was sent, signed with the body, so a
 *   receiver that refuses timestamps more than 5 minutes off (the libraries do) refuses replays;
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256>` over `webhookSignedContent`, keyed with the
 *   bytes the webhook secret encodes (the base64 after `whsec_`); a space-separated list, of one.
 */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/**
 * linkboard's own headers from before it followed Standard Webhooks, still sent beside the
 * standard ones for one release so that receivers written against them keep working while they
 * move to the standard ones: `x-linkboard-signature` is `sha256=<hex>` of HMAC-SHA256 keyed with
 * the secret's text (`whsec_…` whole, as UTF-8) over `<timestamp>.<raw body>`.
 * @deprecated Removed in the next release; verify `WEBHOOK_HEADERS` instead. The event is the
 * body's `event`.
 */
export const DEPRECATED_WEBHOOK_HEADERS = {
  signature: 'x-linkboard-signature',
  timestamp: 'x-linkboard-timestamp',
  delivery: 'x-linkboard-delivery',
  event: 'x-linkboard-event',
} as const;

/** Final states a webhook announces. */
export const WEBHOOK_STATES = ['done', 'failed', 'cancelled'] as const;

/** The JSON body a webhook receives when a submission reaches a final state. */
export const WebhookPayloadSchema = z.object({
  /** `submission.done`, `submission.failed` or `submission.cancelled`. */
  event: z.string(),
  /** As the `webhook-id` header: the same on every retry of one delivery. */
  delivery_id: z.string(),
  submission_id: z.number().int(),
  /** As `GET /api/v1/submissions/{id}` says it. */
  status: z.enum(WEBHOOK_STATES),
  /** `<name>@<version>`. */
  benchmark: z.string(),
  model: z.string(),
  /** Why it failed; null otherwise. */
  error: z.string().nullable(),
  finished_at: z.string().nullable(),
  /** By the submission's ranked scorer, per policy; null unless done. */
  accuracy: z
    .object({
      scorer: z.string(),
      policies: z.array(
        z.object({
          policy: z.string(),
          n: z.number().int(),
          correct: z.number().int(),
          accuracy: rate,
          /** Accuracy by shot count. */
          per_shot: z.record(z.string(), rate),
        }),
      ),
    })
    .nullable(),
  /** The submission's page on the site. */
  url: z.string(),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

/** What a delivery's `webhook-signature` signs (Standard Webhooks): `<id>.<timestamp>.<raw body>`. */
export const webhookSignedContent = (id: string, timestamp: string, body: string) =>
  `${id}.${timestamp}.${body}`;
