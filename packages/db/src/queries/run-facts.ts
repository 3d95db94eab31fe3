import {
  mergeServedBy,
  type PreflightFacts,
  PreflightFactsSchema,
  type ServedBy,
  ServedBySchema,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { holdLease, type Lease, LeaseLostError } from './lease';
import { ANY_ROW, col, queryRows } from './rows';

/**
 * What a run learns of its endpoint beside its answers, written under a job's lease: the
 * preflight that let it start, what answered, and what it has spent so far (for its cost cap).
 */

/**
 * The preflight passed: kept (the first one's facts, when two jobs of the run sent one each) and
 * the submission moves on from `preflight` to `running`. Facts are checked here, on every path.
 */
export async function passPreflight(db: Db, lease: Lease, facts: PreflightFacts): Promise<void> {
  const checked = PreflightFactsSchema.parse(facts);
  const passed = await queryRows(
    db,
    ANY_ROW,
    sql`UPDATE submissions s SET preflight = coalesce(s.preflight, ${JSON.stringify(checked)}::jsonb),
          status = CASE WHEN s.status = 'preflight' THEN 'running'::submission_status ELSE s.status END
        FROM jobs j
        WHERE j.id = ${lease.jobId} AND j.lease_token = ${lease.token} AND j.status = 'running'
          AND s.id = j.submission_id
        RETURNING s.id`,
  );
  if (passed.length === 0) throw new LeaseLostError(lease.jobId);
}

/**
 * Adds a job's tally of what answered to its submission's (core's `mergeServedBy`), under the
 * lease and the submission's row lock, so two jobs finishing at once both count.
 */
export async function recordServedBy(db: Db, lease: Lease, servedBy: ServedBy): Promise<void> {
  const checked = ServedBySchema.parse(servedBy);
  await db.transaction(async (tx) => {
    await holdLease(tx, lease);
    const [row] = await queryRows(
      tx,
      z.object({ served_by: ServedBySchema.nullable().catch(null) }),
      sql`SELECT served_by FROM submissions WHERE id = ${lease.submissionId} FOR UPDATE`,
    );
    const merged = mergeServedBy(row?.served_by ?? null, checked);
    await tx.execute(
      sql`UPDATE submissions SET served_by = ${JSON.stringify(merged)}::jsonb WHERE id = ${lease.submissionId}`,
    );
  });
}

/** Tokens a submission's stored answers used, over all its jobs (what its cost cap is held to). */
export async function spentTokens(
  db: Db,
  submissionId: number,
): Promise<{ promptTokens: number; completionTokens: number }> {
  const [row] = await queryRows(
    db,
    z.object({ prompt: col.number, completion: col.number }),
    sql`SELECT coalesce(sum(prompt_tokens), 0)::float8 AS prompt, coalesce(sum(completion_tokens), 0)::float8 AS completion
        FROM results WHERE submission_id = ${submissionId}`,
  );
  return { promptTokens: row?.prompt ?? 0, completionTokens: row?.completion ?? 0 };
}

/**
 * Episodes per second of the model's last finished run (by its name's key), or null when it has
 * none: what an estimate's time is measured at. Its endpoint may have changed since; the estimate
 * says whose rate it used.
 */
export async function measuredRate(
  db: Db,
  modelNameKey: string,
): Promise<{ episodesPerSecond: number; submissionId: number } | null> {
  const [row] = await queryRows(
    db,
    z.object({ id: col.number, rate: col.number }),
    sql`SELECT s.id, s.total_episodes / greatest(extract(epoch FROM s.finished_at - s.started_at), 1) AS rate
        FROM submissions s JOIN models m ON m.id = s.model_id
        WHERE m.name_key = ${modelNameKey} AND s.status = 'done' AND NOT s.probe
          AND s.started_at IS NOT NULL AND s.finished_at IS NOT NULL
        ORDER BY s.finished_at DESC LIMIT 1`,
  );
  return row ? { episodesPerSecond: row.rate, submissionId: row.id } : null;
}
