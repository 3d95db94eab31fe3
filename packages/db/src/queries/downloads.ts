import { type AnswerLine, type PolicyName, scorerNames } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { LABEL_SWAPPING_POLICIES } from './results';
import { num, pgArray } from './rows';
import { SHOWN_RESULT } from './visibility';

/** Lines per page: one query each, so a 250,000-episode submission is 250 short queries. */
export const ANSWER_PAGE_SIZE = 1000;

type Verdict = NonNullable<AnswerLine['verdicts']>[number];

/** Up to `limit` answered episodes after `after` (an episode id), in episode id order. */
async function answerPage(
  db: Db,
  submissionId: number,
  after: string | null,
  limit: number,
): Promise<AnswerLine[]> {
  const swapped = sql`e.policy = ANY(${pgArray(LABEL_SWAPPING_POLICIES)}::policy[])`;
  // Keyset paging on the results' primary key (submission_id, episode_id): each page is a range
  // of the index, however deep into the submission. Verdicts are looked up by their whole primary
  // key (submission, scorer, episode), one registered scorer at a time: by (submission, episode)
  // alone the index would be read from the submission's first verdict for every row.
  const { rows } = await db.execute(sql`
    SELECT r.episode_id, e.shots, e.draw, e.policy, e.support, e.query_image,
           p.key AS pair_key,
           CASE WHEN ${swapped} THEN o.name ELSE c.name END AS label,
           r.raw_answer, r.answer_truncated, r.error_class, r.latency_ms,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('scorer', v.scorer, 'version', v.scorer_version,
                                      'outcome', v.outcome, 'rule', v.rule) ORDER BY v.scorer), '[]')
            FROM verdicts v
            WHERE v.submission_id = r.submission_id AND v.scorer = ANY(${pgArray(scorerNames())}::text[])
              AND v.episode_id = r.episode_id) AS verdicts
    FROM results r
    JOIN episodes e ON e.id = r.episode_id
    JOIN concepts c ON c.id = e.concept_id
    JOIN concepts o ON o.pair_id = c.pair_id AND o.id <> c.id
    JOIN pairs p ON p.id = c.pair_id
    WHERE r.submission_id = ${submissionId} AND ${SHOWN_RESULT}
      ${after === null ? sql`` : sql`AND r.episode_id > ${after}`}
    ORDER BY r.episode_id
    LIMIT ${limit}`);
  return rows.map((r) => {
    const id = String(r.episode_id);
    return {
      episode_id: id,
      shots: num(r.shots),
      policy: r.policy as PolicyName,
      draw: num(r.draw),
      pair: String(r.pair_key),
      support: (r.support as { imageId: string; label: string }[]).map((s) => ({
        image_id: s.imageId,
        label: s.label,
      })),
      query: { image_id: String(r.query_image), label: String(r.label) },
      raw_answer: (r.raw_answer as string | null) ?? null,
      answer_truncated: r.answer_truncated === true,
      error: (r.error_class as string | null) ?? null,
      latency_ms: r.latency_ms === null ? null : num(r.latency_ms),
      verdicts: r.verdicts as Verdict[],
    };
  });
}

/**
 * A submission's answered episodes, page by page in episode id order: what its JSONL download
 * streams. One page is held at a time, and a page is asked for only when the consumer wants it, so
 * a large submission is never in memory whole. The caller has checked that the viewer may see
 * the submission; an open ranked run's episodes without a kept answer are left out (the
 * visibility rule, `SHOWN_RESULT`).
 */
export async function* submissionAnswerPages(
  db: Db,
  submissionId: number,
  pageSize = ANSWER_PAGE_SIZE,
): AsyncGenerator<AnswerLine[]> {
  let after: string | null = null;
  for (;;) {
    const page = await answerPage(db, submissionId, after, pageSize);
    const last = page.at(-1);
    if (!last) return;
    yield page;
    if (page.length < pageSize) return;
    after = last.episode_id;
  }
}
