import {
  LINK_GAIN_POLICIES,
  type RankedSubmission,
  type ScorerName,
  type SubmissionCounts,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { num } from './rows';

/** Benchmark versions with how many finished submissions each has, newest first. */
export async function listBenchmarkVersions(db: Db) {
  const { rows } = await db.execute(sql`
    SELECT v.id, b.name, v.version, v.manifest_hash, v.created_at,
           (SELECT count(*) FROM submissions s WHERE s.benchmark_version_id = v.id AND s.status = 'done' AND s.visibility = 'public')::int AS submissions,
           (SELECT count(*) FROM pairs p WHERE p.benchmark_version_id = v.id)::int AS pairs
    FROM benchmark_versions v JOIN benchmarks b ON b.id = v.benchmark_id
    ORDER BY submissions DESC, v.id DESC`);
  return rows.map((r) => ({
    id: num(r.id),
    name: String(r.name),
    version: String(r.version),
    manifestHash: String(r.manifest_hash),
    submissions: num(r.submissions),
    pairs: num(r.pairs),
  }));
}

/** A leaderboard row's counts and what it shows of its submission; core ranks them. */
export interface LeaderboardCounts extends SubmissionCounts {
  model: string;
  organisation: string | null;
  finishedAt: Date | null;
}

/** A ranked leaderboard row, as core's `rankSubmissions` makes it of `LeaderboardCounts`. */
export type LeaderboardRow = RankedSubmission<LeaderboardCounts>;

/**
 * The counts behind a benchmark version's leaderboard for one policy and scorer: finished public
 * submissions, from the aggregate table only (never the results). Statistics (accuracy,
 * intervals, link gain, tiers) are core's `rankSubmissions`.
 */
export async function leaderboardCounts(
  db: Db,
  options: { benchmarkVersionId: number; policy: string; scorer: ScorerName },
): Promise<LeaderboardCounts[]> {
  // One precomputed row per submission (submission_summaries): no grouping on the hottest read.
  const { rows } = await db.execute(sql`
    SELECT s.id AS submission_id, m.name AS model, m.organisation, s.finished_at,
           ss.n, ss.correct, ss.unreadable, ss.novel_n, ss.novel_correct, ss.per_shot,
           lcl.n AS lcl_n, lcl.correct AS lcl_correct, icl.n AS icl_n, icl.correct AS icl_correct
    FROM submission_summaries ss
    JOIN submissions s ON s.id = ss.submission_id
    JOIN models m ON m.id = s.model_id
    LEFT JOIN submission_summaries lcl
      ON lcl.submission_id = ss.submission_id AND lcl.scorer = ss.scorer AND lcl.policy = ${LINK_GAIN_POLICIES.linked}::policy
    LEFT JOIN submission_summaries icl
      ON icl.submission_id = ss.submission_id AND icl.scorer = ss.scorer AND icl.policy = ${LINK_GAIN_POLICIES.plain}::policy
    WHERE ss.scorer = ${options.scorer} AND ss.policy = ${options.policy}::policy
      AND s.benchmark_version_id = ${options.benchmarkVersionId} AND s.status = 'done' AND s.visibility = 'public'`);
  const countsOf = (correct: unknown, n: unknown) =>
    n === null ? null : { correct: num(correct), n: num(n) };
  return rows.map((r) => ({
    submissionId: num(r.submission_id),
    model: String(r.model),
    organisation: (r.organisation as string | null) ?? null,
    finishedAt: r.finished_at ? new Date(r.finished_at as string) : null,
    n: num(r.n),
    correct: num(r.correct),
    unreadable: num(r.unreadable),
    novel: { correct: num(r.novel_correct), n: num(r.novel_n) },
    perShot: Object.fromEntries(
      Object.entries(r.per_shot as Record<string, [number, number]>).map(([shots, [k, total]]) => [
        Number(shots),
        { correct: k, n: total },
      ]),
    ),
    lcl: countsOf(r.lcl_correct, r.lcl_n),
    icl: countsOf(r.icl_correct, r.icl_n),
  }));
}
