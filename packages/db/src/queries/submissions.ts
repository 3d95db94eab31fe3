import { randomInt } from 'node:crypto';
import {
  type AdapterConfigInput,
  type ClusterTally,
  clusteredShare,
  countEpisodes,
  DEFAULT_SCORER,
  type ExposureCheck,
  indexBenchmark,
  isLiveStatus,
  isRankedDraw,
  LIVE_SUBMISSION_STATUSES,
  type Manifest,
  type PolicyName,
  type Prices,
  type ProvenanceFacts,
  ProvenanceFactsSchema,
  parseAdapterConfig,
  rankedSettingFor,
  runSettings,
  type ScorerName,
  storedAdapterConfig,
} from '@linkboard/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { jobs, predictions, quotaUses, submissions, users, type visibilityEnum } from '../schema';
import { getBenchmarkVersion, importBenchmark } from './benchmarks';
import { JOBS_CHANNEL } from './jobs';
import { type NewModel, registerModel } from './models';
import {
  ANY_ROW,
  CARD_COLUMNS,
  CLUSTER,
  cardOf,
  clusterOfConcept,
  col,
  LIVE,
  OUTCOME_COLUMNS,
  outcomeCountsOf,
  queryRows,
  type Tx,
} from './rows';
import { submissionUsage } from './usage';
import { runEnded, SHOWN_RESULT } from './visibility';
import { enqueueWebhook } from './webhooks';

/**
 * The model is an id already registered, or a model to register (`registerModel`) in the
 * submission's own transaction, so that a refused submission (its quota used up, say) leaves no
 * model behind holding the name.
 */
export type NewSubmission = SubmissionSpec &
  ({ modelId: number; model?: never } | { model: NewModel; modelId?: never });

interface SubmissionSpec {
  benchmarkVersionId: number;
  /**
   * How to reach the model (core's `AdapterConfig`, parsed again here: absent generation settings
   * are stored as the defaults). No secrets here: pass the encrypted key as `secret`.
   */
  adapterConfig: AdapterConfigInput;
  secret?: string | null;
  /**
   * Where to announce the final state, checked by the caller against the endpoint policy, with its
   * HMAC key encrypted (`encryptSecret`).
   */
  webhook?: { url: string; sealedSecret: string } | null;
  /**
   * A predictions submission's uploaded answers by episode id, as many as its config's `count`:
   * written to `predictions` in the creating transaction.
   */
  predictions?: ReadonlyMap<string, string | null>;
  /** A connection test: counted apart from submissions by the daily quotas. */
  probe?: boolean;
  shots: number[];
  policies: PolicyName[];
  draws?: number;
  scorer?: ScorerName;
  visibility?: Visibility;
  ownerId?: string;
  provenance?: Record<string, unknown>;
  /** The checkpoint it runs (the model card's `revision`; the rest of the card is the model's). */
  modelRevision?: string;
  /** Prices per million tokens the run is costed at (the card's), and the cost to stop it at. */
  prices?: Prices | null;
  maxCostUsd?: number | null;
  /** Episodes per job (shard). */
  shardSize?: number;
  /**
   * Seeds the send order (core's `episodeOrder`); drawn at random when absent; null: the
   * benchmark's own order (a ranked draw's, already drawn by its keyed PRF: no integer seed).
   */
  orderSeed?: number | null;
  /** Run only the first N episodes (a connection test runs one). */
  episodeLimit?: number;
  maxAttempts?: number;
  /** The owner's daily quota (see `Quota`); none for the operator's own runs. */
  quota?: Quota;
  /**
   * A ranked run: the key id, the commitment shown from creation and the seed kept secret until
   * the run ends (see `createRankedSubmission`).
   */
  ranked?: { keyId: string; commitment: string; seed: string };
}

const PREDICTION_BATCH = 10_000;
const PREDICTION_UPLOAD_BATCH = 50_000;

/** A submission refused because its owner's daily quota is used up. */
export class QuotaError extends Error {
  override name = 'QuotaError';
}

/**
 * At most `limit` runs of this kind asked for by `ownerId` in 24 hours: a submission made, retried
 * or its errors asked again (a retry is a run like any other), or a connection test (counted
 * apart). Checked and recorded inside the transaction that queues the run, under a per-owner
 * lock, so concurrent requests cannot all pass the count before any of them records its use.
 */
export interface Quota {
  ownerId: string;
  limit: number;
  probes: boolean;
}

/** How many of the owner's daily runs of this kind are used (the last 24 hours). */
async function quotaUsed(db: Tx | Db, quota: Quota): Promise<number> {
  const [row] = await queryRows(
    db,
    z.object({ n: col.number }),
    sql`
    SELECT count(*)::int AS n FROM quota_uses
    WHERE owner_id = ${quota.ownerId} AND kind = ${quota.probes ? 'connection-test' : 'submission'}
      AND used_at > now() - interval '24 hours'`,
  );
  return row?.n ?? 0;
}

const quotaRefusal = (quota: Quota) =>
  new QuotaError(
    `the daily quota of ${quota.limit} ${quota.probes ? 'connection tests' : 'runs (new submissions, retries and re-runs of errors)'} is used up; try again tomorrow`,
  );

/**
 * Refuses early where the owner's quota is used up already, before costly work (a ranked run's
 * draw); the transaction that queues the run checks again (`useQuota`), under its lock.
 */
export async function assertQuotaLeft(db: Db, quota: Quota): Promise<void> {
  if ((await quotaUsed(db, quota)) >= quota.limit) throw quotaRefusal(quota);
}

/** Uses one of the owner's daily runs, or refuses (`QuotaError`); call inside the run's transaction. */
async function useQuota(
  tx: Tx | Db,
  quota: Quota,
  action: 'create' | 'retry' | 'rerun-errors',
  submissionId: number,
): Promise<void> {
  const { ownerId, probes } = quota;
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`quota|${ownerId}`}))`);
  if ((await quotaUsed(tx, quota)) >= quota.limit) throw quotaRefusal(quota);
  const kind = probes ? 'connection-test' : 'submission';
  await tx.insert(quotaUses).values({ ownerId, kind, submissionId, action });
}

/** A benchmark version that takes no more submissions: retired, kept readable for history. */
export class RetiredVersionError extends Error {
  override name = 'RetiredVersionError';
}

const retiredMessage = (name: string) =>
  `${name} is retired: a fixed hidden test set leaks its answer key with every score asked of it, so it takes no more runs (its board stays readable); a ranked run draws fresh episodes of its own instead`;

/**
 * Refuses a run on a version that takes none: a ranked run's draw (its run's alone) unless this
 * is that run, a retired version always. The one check of it: createSubmission makes it, and the
 * site makes it again before it reads anything of the version (an upload's episode ids checked
 * against a draw would say which of them it has).
 */
export function refuseClosedVersion(
  version: { rankedDraw: boolean; retiredAt: Date | null; version: string; manifest: Manifest },
  options: { ranked: boolean },
): void {
  if (version.rankedDraw && !options.ranked) throw new RankedDrawError(RANKED_DRAW_IS_ITS_RUNS);
  if (version.retiredAt)
    throw new RetiredVersionError(
      retiredMessage(`${version.manifest.benchmark.name}@${version.version}`),
    );
}

/**
 * Creates a submission and its jobs in one transaction, and wakes the runners. Jobs are shards of
 * its episodes in a send order seeded afresh per submission and stored with it (core's
 * `episodeOrder`): each job mixes shots and pairs, and a pair's earlier episodes are a random
 * set, which is what the exposure check needs. The benchmark is checked to supply every shot count first:
 * a submission that cannot run is refused, not queued.
 */
export async function createSubmission(
  db: Db,
  input: NewSubmission,
): Promise<{ submissionId: number; jobs: number; episodes: number }> {
  const version = await getBenchmarkVersion(db, input.benchmarkVersionId);
  if (!version) throw new Error(`benchmark version ${input.benchmarkVersionId} does not exist`);
  const draws = input.draws ?? 1;
  const all = countEpisodes(indexBenchmark(version.manifest), {
    shots: input.shots,
    policies: input.policies,
    draws,
  });
  const total = input.episodeLimit ? Math.min(all, input.episodeLimit) : all;
  const shardSize = input.shardSize ?? 200;
  const config = parseAdapterConfig(input.adapterConfig, 'the new submission');
  const answers = input.predictions ?? new Map<string, string | null>();
  if (config.adapter === 'predictions' ? config.count !== answers.size : answers.size > 0)
    throw new Error(
      config.adapter === 'predictions'
        ? `the predictions config counts ${config.count} answers, ${answers.size} were given`
        : `a ${config.adapter} submission takes no uploaded predictions`,
    );
  return db.transaction(async (tx) => {
    // A ranked run's draw is that run's alone: asked again, by anyone, it would be an oracle on
    // its labels while open and a known answer key once its seed is revealed.
    refuseClosedVersion(version, { ranked: Boolean(input.ranked) });
    if (version.rankedDraw) {
      const taken = await queryRows(
        tx,
        ANY_ROW,
        sql`SELECT 1 FROM submissions WHERE benchmark_version_id = ${input.benchmarkVersionId} FOR UPDATE`,
      );
      if (taken.length > 0) throw new RankedDrawError(RANKED_DRAW_IS_ITS_RUNS);
    }
    const modelId = input.model ? await registerModel(tx, input.model) : input.modelId;
    const [row] = await tx
      .insert(submissions)
      .values({
        modelId,
        benchmarkVersionId: input.benchmarkVersionId,
        adapter: config.adapter,
        adapterConfig: storedAdapterConfig(config),
        probe: input.probe ?? false,
        secret: input.secret ?? null,
        webhookUrl: input.webhook?.url ?? null,
        webhookSecret: input.webhook?.sealedSecret ?? null,
        shots: input.shots,
        policies: input.policies,
        draws,
        scorer: input.scorer ?? DEFAULT_SCORER,
        visibility: input.visibility ?? 'public',
        ownerId: input.ownerId,
        totalEpisodes: total,
        orderSeed: input.orderSeed === undefined ? randomInt(1, 2 ** 31 - 1) : input.orderSeed,
        provenance: input.provenance ?? {},
        modelRevision: input.modelRevision || null,
        inputUsdPerMTok: input.prices?.inputUsdPerMTok ?? null,
        outputUsdPerMTok: input.prices?.outputUsdPerMTok ?? null,
        maxCostUsd: input.maxCostUsd ?? null,
        rankedKeyId: input.ranked?.keyId ?? null,
        drawCommitment: input.ranked?.commitment ?? null,
        drawSeed: input.ranked?.seed ?? null,
      })
      .returning({ id: submissions.id });
    const submissionId = (row as { id: number }).id;
    // Counted in this transaction: a refused run is rolled back whole, model and all.
    if (input.quota) await useQuota(tx, input.quota, 'create', submissionId);
    // Two array parameters a batch, paired up by unnest: no statement of 65,535 parameters, and
    // no SQL text the size of the upload.
    const uploaded = [...answers];
    for (let i = 0; i < uploaded.length; i += PREDICTION_UPLOAD_BATCH) {
      const batch = uploaded.slice(i, i + PREDICTION_UPLOAD_BATCH);
      const ids = batch.map(([id]) => id);
      const texts = batch.map(([, answer]) => answer);
      await tx.execute(sql`
        INSERT INTO predictions (submission_id, episode_id, answer)
        SELECT ${submissionId}::int, u.e, u.a
        FROM unnest(${sql.param(ids)}::text[], ${sql.param(texts)}::text[]) AS u(e, a)`);
    }
    const shards = [];
    for (let first = 0; first < total; first += shardSize) {
      shards.push({
        submissionId,
        firstEpisode: first,
        episodeCount: Math.min(shardSize, total - first),
        maxAttempts: input.maxAttempts ?? 5,
      });
    }
    for (let i = 0; i < shards.length; i += 1000)
      await tx.insert(jobs).values(shards.slice(i, i + 1000));
    await tx.execute(sql`SELECT pg_notify(${JOBS_CHANNEL}, ${String(submissionId)})`);
    return { submissionId, jobs: shards.length, episodes: total };
  });
}

/** A submission as the site may show it: everything but the encrypted secrets and the webhook (only its owner sees that). */
export async function getSubmission(db: Db, id: number) {
  const row = await db.query.submissions.findFirst({
    where: eq(submissions.id, id),
    columns: { secret: false, webhookSecret: false, webhookUrl: false, drawSeed: false },
  });
  return row ?? null;
}

/** A ranked run asked for by an account that may not submit one: says why and who grants it. */
export class NotParticipantError extends Error {
  override name = 'NotParticipantError';
}

/**
 * Who may submit a ranked run: a participant or an admin, or any account where the operator
 * opened ranked runs to all. The one statement of the rule: `createRankedSubmission` enforces it,
 * the site asks it before it draws a run and to decide what its form offers.
 */
export const mayRunRanked = (role: string | null | undefined, openToAll: boolean): boolean =>
  openToAll || role === 'participant' || role === 'admin';

export const NOT_PARTICIPANT =
  'ranked runs are open to participants: an admin grants the role (linkboard users role <email> participant), or the operator opens ranked runs to every account (LINKBOARD_RANKED_OPEN=1)';

/**
 * A ranked run on its own draw (a benchmark version made of `manifest`, the draw's manifest:
 * core's fixed episodes, lcl and flip, one draw each). The version and the submission are made
 * together: a refused submission (a quota, a bad config) leaves no version behind.
 *
 * Who may: an account's run needs its `participant` (or `admin`) role unless `openToAll` (the
 * operator's setting): accounts are free, so a per-account limit alone limits nothing. A run
 * with no owner is the operator's own (the CLI on the database).
 */
export async function createRankedSubmission(
  db: Db,
  input: Omit<NewSubmission, 'benchmarkVersionId' | 'shots' | 'policies' | 'draws'> & {
    manifest: Manifest;
    ranked: NonNullable<NewSubmission['ranked']>;
    openToAll?: boolean;
  },
): Promise<{ submissionId: number; jobs: number; episodes: number; benchmarkVersionId: number }> {
  const { manifest, openToAll, ...rest } = input;
  if (!isRankedDraw(manifest))
    throw new Error('createRankedSubmission: the manifest is not a ranked draw');
  if (parseAdapterConfig(input.adapterConfig, 'the ranked run').adapter === 'predictions')
    throw new RankedDrawError(
      "a ranked run's episodes are drawn when it is submitted and kept secret until each is answered: it takes no uploaded predictions",
    );
  if (input.ownerId && !openToAll) {
    const owner = await db.query.users.findFirst({
      where: eq(users.id, input.ownerId),
      columns: { role: true },
    });
    if (!mayRunRanked(owner?.role, false)) throw new NotParticipantError(NOT_PARTICIPANT);
  }
  const setting = rankedSettingFor(indexBenchmark(manifest));
  // One transaction (the inner ones are savepoints): a refused submission, or a process that dies
  // half-way, leaves no draw behind (its manifest holds every label).
  return db.transaction(async (tx) => {
    const inner = tx as unknown as Db;
    const { benchmarkVersionId } = await importBenchmark(inner, manifest, setting);
    const created = await createSubmission(inner, {
      ...(rest as NewSubmission),
      benchmarkVersionId,
      shots: setting.shots,
      policies: ['lcl', 'flip'],
      draws: 1,
      // Every ranked run is scored alike, so that the board's rows compare.
      scorer: DEFAULT_SCORER,
      // Sent in the draw's own order, which its keyed PRF drew: no integer seed on a ranked run.
      orderSeed: null,
    });
    return { ...created, benchmarkVersionId };
  });
}

/** The reveal rule, in one place: a ranked run's seed (of `submissions s`) once it has ended. */
const revealedSeed = sql`CASE WHEN ${runEnded('s')} THEN s.draw_seed END`;

/**
 * A ranked run's draw as anyone may see it: the key id and the commitment always, the seed once
 * the run has ended (then anyone can regenerate its episodes: `linkboard verify`). Null for a
 * submission that is not a ranked run.
 */
export async function rankedDrawOf(db: Db, id: number) {
  const [r] = await queryRows(
    db,
    z.object({
      ranked_key_id: col.text,
      draw_commitment: col.text,
      status: col.text,
      shots: col.numbers,
      total_episodes: col.number,
      seed: col.text.nullable(),
    }),
    sql`
    SELECT s.ranked_key_id, s.draw_commitment, s.status, s.shots, s.total_episodes,
           ${revealedSeed} AS seed
    FROM submissions s WHERE s.id = ${id} AND s.draw_commitment IS NOT NULL`,
  );
  if (!r) return null;
  return {
    keyId: r.ranked_key_id,
    commitment: r.draw_commitment,
    seed: r.seed,
    status: r.status,
    shots: r.shots,
    totalEpisodes: r.total_episodes,
  };
}

/** The encrypted API key, for the runner that will call the endpoint; never for the site. */
export async function getSubmissionSecret(db: Db, id: number): Promise<string | null> {
  const row = await db.query.submissions.findFirst({
    where: eq(submissions.id, id),
    columns: { secret: true },
  });
  return row?.secret ?? null;
}

/**
 * Cancels a submission: its waiting and running jobs become `cancelled`, so no runner claims them
 * and a runner holding one loses its lease at its next heartbeat.
 */
export async function cancelSubmission(db: Db, id: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(submissions)
      .set({ status: 'cancelled', finishedAt: new Date() })
      .where(
        and(eq(submissions.id, id), inArray(submissions.status, [...LIVE_SUBMISSION_STATUSES])),
      )
      .returning({ id: submissions.id });
    if (updated.length === 0) return false;
    await tx
      .update(jobs)
      .set({
        status: 'cancelled',
        leaseToken: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: new Date(),
      })
      .where(and(eq(jobs.submissionId, id), inArray(jobs.status, ['queued', 'running'])));
    await enqueueWebhook(tx, id);
    return true;
  });
}

/** Merges facts into a submission's provenance (what ran it, on what, with which settings). */
export async function recordProvenance(
  db: Db,
  submissionId: number,
  facts: ProvenanceFacts,
  by: { runnerToken?: string } = {},
): Promise<void> {
  // Checked here, on every path (a database runner's facts never cross the runner API's schema):
  // what is stored is what `readProvenance` reads back.
  const checked = ProvenanceFactsSchema.parse(facts);
  const stored =
    by.runnerToken === undefined ? checked : { ...checked, runnerToken: by.runnerToken };
  await db.execute(
    sql`UPDATE submissions SET provenance = provenance || ${JSON.stringify(stored)}::jsonb WHERE id = ${submissionId}`,
  );
}

/** What a runner needs to run a submission's job, the encrypted key included. */
export async function submissionForRunner(db: Db, id: number) {
  const row = await db.query.submissions.findFirst({ where: eq(submissions.id, id) });
  return row ?? null;
}

/** How many submissions a benchmark version has, in any state. */
export async function submissionCount(db: Db, benchmarkVersionId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(submissions)
    .where(eq(submissions.benchmarkVersionId, benchmarkVersionId));
  return row?.n ?? 0;
}

/**
 * The uploaded answers of these episodes of a predictions submission (a job's slice): an episode
 * without a row has no prediction.
 */
export async function predictionsFor(
  db: Db,
  submissionId: number,
  episodeIds: readonly string[],
): Promise<Map<string, string | null>> {
  const found = new Map<string, string | null>();
  for (let i = 0; i < episodeIds.length; i += PREDICTION_BATCH) {
    const rows = await db
      .select({ episodeId: predictions.episodeId, answer: predictions.answer })
      .from(predictions)
      .where(
        and(
          eq(predictions.submissionId, submissionId),
          inArray(predictions.episodeId, episodeIds.slice(i, i + PREDICTION_BATCH)),
        ),
      );
    for (const r of rows) found.set(r.episodeId, r.answer);
  }
  return found;
}

export async function submissionOwner(
  db: Db,
  id: number,
): Promise<{ ownerId: string | null; visibility: string; status: string; probe: boolean } | null> {
  const row = await db.query.submissions.findFirst({
    where: eq(submissions.id, id),
    columns: { ownerId: true, visibility: true, status: true, probe: true },
  });
  return row ?? null;
}

/**
 * Who may know a submission exists: `public`, `private` (its owner and admins), or `withdrawn`
 * (by an admin, from the public board: admins alone).
 */
export type Visibility = (typeof visibilityEnum.enumValues)[number];

/**
 * Publishes a private submission, or withdraws one (admins); returns false when nothing changed.
 */
export async function setVisibility(db: Db, id: number, visibility: Visibility): Promise<boolean> {
  const rows = await db
    .update(submissions)
    .set({ visibility })
    .where(eq(submissions.id, id))
    .returning({ id: submissions.id });
  return rows.length > 0;
}

/** A ranked run's draw asked again: by the run once it has ended, or by any other submission. */
export class RankedDrawError extends Error {
  override name = 'RankedDrawError';
}

const RANKED_DRAW_IS_ITS_RUNS =
  "this benchmark version is one ranked run's own draw, asked once; a ranked run gets a fresh draw of its own (linkboard submit --ranked)";

/**
 * A ranked run's seed is revealed when it ends, and the seed gives every answer of its draw: run
 * again, it would be scored on answers its submitter can know. So an ended ranked run is final.
 */
async function refuseRunAgain(tx: Tx | Db, id: number): Promise<void> {
  const [run] = await queryRows(
    tx,
    z.object({ ranked: col.bool, retired: col.bool, name: col.text, version: col.text }),
    sql`SELECT s.draw_commitment IS NOT NULL AS ranked, v.retired_at IS NOT NULL AS retired,
               b.name, v.version
        FROM submissions s JOIN benchmark_versions v ON v.id = s.benchmark_version_id
        JOIN benchmarks b ON b.id = v.benchmark_id WHERE s.id = ${id}`,
  );
  if (run?.ranked)
    throw new RankedDrawError(
      'a ranked run is not run again once it has ended: its seed, revealed then, gives every answer of its draw; submit a fresh ranked run instead',
    );
  // A retired version's labels are public now: a run asked again would be asked an open book.
  if (run?.retired) throw new RetiredVersionError(retiredMessage(`${run.name}@${run.version}`));
}

/** Retries a failed or cancelled submission: its unfinished jobs go back to the queue, attempts reset. */
export async function retrySubmission(db: Db, id: number, quota?: Quota): Promise<boolean> {
  return db.transaction(async (tx) => {
    await refuseRunAgain(tx, id);
    const retried = await queryRows(
      tx,
      ANY_ROW,
      sql`UPDATE submissions SET status = 'queued', last_error = NULL, finished_at = NULL WHERE id = ${id} AND status IN ('failed', 'cancelled') RETURNING id`,
    );
    if (retried.length === 0) return false;
    if (quota) await useQuota(tx, quota, 'retry', id);
    await tx.execute(
      sql`UPDATE jobs SET status = 'queued', attempts = 0, lease_losses = 0, run_after = now(), lease_token = NULL, last_error = NULL WHERE submission_id = ${id} AND status IN ('failed', 'cancelled')`,
    );
    await tx.execute(sql`SELECT pg_notify('linkboard_jobs', ${String(id)})`);
    return true;
  });
}

/**
 * Asks a finished submission's errored episodes again (the endpoint was down for a while, say):
 * every job goes back to the queue with fresh attempts; a resumed job skips what is answered and
 * asks again where it has an error, so a job without errors completes as soon as it is claimed.
 * The completing job recomputes the aggregates. Returns how many episodes will be asked again
 * (0: nothing to do, and nothing changed).
 */
export async function rerunErroredEpisodes(db: Db, id: number, quota?: Quota): Promise<number> {
  return db.transaction(async (tx) => {
    await refuseRunAgain(tx, id);
    const [row] = await queryRows(
      tx,
      z.object({ errors: col.number }),
      sql`SELECT (SELECT count(*)::int FROM results r WHERE r.submission_id = s.id AND r.error_class IS NOT NULL) AS errors
          FROM submissions s WHERE s.id = ${id} AND s.status = 'done' FOR UPDATE`,
    );
    if (!row || row.errors === 0) return 0;
    if (quota) await useQuota(tx, quota, 'rerun-errors', id);
    await tx.execute(
      sql`UPDATE submissions SET status = 'queued', finished_at = NULL, last_error = NULL WHERE id = ${id}`,
    );
    await tx.execute(
      sql`UPDATE jobs SET status = 'queued', attempts = 0, lease_losses = 0, run_after = now(), lease_token = NULL, lease_owner = NULL,
            lease_expires_at = NULL, last_error = NULL, error_class = NULL, finished_at = NULL
          WHERE submission_id = ${id}`,
    );
    await tx.execute(sql`SELECT pg_notify(${JOBS_CHANNEL}, ${String(id)})`);
    return row.errors;
  });
}

/** The viewer's own submissions, newest first, in every state (connection tests left out). */
export async function submissionsOf(db: Db, ownerId: string, limit = 200) {
  const rows = await queryRows(
    db,
    z.object({
      id: col.number,
      status: col.text,
      visibility: col.text,
      total_episodes: col.number,
      created_at: col.time,
      finished_at: col.time.nullable(),
      last_error: col.text.nullable(),
      model: col.text,
      benchmark: col.text,
      version: col.text,
      done: col.number,
      errors: col.number,
    }),
    sql`
    SELECT s.id, s.status, s.visibility, s.total_episodes, s.created_at, s.finished_at, s.last_error,
           m.name AS model, b.name AS benchmark, v.version,
           (SELECT coalesce(sum(progress_done), 0) FROM jobs WHERE submission_id = s.id)::int AS done,
           (SELECT count(*) FROM results r WHERE r.submission_id = s.id AND r.error_class IS NOT NULL)::int AS errors
    FROM submissions s JOIN models m ON m.id = s.model_id
    JOIN benchmark_versions v ON v.id = s.benchmark_version_id JOIN benchmarks b ON b.id = v.benchmark_id
    WHERE s.owner_id = ${ownerId} AND NOT s.probe
    ORDER BY s.id DESC LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    visibility: r.visibility,
    model: r.model,
    benchmark: `${r.benchmark}@${r.version}`,
    total: r.total_episodes,
    done: Math.min(r.done, r.total_episodes),
    errors: r.errors,
    lastError: r.last_error,
    submittedAt: r.created_at,
    finishedAt: r.finished_at,
  }));
}

/**
 * A submission with its model and benchmark, for its page (never its secret), with what its run
 * used and what answered it (`submissionUsage`, read beside it).
 */
export async function submissionDetail(db: Db, id: number) {
  const [[r], used] = await Promise.all([
    queryRows(
      db,
      z.object({
        id: col.number,
        status: col.text,
        adapter: col.text,
        adapter_config: z.unknown(),
        shots: col.numbers,
        policies: col.texts,
        draws: col.number,
        scorer: col.text,
        visibility: col.text,
        owner_id: col.text.nullable(),
        total_episodes: col.number,
        provenance: col.stored<Record<string, unknown>>(),
        last_error: col.text.nullable(),
        benchmark_version_id: col.number,
        exposure: col.stored<ExposureCheck>().nullable(),
        model: col.text,
        ...CARD_COLUMNS,
        benchmark: col.text,
        version: col.text,
        retired: col.bool,
        ranked_draw: col.bool,
        ranked_key_id: col.text.nullable(),
        draw_commitment: col.text.nullable(),
        revealed_seed: col.text.nullable(),
      }),
      sql`
    SELECT s.id, s.status, s.adapter, s.adapter_config, s.shots, s.policies::text[] AS policies, s.draws, s.scorer, s.visibility, s.total_episodes,
           s.provenance, s.last_error, s.created_at, s.started_at, s.finished_at, s.benchmark_version_id,
           s.owner_id, s.exposure, s.model_revision, m.name AS model, m.organisation, m.url AS model_url,
           m.params_b, m.weights, m.licence, m.base_model, b.name AS benchmark, v.version, v.retired_at IS NOT NULL AS retired,
           v.ranked_draw, s.ranked_key_id, s.draw_commitment,
           ${revealedSeed} AS revealed_seed
    FROM submissions s JOIN models m ON m.id = s.model_id
    JOIN benchmark_versions v ON v.id = s.benchmark_version_id JOIN benchmarks b ON b.id = v.benchmark_id
    WHERE s.id = ${id}`,
    ),
    submissionUsage(db, id),
  ]);
  if (!r || !used) return null;
  return {
    id: r.id,
    status: r.status,
    adapter: r.adapter,
    shots: r.shots,
    policies: r.policies,
    draws: r.draws,
    scorer: r.scorer,
    visibility: r.visibility,
    ownerId: r.owner_id,
    totalEpisodes: r.total_episodes,
    provenance: r.provenance,
    /** Generation settings and image size, from the adapter config (never its endpoint or key). */
    ...runSettings(r.adapter, r.adapter_config),
    lastError: r.last_error,
    model: r.model,
    organisation: r.organisation,
    card: cardOf(r),
    benchmark: `${r.benchmark}@${r.version}`,
    benchmarkVersionId: r.benchmark_version_id,
    /** Its benchmark version takes no more submissions (the retired hidden split). */
    retired: r.retired,
    /** A ranked run: its episodes shown as they are answered (the visibility rule). */
    rankedDraw: r.ranked_draw,
    /** Its exposure check, once finished (null before, or for one finished before it existed). */
    exposure: r.exposure,
    /**
     * A ranked run's draw: the key id and the commitment, and the seed once the run has ended
     * (never before); null for any other submission.
     */
    draw: r.draw_commitment
      ? {
          keyId: String(r.ranked_key_id),
          commitment: r.draw_commitment,
          seed: r.revealed_seed,
        }
      : null,
    /** Tokens, latency and cost over its stored results, at the prices stated with it. */
    usage: used.usage,
    /** The preflight that let it start (core's `PreflightFacts`, as read); null before one. */
    preflight: used.preflight,
    /** What answered (core's `ServedBy`, as read): models and fingerprints counted; null before. */
    servedBy: used.servedBy,
  };
}

/** Per shot × policy counts of submissions (for accuracy-vs-shots curves with intervals). */
export async function submissionCurves(db: Db, ids: readonly number[], scorer: ScorerName) {
  if (ids.length === 0) return [];
  const [rows, cells] = await Promise.all([
    queryRows(
      db,
      z.object({
        submission_id: col.number,
        model: col.text,
        shots: col.number,
        policy: col.text,
        n: col.number,
        novel_n: col.number,
        novel_correct: col.number,
        ...OUTCOME_COLUMNS,
      }),
      sql`
      SELECT sc.submission_id, m.name AS model, sc.shots, sc.policy, sc.n, sc.correct, sc.novel_n, sc.novel_correct,
             sc.other_label, sc."both", sc.neither, sc.empty, sc.error
      FROM submission_scores sc JOIN submissions s ON s.id = sc.submission_id JOIN models m ON m.id = s.model_id
      WHERE sc.submission_id = ANY(${sql.param([...ids])}::int[]) AND sc.scorer = ${scorer}
      ORDER BY sc.submission_id, sc.policy, sc.shots`,
    ),
    // Each point's clusters (the version's unit: a pair, or a concept), for its band.
    queryRows(
      db,
      z.object({
        submission_id: col.number,
        policy: col.text,
        shots: col.number,
        cluster: CLUSTER,
        n: col.number,
        correct: col.number,
      }),
      sql`
      SELECT cs.submission_id, cs.policy, cs.shots,
             ${clusterOfConcept} AS cluster,
             sum(cs.n)::int AS n, sum(cs.correct)::int AS correct
      FROM submission_concept_scores cs JOIN concepts c ON c.id = cs.concept_id
      JOIN benchmark_versions v ON v.id = c.benchmark_version_id
      WHERE cs.submission_id = ANY(${sql.param([...ids])}::int[]) AND cs.scorer = ${scorer}
      GROUP BY 1, 2, 3, 4`,
    ),
  ]);
  const clusters = new Map<string, ClusterTally[]>();
  for (const r of cells) {
    const key = `${r.submission_id}|${r.policy}|${r.shots}`;
    const list = clusters.get(key) ?? [];
    list.push({ cluster: r.cluster, n: r.n, correct: r.correct });
    clusters.set(key, list);
  }
  return rows.map((r) => {
    // The band is the headline's method (core's `clusteredShare`), not an interval over episodes.
    const band = clusteredShare(clusters.get(`${r.submission_id}|${r.policy}|${r.shots}`) ?? []);
    return {
      submissionId: r.submission_id,
      model: r.model,
      shots: r.shots,
      policy: r.policy,
      n: r.n,
      correct: r.correct,
      low: band.low,
      high: band.high,
      novelN: r.novel_n,
      novelCorrect: r.novel_correct,
      outcomes: outcomeCountsOf(r),
    };
  });
}

/**
 * Episodes of a submission that the scorer judged wrong, in a stable order (for prev/next): the
 * first `limit` of them, and how many there are in all (a page says the true count, not the limit).
 */
export async function submissionFailures(db: Db, id: number, scorer: ScorerName, limit = 500) {
  const rows = await queryRows(
    db,
    z.object({
      episode_id: col.text,
      shots: col.number,
      policy: col.text,
      outcome: col.text,
      concept: col.text,
      total: col.number,
    }),
    sql`
    SELECT r.episode_id, r.shots, r.policy, v.outcome, c.name AS concept, count(*) OVER () AS total
    FROM results r JOIN concepts c ON c.id = r.concept_id
    JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id AND v.scorer = ${scorer}
    WHERE r.submission_id = ${id} AND v.outcome <> 'correct' AND ${SHOWN_RESULT}
    ORDER BY r.shots, r.episode_id LIMIT ${limit}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    episodes: rows.map((r) => ({
      episodeId: r.episode_id,
      shots: r.shots,
      policy: r.policy,
      outcome: r.outcome,
      concept: r.concept,
    })),
  };
}

/** Per-concept breakdown of a submission: accuracy and outcome counts per concept × shot × policy. */
export async function conceptBreakdown(db: Db, submissionId: number, scorer: ScorerName) {
  const rows = await queryRows(
    db,
    z.object({
      concept_id: col.number,
      key: col.text,
      name: col.text,
      query_class: z.enum(['novel', 'familiar']),
      pair_key: col.text,
      shots: col.number,
      policy: col.text,
      n: col.number,
      ...OUTCOME_COLUMNS,
    }),
    sql`
    SELECT c.id AS concept_id, c.key, c.name, c.query_class, p.key AS pair_key, cs.shots, cs.policy,
           cs.n, cs.correct, cs.other_label, cs."both", cs.neither, cs.empty, cs.error
    FROM submission_concept_scores cs
    JOIN concepts c ON c.id = cs.concept_id
    JOIN pairs p ON p.id = c.pair_id
    WHERE cs.submission_id = ${submissionId} AND cs.scorer = ${scorer}
    ORDER BY p.key, c.query_class, cs.shots, cs.policy`,
  );
  return rows.map((r) => ({
    conceptId: r.concept_id,
    conceptKey: r.key,
    name: r.name,
    queryClass: r.query_class,
    pairKey: r.pair_key,
    shots: r.shots,
    policy: r.policy,
    n: r.n,
    correct: r.correct,
    outcomes: outcomeCountsOf(r),
  }));
}

/** Queue status of a submission: state, position among waiting submissions, progress, rate, ETA, last error. */
export async function queueStatus(db: Db, submissionId: number) {
  const [r] = await queryRows(
    db,
    z.object({
      status: col.text,
      total_episodes: col.number,
      started_at: col.time.nullable(),
      finished_at: col.time.nullable(),
      last_error: col.text.nullable(),
      done: col.number,
      errors: col.number,
      job_error: col.text.nullable(),
      job_error_class: col.text.nullable(),
      ahead: col.number,
    }),
    sql`
    SELECT s.status, s.total_episodes, s.started_at, s.finished_at, s.last_error,
           (SELECT coalesce(sum(progress_done), 0) FROM jobs WHERE submission_id = s.id) AS done,
           (SELECT count(*) FROM results WHERE submission_id = s.id AND error_class IS NOT NULL) AS errors,
           je.last_error AS job_error, je.error_class AS job_error_class,
           (SELECT count(*) FROM submissions w WHERE w.status::text = ANY(${LIVE}::text[]) AND w.id < s.id) AS ahead
    FROM submissions s
    LEFT JOIN LATERAL (SELECT last_error, error_class FROM jobs WHERE submission_id = s.id AND last_error IS NOT NULL
                       ORDER BY id DESC LIMIT 1) je ON TRUE
    WHERE s.id = ${submissionId}`,
  );
  if (!r) return null;
  const done = Math.min(r.done, r.total_episodes);
  const classes = await queryRows(
    db,
    z.object({ error_class: col.text, n: col.number }),
    sql`SELECT error_class, count(*)::int AS n FROM results WHERE submission_id = ${submissionId} AND error_class IS NOT NULL GROUP BY error_class ORDER BY n DESC`,
  );
  const [log] = await queryRows(
    db,
    // What a runner's heartbeat sent as `runInfo.log` (unchecked by the runner API: a runner
    // elsewhere may send anything): its lines, or nothing shown if it is not lines.
    z.object({ log: z.array(z.string()).catch([]) }),
    sql`SELECT run_info -> 'log' AS log FROM jobs WHERE submission_id = ${submissionId} AND run_info ? 'log' ORDER BY heartbeat_at DESC NULLS LAST LIMIT 1`,
  );
  const started = r.started_at ? r.started_at.getTime() : null;
  // A finished run's rate is over its run: measured to now, it would keep falling for ever.
  const ended = r.finished_at ? r.finished_at.getTime() : Date.now();
  const elapsedS = started ? (ended - started) / 1000 : 0;
  const rate = started && elapsedS > 0 ? done / elapsedS : null;
  const remaining = r.total_episodes - done;
  const live = isLiveStatus(r.status);
  return {
    status: r.status,
    position: r.status === 'queued' ? r.ahead + 1 : null,
    done,
    total: r.total_episodes,
    errors: r.errors,
    episodesPerSecond: rate,
    etaSeconds: live && rate && rate > 0 ? remaining / rate : null,
    /**
     * The submission's error (`<class>: <message>`), or else its latest job's (the message alone:
     * its class is `lastErrorClass`). Holds an endpoint's reply as the runner quoted it: the site
     * shows it whole to the submission's owner only.
     */
    lastError: r.last_error ?? r.job_error,
    /** The class of `lastError` where it is a job's; null where the message starts with it. */
    lastErrorClass: r.last_error === null ? r.job_error_class : null,
    errorsByClass: Object.fromEntries(classes.map((c) => [c.error_class, c.n])),
    /** The most recent runner log lines of the submission's jobs. */
    log: (log?.log ?? []).slice(-10),
  };
}

/**
 * Waiting and running submissions, oldest first: who submitted what, when, how far it is and when
 * it should finish (from its rate so far). A private submission keeps its place in the queue, but
 * only its owner sees its model and submitter.
 */
export async function queueList(db: Db, viewerId: string | null = null) {
  const rows = await queryRows(
    db,
    z.object({
      id: col.number,
      status: col.text,
      total_episodes: col.number,
      created_at: col.time,
      started_at: col.time.nullable(),
      // Null for a private submission when there is no viewer (NULL = owner_id).
      shown: col.bool.nullable(),
      model: col.text,
      owner_id: col.text.nullable(),
      submitter: col.text.nullable(),
      done: col.number,
      running_s: col.number.nullable(),
    }),
    sql`
    SELECT s.id, s.status, s.total_episodes, s.created_at, s.started_at,
           s.visibility = 'public' OR s.owner_id = ${viewerId} AS shown,
           m.name AS model, s.owner_id, u.name AS submitter,
           (SELECT coalesce(sum(progress_done), 0) FROM jobs WHERE submission_id = s.id)::int AS done,
           extract(epoch FROM now() - s.started_at) AS running_s
    FROM submissions s JOIN models m ON m.id = s.model_id LEFT JOIN users u ON u.id = s.owner_id
    WHERE s.status::text = ANY(${LIVE}::text[]) AND s.visibility <> 'withdrawn' ORDER BY s.id`,
  );
  return rows.map((r, i) => {
    const total = r.total_episodes;
    const done = Math.min(r.done, total);
    const runningS = r.running_s;
    const rate = runningS && runningS > 0 && done > 0 ? done / runningS : null;
    return {
      position: i + 1,
      id: r.id,
      status: r.status,
      /** Null for someone else's private submission. */
      model: r.shown ? r.model : null,
      /** Who submitted it: a user's name, "the CLI" for the operator's own, null when private. */
      submitter: r.shown ? (r.submitter ?? (r.owner_id ? null : 'the CLI')) : null,
      submittedAt: r.created_at,
      startedAt: r.started_at,
      total,
      done,
      /** Seconds until it should finish at its rate so far; null until it has a rate. */
      etaSeconds: rate ? (total - done) / rate : null,
    };
  });
}

/** A connection test's outcome: its state, and the one answer or the error it got. */
export async function probeResult(db: Db, id: number) {
  const [r] = await queryRows(
    db,
    z.object({
      status: col.text,
      owner_id: col.text.nullable(),
      last_error: col.text.nullable(),
      raw_answer: col.text.nullable(),
      error_class: col.text.nullable(),
      job_error: col.text.nullable(),
    }),
    sql`
    SELECT s.status, s.owner_id, s.last_error, r.raw_answer, r.error_class,
           (SELECT last_error FROM jobs j WHERE j.submission_id = s.id ORDER BY id DESC LIMIT 1) AS job_error
    FROM submissions s LEFT JOIN results r ON r.submission_id = s.id
    WHERE s.id = ${id} AND s.probe LIMIT 1`,
  );
  if (!r) return null;
  return {
    status: r.status,
    ownerId: r.owner_id,
    answer: r.raw_answer,
    errorClass: r.error_class,
    error: r.last_error ?? r.job_error,
  };
}

/** How many ranked runs there are, in any state. */
export async function rankedRunCount(db: Db): Promise<number> {
  const [row] = await queryRows(
    db,
    z.object({ n: col.number }),
    sql`SELECT count(*)::int AS n FROM submissions WHERE draw_commitment IS NOT NULL`,
  );
  return row?.n ?? 0;
}
