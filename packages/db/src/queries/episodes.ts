import type { PairedAnswer, ScorerName } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { LABEL_SWAPPING_POLICIES } from './results';
import { num, pgArray } from './rows';
import { shownResult } from './visibility';

/** One episode with its images (in order, with labels) and, given a submission, its result. */
export async function episodeWithResult(db: Db, episodeId: string, submissionId?: number) {
  const swapped = sql`e.policy = ANY(${pgArray(LABEL_SWAPPING_POLICIES)}::policy[])`;
  const { rows } = await db.execute(sql`
    SELECT e.*, c.query_class, p.key AS pair_key,
           -- The right answer as the episode gave it: the partner's name under a label-swapping
           -- policy (flip), the query concept's otherwise.
           CASE WHEN ${swapped} THEN o.name ELSE c.name END AS label,
           CASE WHEN ${swapped} THEN c.name ELSE o.name END AS other
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
    SELECT ra.episode_id, ra.shots, ra.policy, ra.concept_id, c.pair_id, c.name AS concept, va.outcome = 'correct' AS a_correct, vb.outcome = 'correct' AS b_correct
    FROM results ra JOIN verdicts va ON va.submission_id = ra.submission_id AND va.episode_id = ra.episode_id AND va.scorer = ${scorer}
    JOIN results rb ON rb.submission_id = ${b} AND rb.episode_id = ra.episode_id
    JOIN verdicts vb ON vb.submission_id = rb.submission_id AND vb.episode_id = rb.episode_id AND vb.scorer = ${scorer}
    JOIN concepts c ON c.id = ra.concept_id
    -- The visibility rule on both sides: an open ranked run's errored episode names its concept.
    WHERE ra.submission_id = ${a} AND ${shownResult('ra')} AND ${shownResult('rb')}`);
  return rows.map((r) => ({
    episodeId: String(r.episode_id),
    shots: num(r.shots),
    policy: String(r.policy),
    conceptId: num(r.concept_id),
    pairId: num(r.pair_id),
    concept: String(r.concept),
    aCorrect: Boolean(r.a_correct),
    bCorrect: Boolean(r.b_correct),
  }));
}
