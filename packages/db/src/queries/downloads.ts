import {
  type AnswerLine,
  benchmarkName,
  POLICY_NAMES,
  queryLabels,
  scorerNames,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { col, pgArray, queryRows, STORED_SUPPORT, VERDICTS } from './rows';
import { SHOWN_RESULT } from './visibility';

/** Lines per page: one query each, so a 250,000-episode submission is 250 short queries. */
export const ANSWER_PAGE_SIZE = 1000;

const AnswerRow = z.object({
  episode_id: col.text,
  shots: col.number,
  draw: col.number,
  policy: z.enum(POLICY_NAMES),
  support: STORED_SUPPORT,
  query_image: col.text,
  pair_key: col.text,
  concept: col.text,
  partner: col.text,
  raw_answer: col.text.nullable(),
  answer_truncated: col.bool,
  error_class: col.text.nullable(),
  latency_ms: col.number.nullable(),
  prompt_tokens: col.number.nullable(),
  completion_tokens: col.number.nullable(),
  verdicts: VERDICTS,
});

/** Up to `limit` answered episodes after `after` (an episode id), in episode id order. */
async function answerPage(
  db: Db,
  submissionId: number,
  benchmark: string,
  after: string | null,
  limit: number,
): Promise<AnswerLine[]> {
  // Keyset paging on the results' primary key (submission_id, episode_id): each page is a range
  // of the index, however deep into the submission. Verdicts are looked up by their whole primary
  // key (submission, scorer, episode), one registered scorer at a time: by (submission, episode)
  // alone the index would be read from the submission's first verdict for every row.
  const rows = await queryRows(
    db,
    AnswerRow,
    sql`
    SELECT r.episode_id, e.shots, e.draw, e.policy, e.support, e.query_image,
           p.key AS pair_key,
           c.name AS concept, o.name AS partner,
           r.raw_answer, r.answer_truncated, r.error_class, r.latency_ms, r.prompt_tokens, r.completion_tokens,
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
    LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    benchmark,
    episode_id: r.episode_id,
    shots: r.shots,
    policy: r.policy,
    draw: r.draw,
    pair: r.pair_key,
    support: r.support.map((s) => ({ image_id: s.imageId, label: s.label })),
    // The right answer as the episode gave it (core's `queryLabels`: the partner's name under flip).
    query: { image_id: r.query_image, label: queryLabels(r.policy, r.concept, r.partner).label },
    raw_answer: r.raw_answer,
    answer_truncated: r.answer_truncated,
    error: r.error_class,
    latency_ms: r.latency_ms,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    verdicts: r.verdicts,
  }));
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
  // Every line names its version, `name@version`, as the site and the API name it.
  const [version] = await queryRows(
    db,
    z.object({ name: col.text, version: col.text }),
    sql`
    SELECT b.name, v.version
    FROM submissions s
    JOIN benchmark_versions v ON v.id = s.benchmark_version_id
    JOIN benchmarks b ON b.id = v.benchmark_id
    WHERE s.id = ${submissionId}`,
  );
  if (!version) return;
  const benchmark = benchmarkName(version);
  let after: string | null = null;
  for (;;) {
    const page = await answerPage(db, submissionId, benchmark, after, pageSize);
    const last = page.at(-1);
    if (!last) return;
    yield page;
    if (page.length < pageSize) return;
    after = last.episode_id;
  }
}
