import {
  BENCHMARK_SPLITS,
  DEFAULT_RANKED_SETTING,
  DEFAULT_SCORER,
  OUTCOMES,
  POLICY_NAMES,
  type RankedSetting,
  SUBMISSION_STATUSES,
  WEIGHTS,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The system of record and the queue. Names follow DESIGN §3. Results are the one big table
 * (millions of rows): its columns are narrow (enums, smallints) and the leaderboard never reads it,
 * only the aggregate tables written when a submission completes.
 */

/**
 * `participant`: may submit ranked runs (an admin grants it; an operator setting opens ranked runs
 * to every account). `admin` may do everything a participant may.
 */
export const USER_ROLES = ['submitter', 'participant', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const roleEnum = pgEnum('user_role', USER_ROLES);
// Policies and outcomes are core's registries; a new one is a migration (the enum grows). Scorers
// are stored by name (text): a new scorer is a registry entry in core and nothing here.
export const policyEnum = pgEnum('policy', POLICY_NAMES);
export const benchmarkSplitEnum = pgEnum('benchmark_split', BENCHMARK_SPLITS);
export const outcomeEnum = pgEnum('outcome', OUTCOMES);
/** A scorer's name, as core's scorer registry knows it. */
const scorerName = () => text('scorer');
export const queryClassEnum = pgEnum('query_class', ['novel', 'familiar']);
export const imageRoleEnum = pgEnum('image_role', ['support', 'query']);
/**
 * Who may know a submission exists: everyone; its owner (and admins); or, once an admin has
 * `withdrawn` it from the public board, admins alone (migration 0018 renamed the value from
 * `hidden`, which is a benchmark's split, a different thing).
 */
export const visibilityEnum = pgEnum('visibility', ['public', 'private', 'withdrawn']);
export const submissionStatusEnum = pgEnum('submission_status', SUBMISSION_STATUSES);
export const jobStatusEnum = pgEnum('job_status', [
  'queued',
  'running',
  'done',
  'failed',
  'cancelled',
]);
export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', [
  'pending',
  'delivering',
  'delivered',
  'failed',
]);
/** A model card's weights: downloadable or not. */
export const weightsEnum = pgEnum('model_weights', WEIGHTS);
export const adapterEnum = pgEnum('adapter', [
  'openai',
  'serve',
  'predictions',
  'builtin',
  'anthropic',
  'gemini',
]);

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/**
 * Accounts, in the shape better-auth (the site's auth library) expects, plus a role. Ids are
 * better-auth's opaque strings.
 */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  role: roleEnum('role').notNull().default('submitter'),
  /** better-auth's admin plugin: a banned account cannot sign in, and its API keys are refused. */
  banned: boolean('banned').notNull().default(false),
  banReason: text('ban_reason'),
  /** When a ban ends by itself; null for a ban until lifted. */
  banExpires: timestamp('ban_expires', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  token: text('token').notNull().unique(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  ipAddress: text('ip_address'),
  userAgent: text('user_agent'),
  /** The admin plugin's column; impersonation is not granted to any role (see the site's auth). */
  impersonatedBy: text('impersonated_by'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  providerId: text('provider_id').notNull(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  accessToken: text('access_token'),
  refreshToken: text('refresh_token'),
  idToken: text('id_token'),
  accessTokenExpiresAt: timestamp('access_token_expires_at', { withTimezone: true }),
  refreshTokenExpiresAt: timestamp('refresh_token_expires_at', { withTimezone: true }),
  scope: text('scope'),
  /** better-auth's password hash (scrypt). */
  password: text('password'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const verifications = pgTable('verifications', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * API keys, in the shape better-auth's API-key plugin expects (its field names are these
 * properties). The key itself is shown once; `key` holds its SHA-256 (base64url), `start` its
 * first characters to tell keys apart. `permissions` is JSON, `{"linkboard":["read","submit"]}`:
 * the scopes the site checks on every request a key makes. Revoking disables (`enabled` false) and
 * keeps the row; an expired key is refused, and deleted by the plugin when next seen. Migration
 * 0022 moved the earlier `api_tokens` here (same tokens, hashes re-encoded, both scopes).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    configId: text('config_id').notNull().default('default'),
    name: text('name'),
    start: text('start'),
    /** The owner (a user's id: the plugin's `references: 'user'`). */
    referenceId: text('reference_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    prefix: text('prefix'),
    key: text('key').notNull(),
    refillInterval: integer('refill_interval'),
    refillAmount: integer('refill_amount'),
    lastRefillAt: timestamp('last_refill_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    rateLimitEnabled: boolean('rate_limit_enabled').notNull().default(false),
    rateLimitTimeWindow: integer('rate_limit_time_window'),
    rateLimitMax: integer('rate_limit_max'),
    requestCount: integer('request_count').notNull().default(0),
    remaining: integer('remaining'),
    lastRequest: timestamp('last_request', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    permissions: text('permissions'),
    metadata: text('metadata'),
  },
  (table) => [
    uniqueIndex('api_keys_key').on(table.key),
    index('api_keys_reference_id').on(table.referenceId),
  ],
);

/**
 * Tokens of runners that reach the queue over the site's API instead of the database (a GPU host
 * that must not hold database credentials). A role of their own: they can claim, heartbeat, write
 * and finish jobs, nothing else, and no user token can. Created and revoked by an operator.
 */
export const runnerTokens = pgTable('runner_tokens', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** SHA-256 of the token: shown once when created, never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const benchmarks = pgTable('benchmarks', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
});

export const benchmarkVersions = pgTable(
  'benchmark_versions',
  {
    id: serial('id').primaryKey(),
    benchmarkId: integer('benchmark_id')
      .notNull()
      .references(() => benchmarks.id),
    version: text('version').notNull(),
    /** Immutable: a version is its manifest, identified by the manifest's hash. */
    manifestHash: text('manifest_hash').notNull().unique(),
    manifest: jsonb('manifest').notNull(),
    /** What its leaderboard ranks on (core's RankedSetting), fixed with the version. */
    rankedSetting: jsonb('ranked_setting')
      .$type<RankedSetting>()
      .notNull()
      .default(DEFAULT_RANKED_SETTING),
    /**
     * `hidden`: a ranked run's draw, or the retired fixed hidden test split (core's
     * BenchmarkSplit); mirrors the manifest's `benchmark.split`. What is shown of a version is
     * decided by `ranked_draw` (queries/visibility.ts), not by this.
     */
    split: benchmarkSplitEnum('split').notNull().default('public'),
    /**
     * One ranked run's own draw (a version per run): not a benchmark to pick or browse, so lists
     * of versions leave it out; the ranked board pools the runs instead.
     */
    rankedDraw: boolean('ranked_draw').notNull().default(false),
    /**
     * No longer submitted to, kept readable for history: the fixed hidden test split, whose
     * answer key leaked with every reuse (ranked runs replaced it).
     */
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('benchmark_versions_name_version').on(t.benchmarkId, t.version)],
);

export const pairs = pgTable(
  'pairs',
  {
    id: serial('id').primaryKey(),
    benchmarkVersionId: integer('benchmark_version_id')
      .notNull()
      .references(() => benchmarkVersions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
  },
  (t) => [uniqueIndex('pairs_version_key').on(t.benchmarkVersionId, t.key)],
);

export const concepts = pgTable(
  'concepts',
  {
    id: serial('id').primaryKey(),
    benchmarkVersionId: integer('benchmark_version_id')
      .notNull()
      .references(() => benchmarkVersions.id, { onDelete: 'cascade' }),
    pairId: integer('pair_id')
      .notNull()
      .references(() => pairs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    queryClass: queryClassEnum('query_class').notNull(),
  },
  (t) => [uniqueIndex('concepts_version_key').on(t.benchmarkVersionId, t.key)],
);

export const images = pgTable(
  'images',
  {
    benchmarkVersionId: integer('benchmark_version_id')
      .notNull()
      .references(() => benchmarkVersions.id, { onDelete: 'cascade' }),
    sha256: text('sha256').notNull(),
    conceptId: integer('concept_id')
      .notNull()
      .references(() => concepts.id, { onDelete: 'cascade' }),
    role: imageRoleEnum('role').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    mediaType: text('media_type').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.benchmarkVersionId, t.sha256] }),
    index('images_concept').on(t.conceptId),
  ],
);

export const models = pgTable(
  'models',
  {
    id: serial('id').primaryKey(),
    /** As typed; what the leaderboard shows. */
    name: text('name').notNull().unique(),
    /**
     * The name's look-alike key (core's `modelNameKey`: NFKC, case folded, invisible characters
     * removed, confusable letters mapped to Latin): unique, so no name can pass for another's.
     */
    nameKey: text('name_key').notNull(),
    /**
     * The model card (core's `ModelCardSchema`) less the revision, which is each submission's:
     * the latest submission that states a field sets it.
     */
    organisation: text('organisation'),
    /** Its page; http or https only. */
    url: text('url'),
    /** Parameter count, billions. */
    paramsB: doublePrecision('params_b'),
    weights: weightsEnum('weights'),
    licence: text('licence'),
    baseModel: text('base_model'),
    ownerId: text('owner_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('models_name_key').on(t.nameKey)],
);

export const submissions = pgTable(
  'submissions',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id),
    benchmarkVersionId: integer('benchmark_version_id')
      .notNull()
      .references(() => benchmarkVersions.id),
    ownerId: text('owner_id').references(() => users.id),
    adapter: adapterEnum('adapter').notNull(),
    /**
     * How to reach the model, without secrets (those are in `secret`, encrypted) and without
     * uploaded answers (in `predictions`): core's `AdapterConfig` less its `adapter`.
     */
    adapterConfig: jsonb('adapter_config').notNull().default({}),
    /** A connection test (one episode), counted apart from submissions by the daily quotas. */
    probe: boolean('probe').notNull().default(false),
    /** AES-256-GCM ciphertext of the endpoint's API key; never returned by a site query. */
    secret: text('secret'),
    shots: smallint('shots').array().notNull(),
    policies: policyEnum('policies').array().notNull(),
    draws: smallint('draws').notNull().default(1),
    /** The scorer the submission is ranked by; results keep every registered scorer's verdict. */
    scorer: scorerName().notNull().default(DEFAULT_SCORER),
    visibility: visibilityEnum('visibility').notNull().default('public'),
    status: submissionStatusEnum('status').notNull().default('queued'),
    totalEpisodes: integer('total_episodes').notNull(),
    /**
     * Seeds the order its episodes are sent in (core's `episodeOrder`), from which its jobs are
     * cut: any runner recomputes a job's episodes from it. Null for submissions made before the
     * order was seeded (their jobs are slices of the fixed order).
     */
    orderSeed: integer('order_seed'),
    /**
     * The exposure check (core's `ExposureCheck`: does accuracy rise with how often the pair was
     * shown before?), computed with its aggregates when its last job completes.
     */
    exposure: jsonb('exposure'),
    provenance: jsonb('provenance').notNull().default({}),
    /** The checkpoint of the model it ran, as its submitter stated (the model card's revision). */
    modelRevision: text('model_revision'),
    lastError: text('last_error'),
    /**
     * The preflight that passed (core's `PreflightFacts`: images sent, latency, what answered), or
     * null while none has: the run's first runner sends it before any episode.
     */
    preflight: jsonb('preflight'),
    /**
     * Prices per million tokens stated with the submission (model card), which the estimate and
     * the spent cost use, and the cost at which the run is stopped (null: no cap). A submission's,
     * not the model's: prices change, and each run is costed at the prices it ran under.
     */
    inputUsdPerMTok: doublePrecision('input_usd_per_mtok'),
    outputUsdPerMTok: doublePrecision('output_usd_per_mtok'),
    maxCostUsd: doublePrecision('max_cost_usd'),
    /**
     * What answered, from the replies (core's `ServedBy`: the models and system fingerprints the
     * endpoint named, with counts, and a served engine's version), merged over the run's jobs.
     */
    servedBy: jsonb('served_by'),
    /**
     * Where to POST when the submission reaches a final state (done, failed, cancelled); checked
     * by the endpoint policy at submission and again, pinned, at every delivery.
     */
    webhookUrl: text('webhook_url'),
    /**
     * AES-256-GCM ciphertext of the webhook's HMAC key (like `secret`): the runner must recover it
     * to sign, so it is encrypted, not hashed. Never returned by a site query.
     */
    webhookSecret: text('webhook_secret'),
    /**
     * A ranked run (its own fresh draw, core's ranked-draw.ts): the id of the deployment key its
     * seed was derived from, the SHA-256 commitment to the seed shown from creation, and the seed
     * itself, secret while the run is open (never returned by a site query until it has ended).
     * All null for any other submission.
     */
    rankedKeyId: text('ranked_key_id'),
    drawCommitment: text('draw_commitment'),
    drawSeed: text('draw_seed'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('submissions_version').on(t.benchmarkVersionId, t.status)],
);

/**
 * Uploaded answers of a predictions submission, one row per episode: a job reads its own episodes'
 * rows, not the whole upload. Null when the uploaded answer was null (scored as empty).
 */
export const predictions = pgTable(
  'predictions',
  {
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    episodeId: text('episode_id').notNull(),
    answer: text('answer'),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.episodeId] })],
);

export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    /** The job's episodes: a slice of the submission's episodes in their deterministic order. */
    firstEpisode: integer('first_episode').notNull(),
    episodeCount: integer('episode_count').notNull(),
    status: jobStatusEnum('status').notNull().default('queued'),
    priority: integer('priority').notNull().default(0),
    attempts: smallint('attempts').notNull().default(0),
    maxAttempts: smallint('max_attempts').notNull().default(5),
    /**
     * Leases lost to a runner that stopped answering (killed, out of memory, its host gone): not
     * an attempt of the job's, which goes on where it stopped; a job that loses more than
     * `max_attempts × LEASE_LOSSES_PER_ATTEMPT` (one that kills every runner) fails.
     */
    leaseLosses: smallint('lease_losses').notNull().default(0),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    /** New on every claim: only its holder can heartbeat, write, complete or fail the job. */
    leaseToken: uuid('lease_token'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    progressDone: integer('progress_done').notNull().default(0),
    lastError: text('last_error'),
    errorClass: text('error_class'),
    /** GPU and other run facts the runner records. */
    runInfo: jsonb('run_info'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('jobs_claimable').on(t.priority, t.id).where(sql`${t.status} IN ('queued', 'running')`),
    index('jobs_submission').on(t.submissionId),
  ],
);

export const episodes = pgTable(
  'episodes',
  {
    id: text('id').primaryKey(),
    benchmarkVersionId: integer('benchmark_version_id')
      .notNull()
      .references(() => benchmarkVersions.id, { onDelete: 'cascade' }),
    queryImage: text('query_image').notNull(),
    conceptId: integer('concept_id')
      .notNull()
      .references(() => concepts.id, { onDelete: 'cascade' }),
    shots: smallint('shots').notNull(),
    draw: smallint('draw').notNull(),
    policy: policyEnum('policy').notNull(),
    /** Ordered support: [{ imageId, label }]. */
    support: jsonb('support').notNull(),
    promptText: text('prompt_text').notNull(),
    demoHash: text('demo_hash').notNull(),
  },
  (t) => [index('episodes_concept').on(t.conceptId)],
);

/**
 * One row per submission and episode answered. No foreign key to its submission (migration
 * 0023): one checked every result row as it was stored, where the statement-level triggers of
 * 0023 check each statement's submissions once (and lock them, as the key did, until the
 * statement's transaction ends) and delete a deleted submission's results, as the key's cascade
 * did.
 */
export const results = pgTable(
  'results',
  {
    submissionId: integer('submission_id').notNull(),
    episodeId: text('episode_id').notNull(),
    shots: smallint('shots').notNull(),
    policy: policyEnum('policy').notNull(),
    conceptId: integer('concept_id').notNull(),
    queryClass: queryClassEnum('query_class').notNull(),
    /** Null when the model gave no answer (then `error_class` says why). */
    rawAnswer: text('raw_answer'),
    /** The model said more than is kept (8,000 characters): `raw_answer` is its beginning. */
    answerTruncated: boolean('answer_truncated').notNull().default(false),
    errorClass: text('error_class'),
    latencyMs: integer('latency_ms'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    attempts: smallint('attempts').notNull().default(1),
    /** When the request was sent: orders the episodes for the exposure check. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  // The episode id encodes the draw: (submission, episode) is (submission, episode, draw).
  (t) => [primaryKey({ columns: [t.submissionId, t.episodeId] })],
);

/**
 * One row per result and scorer: what each registered scorer (core's registry) made of the answer,
 * with the scorer's version, so that a new scorer or a new version needs no schema change and
 * re-scoring replaces exactly one scorer's rows.
 *
 * No foreign key to its result (migration 0023): one checked every verdict row as it was stored
 * (a look-up and a row lock on the result, per verdict), the largest cost of ingest. Verdicts are
 * written only with their result, in the transaction that stores it (the write path), or for
 * results locked while they are read (re-scoring); a statement-level trigger on results removes
 * the verdicts of the results a statement deletes (an error cleared for a retry, a submission
 * deleted), and another refuses to change a result's key.
 */
export const verdicts = pgTable(
  'verdicts',
  {
    submissionId: integer('submission_id').notNull(),
    episodeId: text('episode_id').notNull(),
    scorer: scorerName().notNull(),
    scorerVersion: smallint('scorer_version').notNull(),
    outcome: outcomeEnum('outcome').notNull(),
    /** Which rule decided, so that a surprising verdict can be explained. */
    rule: text('rule').notNull(),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.scorer, t.episodeId] })],
);

const outcomeCounts = {
  correct: integer('correct').notNull(),
  otherLabel: integer('other_label').notNull(),
  both: integer('both').notNull(),
  neither: integer('neither').notNull(),
  empty: integer('empty').notNull(),
  error: integer('error').notNull(),
};

/** Per submission × scorer × shots × policy: what leaderboards and curves read. */
export const submissionScores = pgTable(
  'submission_scores',
  {
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    scorer: scorerName().notNull(),
    shots: smallint('shots').notNull(),
    policy: policyEnum('policy').notNull(),
    n: integer('n').notNull(),
    ...outcomeCounts,
    novelN: integer('novel_n').notNull(),
    novelCorrect: integer('novel_correct').notNull(),
    meanLatencyMs: real('mean_latency_ms'),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.scorer, t.shots, t.policy] })],
);

/** Per submission × scorer × concept × shots × policy: the per-concept error analysis. */
export const submissionConceptScores = pgTable(
  'submission_concept_scores',
  {
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    scorer: scorerName().notNull(),
    conceptId: integer('concept_id').notNull(),
    shots: smallint('shots').notNull(),
    policy: policyEnum('policy').notNull(),
    n: integer('n').notNull(),
    ...outcomeCounts,
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.scorer, t.conceptId, t.shots, t.policy] })],
);

/**
 * One row per submission × scorer × policy, with the per-shot counts folded in: the leaderboard
 * reads one row per model and groups nothing.
 */
export const submissionSummaries = pgTable(
  'submission_summaries',
  {
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    scorer: scorerName().notNull(),
    policy: policyEnum('policy').notNull(),
    n: integer('n').notNull(),
    correct: integer('correct').notNull(),
    novelN: integer('novel_n').notNull(),
    novelCorrect: integer('novel_correct').notNull(),
    /** Answers that named neither label or nothing: the parse failures. */
    unreadable: integer('unreadable').notNull(),
    /** { "<shots>": [correct, n] } */
    perShot: jsonb('per_shot').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.submissionId, t.scorer, t.policy] }),
    index('submission_summaries_board').on(t.scorer, t.policy),
  ],
);

/**
 * Per submission × scorer × policy × concept, over the episodes of its version's ranked setting
 * only (its shot counts, its first draws): what ranking resamples (concepts are the clusters) and
 * what link gain pairs (LCL and ICL answer the same episodes).
 */
export const submissionRankedCounts = pgTable(
  'submission_ranked_counts',
  {
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    scorer: scorerName().notNull(),
    policy: policyEnum('policy').notNull(),
    conceptId: integer('concept_id').notNull(),
    n: integer('n').notNull(),
    correct: integer('correct').notNull(),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.scorer, t.policy, t.conceptId] })],
);

/**
 * The webhook outbox: one row per delivery, written in the transaction that puts its submission in
 * a final state, so a delivery is never lost and never blocks the job that finished it. Runners
 * on the database claim rows (one statement, SKIP LOCKED) and deliver them with retries.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Sent as `X-Linkboard-Delivery`: the receiver's key for ignoring a delivery seen twice. */
    deliveryId: uuid('delivery_id').notNull().unique().defaultRandom(),
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    /** The submission's state the delivery announces. */
    state: submissionStatusEnum('state').notNull(),
    /** The body's facts as they were when the state was reached (the page URL is added on sending). */
    payload: jsonb('payload').notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default('pending'),
    attempts: smallint('attempts').notNull().default(0),
    maxAttempts: smallint('max_attempts').notNull().default(8),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
    /** New on every claim: only its holder can record the attempt's outcome. */
    leaseToken: uuid('lease_token'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /** The receiver's HTTP status on the last attempt (null: no reply). */
    lastStatusCode: smallint('last_status_code'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_due')
      .on(t.runAfter, t.id)
      .where(sql`${t.status} IN ('pending', 'delivering')`),
    index('webhook_deliveries_submission').on(t.submissionId),
  ],
);

export const quotaUseKindEnum = pgEnum('quota_use_kind', ['submission', 'connection-test']);

/**
 * What a daily quota counts: one row per run asked for (a submission made, retried, or its errors
 * asked again; a connection test). A retry is a run like any other: counted apart from the
 * submissions it re-runs, it would let a lab run as often as it likes.
 */
export const quotaUses = pgTable(
  'quota_uses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: quotaUseKindEnum('kind').notNull(),
    submissionId: integer('submission_id').references(() => submissions.id, {
      onDelete: 'set null',
    }),
    /** `create`, `retry` or `rerun-errors`: what the owner asked for. */
    action: text('action').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('quota_uses_owner_time').on(t.ownerId, t.kind, t.usedAt)],
);

/**
 * A change counter per benchmark version, bumped by triggers (migration 0021) on everything a
 * version's boards are computed from: a submission reaching or leaving the board, its summaries
 * re-scored, its model card edited, the version's setting or pairs. A board snapshot built from
 * counter `seq` is current while the counter still says `seq`.
 */
export const boardInputs = pgTable('board_inputs', {
  benchmarkVersionId: integer('benchmark_version_id')
    .primaryKey()
    .references(() => benchmarkVersions.id, { onDelete: 'cascade' }),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A board's ranking as it was computed once, off the request path: one snapshot per board (version
 * × policy × scorer × whether uploaded predictions rank), replaced whole by the next build, so
 * reads never bootstrap. `generation` grows with every build of any board (a snapshot's version).
 */
export const boardSnapshots = pgTable(
  'board_snapshots',
  {
    generation: bigserial('generation', { mode: 'number' }).primaryKey(),
    benchmarkVersionId: integer('benchmark_version_id')
      .notNull()
      .references(() => benchmarkVersions.id, { onDelete: 'cascade' }),
    policy: policyEnum('policy').notNull(),
    scorer: scorerName().notNull(),
    selfReported: boolean('self_reported').notNull(),
    /** `board_inputs.seq` when its counts were read: older than the counter is stale. */
    inputsSeq: bigint('inputs_seq', { mode: 'number' }).notNull(),
    /** How it was ranked (method and replicates): a snapshot of another method is stale too. */
    method: text('method').notNull(),
    rowCount: integer('row_count').notNull(),
    buildMs: integer('build_ms').notNull(),
    builtAt: timestamp('built_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('board_snapshots_board').on(
      t.benchmarkVersionId,
      t.policy,
      t.scorer,
      t.selfReported,
    ),
  ],
);

/** A snapshot's rows in rank order: core's board row (statistics and card) as JSON. */
export const boardSnapshotRows = pgTable(
  'board_snapshot_rows',
  {
    generation: bigint('generation', { mode: 'number' })
      .notNull()
      .references(() => boardSnapshots.generation, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    row: jsonb('row').notNull(),
  },
  (t) => [primaryKey({ columns: [t.generation, t.position] })],
);
