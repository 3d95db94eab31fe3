import { ADAPTERS_WITHOUT_MODEL_CALLS, backoffDelay, ENDPOINT_API_NAMES } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../client';
import { LEASE_ROW, type Lease, LeaseLostError, leaseFromRow } from './lease';
import { computeAggregates, computeExposure, computeSummaries } from './results';
import { ANY_ROW, col, LIVE, queryRows, type Tx } from './rows';
import { publishTallies } from './tallies';

/** A `count(*) AS n` row. */
const COUNT = z.object({ n: col.number });

import { enqueueWebhook } from './webhooks';

export const JOBS_CHANNEL = 'linkboard_jobs';

/**
 * Claims the next runnable job in one statement: a queued job whose time has come, or a running
 * one whose lease expired (its runner died), skipping rows other runners are claiming right now.
 * Fair share: among jobs of equal priority, the submitter with the fewest jobs running (on any
 * runner) goes first, so one submitter's many slow jobs do not queue everyone else behind them.
 */
export async function claimJob(
  db: Db,
  options: {
    worker: string;
    leaseMs: number;
    /** Adapters this runner leaves alone (a runner without GPUs: `serve`). */
    excludeAdapters?: readonly string[];
    /** Only jobs of these adapters (a lane kept for jobs that make no model calls). */
    onlyAdapters?: readonly string[];
    /** Submitters this runner holds its share of already ('' for the CLI's submissions). */
    excludeOwners?: readonly string[];
    /**
     * Only jobs a runner on another host, holding no database and no secret key, can run: no
     * stored API key (it would have to be handed out), no uploaded predictions (they live in the
     * database), no platform-internal endpoint (the site's own reference server), and nothing
     * on a hidden split (its manifest, which labels every query, never leaves the platform).
     */
    portableOnly?: boolean;
    /**
     * With portableOnly: ranked runs asked of an endpoint API (openai, anthropic, gemini) are
     * portable too, for a claimer that hands them out prepared (the site's runner API, given a
     * renderer for their images). A ranked draw is hidden because its manifest labels every
     * query; such a job never needs it: the site sends each episode as the model is asked it
     * (prompt and images, no label) and scores the raw answers itself, and an endpoint adapter
     * reads nothing but the prompt and the images. The rest of a ranked draw stays on the
     * database runner: a built-in baseline reads the manifest's pairs (which name is the familiar
     * one), uploaded predictions live in the database, and a stored key or the platform's internal
     * reference server are refused above as for any job. A served model (serve) stays there too
     * for now: its requests are the openai adapter's, but only the endpoint APIs are exercised on
     * prepared episodes.
     */
    preparedRanked?: boolean;
  },
): Promise<Lease | null> {
  const exclude = sql.param([...(options.excludeAdapters ?? [])]);
  const endpointApis = sql.param([...(options.preparedRanked ? ENDPOINT_API_NAMES : [])]);
  const only = sql.param([...(options.onlyAdapters ?? [])]);
  const owners = sql.param([...(options.excludeOwners ?? [])]);
  const [job] = await queryRows(
    db,
    LEASE_ROW,
    sql`UPDATE jobs SET status = 'running', lease_owner = ${options.worker}, lease_token = gen_random_uuid(),
          lease_expires_at = now() + ${options.leaseMs} * interval '1 millisecond', heartbeat_at = now(),
          -- A job taken over from a runner that stopped answering goes on with the same attempt:
          -- the lease was lost, the job did not fail (SET reads the row as it was).
          attempts = attempts + (CASE WHEN status = 'running' THEN 0 ELSE 1 END),
          lease_losses = lease_losses + (CASE WHEN status = 'running' THEN 1 ELSE 0 END),
          started_at = coalesce(started_at, now())
        WHERE id = (
          WITH busy AS (
            SELECT coalesce(bs.owner_id, '') AS owner, count(*) AS n
            FROM jobs b JOIN submissions bs ON bs.id = b.submission_id
            WHERE b.status = 'running' AND b.lease_expires_at >= now()
            GROUP BY 1)
          SELECT j.id FROM jobs j
          JOIN submissions s ON s.id = j.submission_id
          LEFT JOIN busy ON busy.owner = coalesce(s.owner_id, '')
          WHERE ((j.status = 'queued' AND j.run_after <= now())
             OR (j.status = 'running' AND j.lease_expires_at < now()
                 AND j.lease_losses < j.max_attempts * ${LEASE_LOSSES_PER_ATTEMPT}))
            AND NOT (s.adapter::text = ANY(${exclude}::text[]))
            AND (cardinality(${only}::text[]) = 0 OR s.adapter::text = ANY(${only}::text[]))
            AND NOT (coalesce(s.owner_id, '') = ANY(${owners}::text[]))
            AND (${options.portableOnly === true} = FALSE
                 OR (s.secret IS NULL AND s.adapter::text <> 'predictions' AND NOT (s.adapter_config ? 'internal')
                     AND NOT EXISTS (SELECT 1 FROM benchmark_versions hv
                                     WHERE hv.id = s.benchmark_version_id AND hv.split = 'hidden'
                                       AND NOT (hv.ranked_draw AND s.adapter::text = ANY(${endpointApis}::text[])))))
          ORDER BY j.priority DESC, coalesce(busy.n, 0), j.id
          FOR UPDATE OF j SKIP LOCKED
          LIMIT 1)
        RETURNING id, lease_token, submission_id, first_episode, episode_count, attempts, progress_done,
          (SELECT coalesce(owner_id, '') FROM submissions WHERE id = jobs.submission_id) AS owner`,
  );
  if (!job) return null;
  await db.execute(
    // A run that asks a model starts with its preflight (see core's preflightPrompt), until one passed.
    sql`UPDATE submissions SET started_at = coalesce(started_at, now()),
          status = CASE WHEN preflight IS NULL AND NOT (adapter::text = ANY(${sql.param([...ADAPTERS_WITHOUT_MODEL_CALLS])}::text[]))
                        THEN 'preflight'::submission_status ELSE 'running'::submission_status END
        WHERE id = ${job.submission_id} AND status = 'queued'`,
  );
  return leaseFromRow(job);
}

/** A job asked to complete while some of its episodes have no stored result: it stays running. */
export class IncompleteJobError extends Error {
  override name = 'IncompleteJobError';
  constructor(
    readonly jobId: number,
    readonly stored: number,
    readonly expected: number,
  ) {
    super(
      `job ${jobId}: only ${stored} of its ${expected} episodes have a stored result, so it was not completed`,
    );
  }
}

/**
 * Marks the job done, given its episodes' ids, once every one of them has a stored result (an
 * answer or an error): a batch the runner failed to write keeps the job from completing, so no
 * result is silently missing from a finished submission. The transaction that completes a
 * submission's last job also makes its aggregates (see tallies.ts) and its exposure check and
 * marks it done, so a finished submission always has its leaderboard rows, and no other does.
 */
export async function completeJob(
  db: Db,
  lease: Lease,
  episodeIds: readonly string[],
): Promise<{ submissionDone: boolean }> {
  const ids = [...new Set(episodeIds)];
  if (ids.length !== lease.episodeCount)
    throw new Error(
      `job ${lease.jobId} holds ${lease.episodeCount} episodes, but ${ids.length} distinct ids were given to complete it`,
    );
  return db.transaction(async (tx) => {
    const done = await queryRows(
      tx,
      ANY_ROW,
      sql`UPDATE jobs SET status = 'done', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
          WHERE id = ${lease.jobId} AND lease_token = ${lease.token} AND status = 'running' RETURNING id`,
    );
    if (done.length === 0) throw new LeaseLostError(lease.jobId);
    // Throwing rolls the status change back: the job stays running under this lease.
    const [stored] = await queryRows(
      tx,
      COUNT,
      sql`SELECT count(*) AS n FROM results WHERE submission_id = ${lease.submissionId} AND episode_id = ANY(${sql.param(ids)}::text[])`,
    );
    const storedN = stored?.n ?? 0;
    if (storedN < ids.length) throw new IncompleteJobError(lease.jobId, storedN, ids.length);
    // Serialises the last two jobs of a submission finishing at once: one of them sees zero left.
    await tx.execute(sql`SELECT id FROM submissions WHERE id = ${lease.submissionId} FOR UPDATE`);
    const [left] = await queryRows(
      tx,
      COUNT,
      sql`SELECT count(*) AS n FROM jobs WHERE submission_id = ${lease.submissionId} AND status <> 'done'`,
    );
    if ((left?.n ?? 0) > 0) return { submissionDone: false };
    // The aggregates were counted as the results were written (tallies.ts); counted from the
    // results here only where those tallies do not account for every one of them.
    if (await publishTallies(tx, lease.submissionId))
      await computeSummaries(tx, lease.submissionId);
    else await computeAggregates(tx, lease.submissionId);
    await computeExposure(tx, lease.submissionId);
    const finished = await queryRows(
      tx,
      ANY_ROW,
      sql`UPDATE submissions SET status = 'done', finished_at = now() WHERE id = ${lease.submissionId} AND status::text = ANY(${LIVE}::text[]) RETURNING id`,
    );
    if (finished.length > 0) await enqueueWebhook(tx, lease.submissionId);
    return { submissionDone: true };
  });
}

/** Capped exponential backoff with jitter for a job's next attempt, in milliseconds. */
export function retryDelayMs(
  attempts: number,
  baseMs = 5_000,
  capMs = 300_000,
  random = Math.random,
): number {
  return backoffDelay(attempts - 1, { baseMs, capMs, jitter: 'equal', random });
}

/**
 * Fails the current attempt: the job is retried after a backoff while attempts remain and the
 * error is worth retrying; otherwise it fails, and its submission with it (the other jobs of the
 * submission are cancelled rather than spent on a run that cannot finish).
 */
export async function failJob(
  db: Db,
  lease: Lease,
  failure: { error: string; errorClass: string; retryable: boolean; delayMs?: number },
): Promise<{ willRetry: boolean }> {
  return db.transaction(async (tx) => {
    const [job] = await queryRows(
      tx,
      z.object({ attempts: col.number, max_attempts: col.number }),
      sql`SELECT attempts, max_attempts FROM jobs WHERE id = ${lease.jobId} AND lease_token = ${lease.token} AND status = 'running' FOR UPDATE`,
    );
    if (!job) throw new LeaseLostError(lease.jobId);
    if (failure.retryable && job.attempts < job.max_attempts) {
      const delay = failure.delayMs ?? retryDelayMs(job.attempts);
      await tx.execute(
        sql`UPDATE jobs SET status = 'queued', lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL,
              run_after = now() + ${delay} * interval '1 millisecond', last_error = ${failure.error}, error_class = ${failure.errorClass}
            WHERE id = ${lease.jobId}`,
      );
      return { willRetry: true };
    }
    await tx.execute(
      sql`UPDATE jobs SET status = 'failed', finished_at = now(), lease_token = NULL, lease_expires_at = NULL,
            last_error = ${failure.error}, error_class = ${failure.errorClass} WHERE id = ${lease.jobId}`,
    );
    await markSubmissionFailed(tx, lease.submissionId, `${failure.errorClass}: ${failure.error}`);
    return { willRetry: false };
  });
}

async function markSubmissionFailed(tx: Tx, submissionId: number, error: string) {
  const failed = await queryRows(
    tx,
    ANY_ROW,
    sql`UPDATE submissions SET status = 'failed', finished_at = now(), last_error = ${error} WHERE id = ${submissionId} AND status::text = ANY(${LIVE}::text[]) RETURNING id`,
  );
  // Only the transition announces: a submission failed already was announced then.
  if (failed.length > 0) await enqueueWebhook(tx, submissionId);
  await tx.execute(
    sql`UPDATE jobs SET status = 'cancelled', lease_token = NULL, lease_expires_at = NULL WHERE submission_id = ${submissionId} AND status IN ('queued', 'running')`,
  );
}

/** Gives a job back untouched (a runner shutting down): it does not count as an attempt. */
export async function releaseJob(db: Db, lease: Lease): Promise<void> {
  await db.execute(
    sql`UPDATE jobs SET status = 'queued', lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL,
          attempts = greatest(attempts - 1, 0), run_after = now()
        WHERE id = ${lease.jobId} AND lease_token = ${lease.token} AND status = 'running'`,
  );
  await db.execute(sql`SELECT pg_notify(${JOBS_CHANNEL}, ${String(lease.submissionId)})`);
}

/**
 * Leases a job may lose to runners that stop answering, per attempt it is allowed: a killed
 * runner does not spend the job's attempts (its work is kept and taken over), but a job that
 * kills every runner that takes it (20 runners at the default 5 attempts) still ends.
 */
export const LEASE_LOSSES_PER_ATTEMPT = 4;

/** Fails jobs whose lease expired with no takeover left: every runner that took them died. */
export async function reapExpiredJobs(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const dead = await queryRows(
      tx,
      z.object({ id: col.number, submission_id: col.number, lease_losses: col.number }),
      sql`UPDATE jobs SET status = 'failed', finished_at = now(), lease_token = NULL,
            last_error = 'its runners stopped responding ' || (lease_losses + 1) || ' times: the job may be killing them',
            error_class = 'lease-expired'
          WHERE status = 'running' AND lease_expires_at < now()
            AND lease_losses >= max_attempts * ${LEASE_LOSSES_PER_ATTEMPT}
          RETURNING id, submission_id, lease_losses`,
    );
    for (const submissionId of new Set(dead.map((d) => d.submission_id))) {
      await markSubmissionFailed(
        tx,
        submissionId,
        'lease-expired: a job kept losing its runner (each one stopped responding while it ran)',
      );
    }
    return dead.length;
  });
}

/**
 * Waits for new work: LISTEN on the jobs channel, with a timeout so that delayed retries and
 * expired leases are picked up without a notification. No busy loop.
 */
export class JobWaiter {
  private client: pg.PoolClient | null = null;
  private connecting: Promise<pg.PoolClient> | null = null;
  private readonly waiting = new Set<() => void>();

  /** Notifications heard so far (and lost connections, which may have hidden some). */
  private announced = 0;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Starts listening if need be and returns how many announcements were heard: a claim that found
   * nothing takes this mark first, then waits with it, so work announced in between is not missed.
   */
  async mark(): Promise<number> {
    await this.listen();
    return this.announced;
  }

  /** Wakes every waiter now (a slot of this runner came free, say). */
  wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private async listen(): Promise<void> {
    if (this.client) return;
    this.connecting ??= (async () => {
      const client = await this.pool.connect();
      client.on('notification', () => {
        this.announced++;
        this.wakeAll();
      });
      // A server going away (Ctrl-C reaches the embedded PostgreSQL too, or an outage) must not
      // crash us: wake everyone, drop the connection, and listen afresh on the next wait.
      client.on('error', () => {
        // A client errors more than once, or after close() gave it back: release it once only.
        if (this.client !== client) return;
        this.client = null;
        client.release(true);
        this.announced++;
        this.wakeAll();
      });
      try {
        await client.query(`LISTEN ${JOBS_CHANNEL}`);
      } catch (error) {
        client.release(true);
        throw error;
      }
      return client;
    })();
    try {
      this.client = await this.connecting;
    } finally {
      this.connecting = null;
    }
  }

  /**
   * Sleeps until a job may be ready: a notification, the timeout, or the signal; at once if there
   * were announcements since `after` (a `mark()`).
   */
  async wait(timeoutMs: number, signal?: AbortSignal, after?: number): Promise<void> {
    await this.listen();
    if (after !== undefined && this.announced > after) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiting.add(done);
    });
  }

  async close(): Promise<void> {
    this.wakeAll();
    const client = this.client;
    if (!client) return;
    this.client = null;
    await client.query(`UNLISTEN ${JOBS_CHANNEL}`).catch(() => {});
    client.release();
  }
}

/** What an operator watches, read in one statement at scrape time (the site's `/metrics`). */
export interface OperationsSnapshot {
  /** Jobs waiting to run (status queued, due now or later). */
  queueDepth: number;
  /** Seconds since the oldest queued job was created; 0 with none queued. */
  oldestQueuedSeconds: number;
  /** Episode results written, answers and errors: Prometheus' rate() of it is episodes per second. */
  results: number;
  /** Results without an answer, by their error class. */
  errorsByClass: Record<string, number>;
  /** Distinct runners (lease owners) whose heartbeat is under a minute old. */
  runnersSeen: number;
}

/** Distinct runners (lease owners) holding a job whose heartbeat is under a minute old. */
const RUNNERS_AT_WORK = sql`(SELECT count(DISTINCT lease_owner)::int FROM jobs
  WHERE lease_owner IS NOT NULL AND heartbeat_at > now() - interval '1 minute')`;

/**
 * How many runners are working on this database's queue (`RUNNERS_AT_WORK`). An idle runner
 * holds no job, but it claims a queued one at once: none at work while a job waits means none
 * is running.
 */
export async function runnersAtWork(db: Db): Promise<number> {
  const [row] = await queryRows(
    db,
    z.object({ n: col.number }),
    sql`SELECT ${RUNNERS_AT_WORK} AS n`,
  );
  return row?.n ?? 0;
}

export async function operationsSnapshot(db: Db): Promise<OperationsSnapshot> {
  const [row] = await queryRows(
    db,
    z.object({
      queue_depth: col.number,
      oldest_queued_seconds: col.number,
      results: col.number,
      // A jsonb object of bigint counts: numbers in JSON.
      errors: z.record(z.string(), col.number).nullable(),
      runners_seen: col.number,
    }),
    sql`WITH by_class AS (SELECT error_class, count(*) AS n FROM results GROUP BY error_class)
        SELECT
          (SELECT count(*)::int FROM jobs WHERE status = 'queued') AS queue_depth,
          (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
             FROM jobs WHERE status = 'queued') AS oldest_queued_seconds,
          -- One pass over results for both: the total, and the errors by class.
          (SELECT coalesce(sum(n), 0) FROM by_class) AS results,
          (SELECT jsonb_object_agg(error_class, n) FROM by_class WHERE error_class IS NOT NULL) AS errors,
          ${RUNNERS_AT_WORK} AS runners_seen`,
  );
  return {
    queueDepth: row?.queue_depth ?? 0,
    oldestQueuedSeconds: row?.oldest_queued_seconds ?? 0,
    results: row?.results ?? 0,
    errorsByClass: row?.errors ?? {},
    runnersSeen: row?.runners_seen ?? 0,
  };
}
