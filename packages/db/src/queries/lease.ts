import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { ANY_ROW, col, type Executes, queryRows } from './rows';

/** A claimed job. The token is the lease: every later write must present it. */
export interface Lease {
  jobId: number;
  token: string;
  submissionId: number;
  /** Who submitted it ('' for submissions made through the CLI): the unit of fair shares. */
  owner: string;
  firstEpisode: number;
  episodeCount: number;
  attempts: number;
  progressDone: number;
}

/** The lease was lost (expired and taken by another runner, or the job was cancelled). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(jobId: number) {
    super(`job ${jobId}: lease lost (expired, or the job was cancelled); stop working on it`);
  }
}

/** Renews the lease; throws LeaseLostError when it is no longer ours. */
export async function heartbeat(
  db: Db,
  lease: Lease,
  options: { leaseMs: number; runInfo?: unknown },
): Promise<void> {
  const renewed = await queryRows(
    db,
    ANY_ROW,
    sql`UPDATE jobs SET lease_expires_at = now() + ${options.leaseMs} * interval '1 millisecond', heartbeat_at = now(),
          run_info = coalesce(${options.runInfo === undefined ? null : JSON.stringify(options.runInfo)}::jsonb, run_info)
        WHERE id = ${lease.jobId} AND lease_token = ${lease.token} AND status = 'running' RETURNING id`,
  );
  if (renewed.length === 0) throw new LeaseLostError(lease.jobId);
}

/** Locks the job for the rest of the transaction if the lease is still ours. */
export async function holdLease(tx: Executes, lease: Lease): Promise<void> {
  const held = await queryRows(
    tx,
    ANY_ROW,
    sql`SELECT id FROM jobs WHERE id = ${lease.jobId} AND lease_token = ${lease.token} AND status = 'running' FOR UPDATE`,
  );
  if (held.length === 0) throw new LeaseLostError(lease.jobId);
}

/**
 * The lease a runner presents by job id and token (a runner over HTTP sends no more): read from
 * the job, so nothing else it claims (its submission, its episode range) is taken on trust.
 *
 * `holder.runner`: the runner token presenting it (the site's runner API). Such a lease is that
 * token's alone: the API's claim records its owner as `<runner>/<worker>` (runner token names
 * hold no `/`), and a lease token that another runner token claimed, or a database runner
 * (`<host>:<pid>`), is lost to this one, as an unknown token is. The lease token and its owner are
 * set together by one claim and cleared together, so checking the owner here, where every step
 * reads its lease, holds for the writes that then present the token.
 */
export async function leaseOf(
  db: Db,
  jobId: number,
  token: string,
  holder: { runner?: string } = {},
): Promise<Lease> {
  const held =
    holder.runner === undefined
      ? sql`TRUE`
      : sql`starts_with(coalesce(j.lease_owner, ''), ${`${holder.runner}/`})`;
  const [job] = await queryRows(
    db,
    LEASE_ROW,
    sql`SELECT j.id, j.lease_token, j.submission_id, coalesce(s.owner_id, '') AS owner, j.first_episode, j.episode_count,
               j.attempts, j.progress_done
        FROM jobs j JOIN submissions s ON s.id = j.submission_id
        WHERE j.id = ${jobId} AND j.lease_token::text = ${token} AND j.status = 'running' AND ${held}`,
  );
  if (!job) throw new LeaseLostError(jobId);
  return leaseFromRow(job);
}

/**
 * A job row as claim and leaseOf select it: `id, lease_token, submission_id, owner,
 * first_episode, episode_count, attempts, progress_done`.
 */
export const LEASE_ROW = z.object({
  id: col.number,
  lease_token: col.text,
  submission_id: col.number,
  owner: col.text,
  first_episode: col.number,
  episode_count: col.number,
  attempts: col.number,
  progress_done: col.number,
});

/** A job row (`LEASE_ROW`) as a Lease. */
export function leaseFromRow(job: z.output<typeof LEASE_ROW>): Lease {
  return {
    jobId: job.id,
    token: job.lease_token,
    submissionId: job.submission_id,
    owner: job.owner,
    firstEpisode: job.first_episode,
    episodeCount: job.episode_count,
    attempts: job.attempts,
    progressDone: job.progress_done,
  };
}
