import {
  LINK_GAIN_POLICIES,
  type PairedAnswer,
  type RankedSubmission,
  type ScorerName,
  type SubmissionCounts,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { num, outcomeCountsOf } from './rows';

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

/** Per-concept breakdown of a submission: accuracy and outcome counts per concept × shot × policy. */
export async function conceptBreakdown(db: Db, submissionId: number, scorer: ScorerName) {
  const { rows } = await db.execute(sql`
    SELECT c.id AS concept_id, c.key, c.name, c.query_class, p.key AS pair_key, cs.shots, cs.policy,
           cs.n, cs.correct, cs.other_label, cs."both", cs.neither, cs.empty, cs.error
    FROM submission_concept_scores cs
    JOIN concepts c ON c.id = cs.concept_id
    JOIN pairs p ON p.id = c.pair_id
    WHERE cs.submission_id = ${submissionId} AND cs.scorer = ${scorer}
    ORDER BY p.key, c.query_class, cs.shots, cs.policy`);
  return rows.map((r) => ({
    conceptId: num(r.concept_id),
    conceptKey: String(r.key),
    name: String(r.name),
    queryClass: r.query_class as 'novel' | 'familiar',
    pairKey: String(r.pair_key),
    shots: num(r.shots),
    policy: String(r.policy),
    n: num(r.n),
    correct: num(r.correct),
    outcomes: outcomeCountsOf(r),
  }));
}

/** One episode with its images (in order, with labels) and, given a submission, its result. */
export async function episodeWithResult(db: Db, episodeId: string, submissionId?: number) {
  const { rows } = await db.execute(sql`
    SELECT e.*, c.name AS label, c.query_class, o.name AS other, p.key AS pair_key
    FROM episodes e
    JOIN concepts c ON c.id = e.concept_id
    JOIN concepts o ON o.pair_id = c.pair_id AND o.id <> c.id
    JOIN pairs p ON p.id = c.pair_id
    WHERE e.id = ${episodeId}`);
  const e = rows[0];
  if (!e) return null;
  let result = null;
  if (submissionId !== undefined) {
    const found = await db.execute(
      sql`SELECT r.*, (SELECT coalesce(jsonb_agg(jsonb_build_object('scorer', v.scorer, 'version', v.scorer_version,
                                                 'outcome', v.outcome, 'rule', v.rule) ORDER BY v.scorer), '[]')
                       FROM verdicts v WHERE v.submission_id = r.submission_id AND v.episode_id = r.episode_id) AS verdicts
          FROM results r WHERE r.submission_id = ${submissionId} AND r.episode_id = ${episodeId}`,
    );
    const r = found.rows[0];
    if (r) {
      result = {
        rawAnswer: (r.raw_answer as string | null) ?? null,
        answerTruncated: r.answer_truncated === true,
        errorClass: (r.error_class as string | null) ?? null,
        /** Every scorer's verdict, by scorer name. */
        verdicts: r.verdicts as {
          scorer: string;
          version: number;
          outcome: string;
          rule: string;
        }[],
        latencyMs: r.latency_ms === null ? null : num(r.latency_ms),
      };
    }
  }
  return {
    id: String(e.id),
    shots: num(e.shots),
    draw: num(e.draw),
    policy: String(e.policy),
    pairKey: String(e.pair_key),
    query: {
      imageId: String(e.query_image),
      label: String(e.label),
      other: String(e.other),
      queryClass: String(e.query_class),
    },
    support: e.support as { imageId: string; label: string }[],
    promptText: String(e.prompt_text),
    demoHash: String(e.demo_hash),
    result,
  };
}

/**
 * Two submissions' verdicts by one scorer on every episode both answered: what core's
 * `compareOnSharedEpisodes` compares.
 */
export async function pairedAnswers(
  db: Db,
  a: number,
  b: number,
  scorer: ScorerName,
): Promise<PairedAnswer[]> {
  const { rows } = await db.execute(sql`
    SELECT ra.episode_id, ra.shots, ra.policy, ra.concept_id, c.name AS concept, va.outcome = 'correct' AS a_correct, vb.outcome = 'correct' AS b_correct
    FROM results ra JOIN verdicts va ON va.submission_id = ra.submission_id AND va.episode_id = ra.episode_id AND va.scorer = ${scorer}
    JOIN verdicts vb ON vb.submission_id = ${b} AND vb.episode_id = ra.episode_id AND vb.scorer = ${scorer}
    JOIN concepts c ON c.id = ra.concept_id
    WHERE ra.submission_id = ${a}`);
  return rows.map((r) => ({
    episodeId: String(r.episode_id),
    shots: num(r.shots),
    policy: String(r.policy),
    conceptId: num(r.concept_id),
    concept: String(r.concept),
    aCorrect: Boolean(r.a_correct),
    bCorrect: Boolean(r.b_correct),
  }));
}

/** Queue status of a submission: state, position among waiting submissions, progress, rate, ETA, last error. */
export async function queueStatus(db: Db, submissionId: number) {
  const { rows } = await db.execute(sql`
    SELECT s.status, s.total_episodes, s.started_at, s.last_error, s.created_at,
           (SELECT coalesce(sum(progress_done), 0) FROM jobs WHERE submission_id = s.id) AS done,
           (SELECT count(*) FROM results WHERE submission_id = s.id AND error_class IS NOT NULL) AS errors,
           (SELECT last_error FROM jobs WHERE submission_id = s.id AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS job_error,
           (SELECT count(*) FROM submissions w WHERE w.status IN ('queued', 'running') AND w.id < s.id) AS ahead
    FROM submissions s WHERE s.id = ${submissionId}`);
  const r = rows[0];
  if (!r) return null;
  const done = Math.min(num(r.done), num(r.total_episodes));
  const classes = await db.execute(
    sql`SELECT error_class, count(*)::int AS n FROM results WHERE submission_id = ${submissionId} AND error_class IS NOT NULL GROUP BY error_class ORDER BY n DESC`,
  );
  const log = await db.execute(
    sql`SELECT run_info -> 'log' AS log FROM jobs WHERE submission_id = ${submissionId} AND run_info ? 'log' ORDER BY heartbeat_at DESC NULLS LAST LIMIT 1`,
  );
  const started = r.started_at ? new Date(r.started_at as string).getTime() : null;
  const elapsedS = started ? (Date.now() - started) / 1000 : 0;
  const rate = started && elapsedS > 0 ? done / elapsedS : null;
  const remaining = num(r.total_episodes) - done;
  return {
    status: String(r.status),
    position: r.status === 'queued' ? num(r.ahead) + 1 : null,
    done,
    total: num(r.total_episodes),
    errors: num(r.errors),
    episodesPerSecond: rate,
    etaSeconds: rate && rate > 0 ? remaining / rate : null,
    lastError: ((r.last_error ?? r.job_error) as string | null) ?? null,
    errorsByClass: Object.fromEntries(classes.rows.map((c) => [String(c.error_class), num(c.n)])),
    /** The most recent runner log lines of the submission's jobs. */
    log: ((log.rows[0]?.log as string[] | undefined) ?? []).slice(-10),
  };
}
