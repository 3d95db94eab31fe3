import {
  type AdapterConfig,
  countEpisodes,
  DEFAULT_SCORER,
  indexBenchmark,
  type PolicyName,
  parseAdapterConfig,
  type ScorerName,
  storedAdapterConfig,
} from '@linkboard/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { jobs, predictions, submissions } from '../schema';
import { getBenchmarkVersion } from './benchmarks';
import { type NewModel, registerModel } from './models';

export const JOBS_CHANNEL = 'linkboard_jobs';

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
   * How to reach the model (core's `AdapterConfig`, parsed again here). No secrets here: pass the
   * encrypted key as `secret`.
   */
  adapterConfig: AdapterConfig;
  secret?: string | null;
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
  visibility?: 'public' | 'private' | 'hidden';
  ownerId?: string;
  provenance?: Record<string, unknown>;
  /** Episodes per job (shard). */
  shardSize?: number;
  /** Run only the first N episodes (a connection test runs one). */
  episodeLimit?: number;
  maxAttempts?: number;
  /**
   * At most `limit` submissions of this kind by `ownerId` in 24 hours (connection tests count
   * apart from submissions). Checked inside the creating transaction under a per-owner lock, so
   * concurrent requests cannot all pass the count before any of them inserts.
   */
  quota?: { ownerId: string; limit: number; probes: boolean };
}

const PREDICTION_BATCH = 10_000;
const PREDICTION_UPLOAD_BATCH = 50_000;

/** A submission refused because its owner's daily quota is used up. */
export class QuotaError extends Error {
  override name = 'QuotaError';
}

/**
 * Creates a submission and its jobs (shards of its episodes, in their deterministic order) in one
 * transaction, and wakes the runners. The benchmark is checked to supply every shot count first:
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
    if (input.quota) {
      const { ownerId, limit, probes } = input.quota;
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`quota|${ownerId}`}))`);
      const { rows } = await tx.execute(sql`
        SELECT count(*)::int AS n FROM submissions
        WHERE owner_id = ${ownerId} AND created_at > now() - interval '24 hours'
          AND probe = ${probes}`);
      if (Number(rows[0]?.n ?? 0) >= limit)
        throw new QuotaError(
          `the daily quota of ${limit} ${probes ? 'connection tests' : 'submissions'} is used up; try again tomorrow`,
        );
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
        shots: input.shots,
        policies: input.policies,
        draws,
        scorer: input.scorer ?? DEFAULT_SCORER,
        visibility: input.visibility ?? 'public',
        ownerId: input.ownerId,
        totalEpisodes: total,
        provenance: input.provenance ?? {},
      })
      .returning({ id: submissions.id });
    const submissionId = (row as { id: number }).id;
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

/** A submission as the site may show it: everything but the encrypted secret. */
export async function getSubmission(db: Db, id: number) {
  const row = await db.query.submissions.findFirst({
    where: eq(submissions.id, id),
    columns: { secret: false },
  });
  return row ?? null;
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
      .where(and(eq(submissions.id, id), inArray(submissions.status, ['queued', 'running'])))
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
    return true;
  });
}

/** Merges facts into a submission's provenance (what ran it, on what, with which settings). */
export async function recordProvenance(
  db: Db,
  submissionId: number,
  facts: Record<string, unknown>,
): Promise<void> {
  await db.execute(
    sql`UPDATE submissions SET provenance = provenance || ${JSON.stringify(facts)}::jsonb WHERE id = ${submissionId}`,
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
