import { type PairedAnswer, POLICY_NAMES, queryLabels, type ScorerName } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { col, queryRows, STORED_SUPPORT, VERDICTS } from './rows';
import { shownResult } from './visibility';

/** One episode with its images (in order, with labels) and, given a submission, its result. */
export async function episodeWithResult(db: Db, episodeId: string, submissionId?: number) {
  const [e] = await queryRows(
    db,
    z.object({
      id: col.text,
      shots: col.number,
      draw: col.number,
      policy: z.enum(POLICY_NAMES),
      query_image: col.text,
      support: STORED_SUPPORT,
      prompt_text: col.text,
      demo_hash: col.text,
      query_class: col.text,
      pair_key: col.text,
      concept: col.text,
      partner: col.text,
    }),
    sql`
    SELECT e.id, e.shots, e.draw, e.policy, e.query_image, e.support, e.prompt_text, e.demo_hash,
           c.query_class, p.key AS pair_key, c.name AS concept, o.name AS partner
    FROM episodes e
    JOIN concepts c ON c.id = e.concept_id
    JOIN concepts o ON o.pair_id = c.pair_id AND o.id <> c.id
    JOIN pairs p ON p.id = c.pair_id
    WHERE e.id = ${episodeId}`,
  );
  if (!e) return null;
  let result = null;
  if (submissionId !== undefined) {
    const [r] = await queryRows(
      db,
      z.object({
        raw_answer: col.text.nullable(),
        answer_truncated: col.bool,
        error_class: col.text.nullable(),
        latency_ms: col.number.nullable(),
        verdicts: VERDICTS,
      }),
      sql`SELECT r.raw_answer, r.answer_truncated, r.error_class, r.latency_ms,
                 (SELECT coalesce(jsonb_agg(jsonb_build_object('scorer', v.scorer, 'version', v.scorer_version,
                                                 'outcome', v.outcome, 'rule', v.rule) ORDER BY v.scorer), '[]')
                       FROM verdicts v WHERE v.submission_id = r.submission_id AND v.episode_id = r.episode_id) AS verdicts
          FROM results r WHERE r.submission_id = ${submissionId} AND r.episode_id = ${episodeId}`,
    );
    if (r) {
      result = {
        rawAnswer: r.raw_answer,
        answerTruncated: r.answer_truncated,
        errorClass: r.error_class,
        /** Every scorer's verdict, by scorer name. */
        verdicts: r.verdicts,
        latencyMs: r.latency_ms,
      };
    }
  }
  // The right answer as the episode gave it: the partner's name under a label-swapping policy
  // (flip), the query concept's otherwise (core's `queryLabels`).
  const { label, other } = queryLabels(e.policy, e.concept, e.partner);
  return {
    id: e.id,
    shots: e.shots,
    draw: e.draw,
    policy: e.policy,
    pairKey: e.pair_key,
    query: { imageId: e.query_image, label, other, queryClass: e.query_class },
    support: e.support,
    promptText: e.prompt_text,
    demoHash: e.demo_hash,
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
  const rows = await queryRows(
    db,
    z.object({
      episode_id: col.text,
      shots: col.number,
      policy: col.text,
      concept_id: col.number,
      pair_id: col.number,
      concept: col.text,
      a_correct: col.bool,
      b_correct: col.bool,
    }),
    sql`
    SELECT ra.episode_id, ra.shots, ra.policy, ra.concept_id, c.pair_id, c.name AS concept, va.outcome = 'correct' AS a_correct, vb.outcome = 'correct' AS b_correct
    FROM results ra JOIN verdicts va ON va.submission_id = ra.submission_id AND va.episode_id = ra.episode_id AND va.scorer = ${scorer}
    JOIN results rb ON rb.submission_id = ${b} AND rb.episode_id = ra.episode_id
    JOIN verdicts vb ON vb.submission_id = rb.submission_id AND vb.episode_id = rb.episode_id AND vb.scorer = ${scorer}
    JOIN concepts c ON c.id = ra.concept_id
    -- The visibility rule on both sides: an open ranked run's errored episode names its concept.
    WHERE ra.submission_id = ${a} AND ${shownResult('ra')} AND ${shownResult('rb')}`,
  );
  return rows.map((r) => ({
    episodeId: r.episode_id,
    shots: r.shots,
    policy: r.policy,
    conceptId: r.concept_id,
    pairId: r.pair_id,
    concept: r.concept,
    aCorrect: r.a_correct,
    bCorrect: r.b_correct,
  }));
}
