import {
  type Episode,
  type ExposureCell,
  type ExposureCheck,
  exposureCheck,
  getScorer,
  POLICY_NAMES,
  queryLabels,
  type ScorerName,
  type ScorerVerdict,
  scoreEpisode,
  tallyExposure,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { conceptIdsByKey } from './benchmarks';
import { holdLease, type Lease } from './lease';
import { ANY_ROW, col, pgArray, queryRows, type Tx } from './rows';

export interface ResultInput {
  episode: Episode;
  /** The query concept's row id (see conceptIdsByKey). */
  conceptId: number;
  rawAnswer: string | null;
  /** The model said more than is kept: `rawAnswer` is its beginning. */
  answerTruncated?: boolean;
  /** The reply carried reasoning beside its answer (never scored): counted in the provenance. */
  reasoning?: boolean;
  errorClass?: string | null;
  /** Every registered scorer's verdict (core's `scoreAll`). */
  verdicts: readonly ScorerVerdict[];
  latencyMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  attempts?: number;
  /** When its request was sent: the exposure check orders a submission's episodes by it. */
  sentAt?: Date;
}

/** An answer as a runner has it: the platform adds the concept's row id and every verdict. */
export type AnswerInput = Omit<ResultInput, 'conceptId' | 'verdicts'>;

/**
 * Scores a batch of answers with every registered scorer and writes it (see writeResults): the
 * one path by which answers become results, for a runner on the database and for the site's
 * runner API alike, so a runner elsewhere never decides a verdict.
 */
export async function writeAnswers(
  db: Db,
  lease: Lease,
  answers: readonly AnswerInput[],
  benchmarkVersionId: number,
): Promise<number> {
  if (answers.length === 0) return 0;
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const batch = answers.map((a): ResultInput => {
    const conceptId = conceptIds.get(a.episode.query.conceptId);
    if (conceptId === undefined)
      throw new Error(
        `episode ${a.episode.id}: concept "${a.episode.query.conceptId}" is not in benchmark version ${benchmarkVersionId}`,
      );
    return { ...a, conceptId, verdicts: scoreEpisode(a.episode, a.rawAnswer) };
  });
  return writeResults(db, lease, batch, benchmarkVersionId);
}

/**
 * Writes a batch of results for the job the lease holds, in one transaction: the episodes they
 * answer (shared by every submission, written once) and the results, idempotent on (submission,
 * episode), so a retried batch never duplicates. Rows go in as arrays through unnest: one
 * statement per table however large the batch. The answers that carried reasoning are added to
 * the submission's `provenance.reasoningAnswers`, in the same transaction: each counted once.
 */
export async function writeResults(
  db: Db,
  lease: Lease,
  batch: readonly ResultInput[],
  benchmarkVersionId: number,
): Promise<number> {
  if (batch.length === 0) return 0;
  return db.transaction(async (tx) => {
    // Results are idempotent and a lost batch is redone when its job resumes, so this commit need
    // not wait for the WAL flush: ingest goes several times faster, and a database crash costs at
    // most a few batches of model calls, never consistency.
    await tx.execute(sql`SET LOCAL synchronous_commit = off`);
    await holdLease(tx, lease);
    await insertEpisodes(tx, batch, benchmarkVersionId);
    const fresh = await insertResultRows(tx, lease.submissionId, batch);
    await tx.execute(
      sql`UPDATE jobs SET progress_done = progress_done + ${fresh.size} WHERE id = ${lease.jobId}`,
    );
    const reasoning = batch.filter((r) => r.reasoning && fresh.has(r.episode.id)).length;
    if (reasoning > 0)
      await tx.execute(
        sql`UPDATE submissions SET provenance = provenance || jsonb_build_object('reasoningAnswers', coalesce((provenance ->> 'reasoningAnswers')::int, 0) + ${reasoning}::int) WHERE id = ${lease.submissionId}`,
      );
    return fresh.size;
  });
}

/**
 * Stores the episodes a batch answers that are not stored yet. Episodes are shared by every
 * submission on a benchmark, so after the first run this is one index lookup, and the prompt texts
 * (kilobytes each) are not sent again.
 */
export async function insertEpisodes(
  tx: Tx | Db,
  answers: readonly ResultInput[],
  benchmarkVersionId: number,
) {
  const known = await queryRows(
    tx,
    z.object({ id: col.text }),
    sql`SELECT id FROM episodes WHERE id = ANY(${pgArray(answers.map((r) => r.episode.id))}::text[])`,
  );
  const stored = new Set(known.map((r) => r.id));
  const batch = answers.filter((r) => !stored.has(r.episode.id));
  if (batch.length === 0) return;
  const list = batch.map((r) => r.episode);
  await tx.execute(sql`
    INSERT INTO episodes (id, benchmark_version_id, query_image, concept_id, shots, draw, policy, support, prompt_text, demo_hash)
    SELECT u.id, ${benchmarkVersionId}, u.query_image, u.concept_id, u.shots, u.draw, u.policy::policy, u.support::jsonb, u.prompt_text, u.demo_hash
    FROM unnest(${pgArray(list.map((e) => e.id))}::text[], ${pgArray(list.map((e) => e.query.imageId))}::text[],
                ${pgArray(batch.map((r) => r.conceptId))}::int[], ${pgArray(list.map((e) => e.shots))}::smallint[],
                ${pgArray(list.map((e) => e.draw))}::smallint[], ${pgArray(list.map((e) => e.policy))}::text[],
                ${pgArray(list.map((e) => JSON.stringify(e.support.map((s) => ({ imageId: s.imageId, label: s.label })))))}::text[],
                ${pgArray(list.map((e) => e.prompt.text))}::text[], ${pgArray(list.map((e) => e.demoHash))}::text[])
      AS u(id, query_image, concept_id, shots, draw, policy, support, prompt_text, demo_hash)
    ON CONFLICT (id) DO NOTHING`);
}

export async function insertResults(
  tx: Tx | Db,
  submissionId: number,
  batch: readonly ResultInput[],
): Promise<number> {
  return (await insertResultRows(tx, submissionId, batch)).size;
}

/** Inserts the results not stored yet, with their verdicts; returns their episode ids. */
async function insertResultRows(
  tx: Tx | Db,
  submissionId: number,
  batch: readonly ResultInput[],
): Promise<Set<string>> {
  const inserted = await queryRows(
    tx,
    z.object({ episode_id: col.text }),
    sql`
    INSERT INTO results (submission_id, episode_id, shots, policy, concept_id, query_class, raw_answer, answer_truncated, error_class,
                         latency_ms, prompt_tokens, completion_tokens, attempts, sent_at)
    SELECT ${submissionId}, u.episode_id, u.shots, u.policy::policy, u.concept_id, u.query_class::query_class, u.raw_answer, u.answer_truncated, u.error_class,
           u.latency_ms, u.prompt_tokens, u.completion_tokens, u.attempts, u.sent_at
    FROM unnest(${pgArray(batch.map((r) => r.episode.id))}::text[], ${pgArray(batch.map((r) => r.episode.shots))}::smallint[],
                ${pgArray(batch.map((r) => r.episode.policy))}::text[], ${pgArray(batch.map((r) => r.conceptId))}::int[],
                ${pgArray(batch.map((r) => r.episode.query.queryClass))}::text[], ${pgArray(batch.map((r) => r.rawAnswer))}::text[],
                ${pgArray(batch.map((r) => r.answerTruncated === true))}::boolean[],
                ${pgArray(batch.map((r) => r.errorClass ?? null))}::text[],
                ${pgArray(batch.map((r) => (r.latencyMs === undefined ? null : Math.round(r.latencyMs))))}::int[],
                ${pgArray(batch.map((r) => r.promptTokens ?? null))}::int[], ${pgArray(batch.map((r) => r.completionTokens ?? null))}::int[],
                ${pgArray(batch.map((r) => r.attempts ?? 1))}::smallint[],
                ${pgArray(batch.map((r) => r.sentAt?.toISOString() ?? null))}::timestamptz[])
      AS u(episode_id, shots, policy, concept_id, query_class, raw_answer, answer_truncated, error_class,
           latency_ms, prompt_tokens, completion_tokens, attempts, sent_at)
    ON CONFLICT (submission_id, episode_id) DO NOTHING
    RETURNING episode_id`,
  );
  // Verdicts go with the results this batch inserted, never over the stored ones of a retried batch.
  const fresh = new Set(inserted.map((r) => r.episode_id));
  const verdicts = batch
    .filter((r) => fresh.has(r.episode.id))
    .flatMap((r) => r.verdicts.map((v) => ({ episodeId: r.episode.id, ...v })));
  await upsertVerdicts(tx, submissionId, verdicts);
  return fresh;
}

/** Stores verdicts, replacing a scorer's earlier verdict of the same result. */
async function upsertVerdicts(
  tx: Tx | Db,
  submissionId: number,
  verdicts: readonly (ScorerVerdict & { episodeId: string })[],
) {
  if (verdicts.length === 0) return;
  await tx.execute(sql`
    INSERT INTO verdicts (submission_id, episode_id, scorer, scorer_version, outcome, rule)
    SELECT ${submissionId}, u.episode_id, u.scorer, u.scorer_version, u.outcome::outcome, u.rule
    FROM unnest(${pgArray(verdicts.map((v) => v.episodeId))}::text[], ${pgArray(verdicts.map((v) => v.scorer))}::text[],
                ${pgArray(verdicts.map((v) => v.version))}::smallint[], ${pgArray(verdicts.map((v) => v.outcome))}::text[],
                ${pgArray(verdicts.map((v) => v.rule))}::text[])
      AS u(episode_id, scorer, scorer_version, outcome, rule)
    ON CONFLICT (submission_id, scorer, episode_id)
      DO UPDATE SET scorer_version = excluded.scorer_version, outcome = excluded.outcome, rule = excluded.rule`);
}

/**
 * Which of these episodes already have a result, and its error class (null for an answer): a
 * resumed job skips the answered ones and asks again for the errors.
 */
export async function answeredEpisodes(
  db: Db,
  submissionId: number,
  episodeIds: readonly string[],
): Promise<Map<string, string | null>> {
  if (episodeIds.length === 0) return new Map();
  const rows = await queryRows(
    db,
    z.object({ episode_id: col.text, error_class: col.text.nullable() }),
    sql`SELECT episode_id, error_class FROM results WHERE submission_id = ${submissionId} AND episode_id = ANY(${pgArray(episodeIds)}::text[])`,
  );
  return new Map(rows.map((r) => [r.episode_id, r.error_class]));
}

/**
 * Recomputes a submission's aggregate rows from its results' verdicts, for the given scorers (every
 * scorer it has verdicts of, by default): per shot × policy (leaderboards, curves) and per concept ×
 * shot × policy (error analysis). Counts only: statistics are core's.
 */
export async function computeAggregates(
  tx: Tx | Db,
  submissionId: number,
  scorers?: readonly ScorerName[],
) {
  const only = scorers === undefined ? sql`TRUE` : sql`scorer = ANY(${pgArray(scorers)}::text[])`;
  const counts = sql`count(*) FILTER (WHERE v.outcome = 'correct'), count(*) FILTER (WHERE v.outcome = 'other-label'),
    count(*) FILTER (WHERE v.outcome = 'both'), count(*) FILTER (WHERE v.outcome = 'neither'),
    count(*) FILTER (WHERE v.outcome = 'empty'), count(*) FILTER (WHERE v.outcome = 'error')`;
  const scored = sql`results r JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id
    WHERE r.submission_id = ${submissionId} AND ${only}`;
  for (const table of [
    'submission_summaries',
    'submission_scores',
    'submission_concept_scores',
    'submission_ranked_counts',
  ])
    await tx.execute(
      sql`DELETE FROM ${sql.identifier(table)} WHERE submission_id = ${submissionId} AND ${only}`,
    );
  await tx.execute(sql`
    INSERT INTO submission_scores (submission_id, scorer, shots, policy, n, correct, other_label, "both", neither, empty, error, novel_n, novel_correct, mean_latency_ms)
    SELECT ${submissionId}, v.scorer, r.shots, r.policy, count(*), ${counts},
           count(*) FILTER (WHERE r.query_class = 'novel'), count(*) FILTER (WHERE r.query_class = 'novel' AND v.outcome = 'correct'), avg(r.latency_ms)
    FROM ${scored} GROUP BY v.scorer, r.shots, r.policy`);
  await tx.execute(sql`
    INSERT INTO submission_concept_scores (submission_id, scorer, concept_id, shots, policy, n, correct, other_label, "both", neither, empty, error)
    SELECT ${submissionId}, v.scorer, r.concept_id, r.shots, r.policy, count(*), ${counts}
    FROM ${scored} GROUP BY v.scorer, r.concept_id, r.shots, r.policy`);
  // The ranked setting's episodes only: its shot counts and its first draws (episodes number
  // draws from 0), per concept, for ranking (concepts are resampled) and link gain (paired).
  await tx.execute(sql`
    INSERT INTO submission_ranked_counts (submission_id, scorer, policy, concept_id, n, correct)
    SELECT ${submissionId}, v.scorer, r.policy, r.concept_id, count(*), count(*) FILTER (WHERE v.outcome = 'correct')
    FROM results r JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id
      JOIN episodes e ON e.id = r.episode_id
      JOIN submissions s ON s.id = r.submission_id
      JOIN benchmark_versions bv ON bv.id = s.benchmark_version_id
    WHERE r.submission_id = ${submissionId} AND ${scorers === undefined ? sql`TRUE` : sql`v.scorer = ANY(${pgArray(scorers)}::text[])`}
      AND bv.ranked_setting -> 'shots' @> to_jsonb(r.shots::int)
      AND e.draw < (bv.ranked_setting ->> 'draws')::int
    GROUP BY v.scorer, r.policy, r.concept_id`);
  await tx.execute(sql`
    INSERT INTO submission_summaries (submission_id, scorer, policy, n, correct, novel_n, novel_correct, unreadable, per_shot)
    SELECT ${submissionId}, scorer, policy, sum(n), sum(correct), sum(novel_n), sum(novel_correct), sum(neither + empty),
           jsonb_object_agg(shots::text, jsonb_build_array(correct, n))
    FROM submission_scores WHERE submission_id = ${submissionId} AND ${only} GROUP BY scorer, policy`);
}

/**
 * The exposure cells of a submission (what core's `exposureCells` makes of its sends), from one
 * grouped query. An episode's exposure is the number of episodes of its pair (any policy, any
 * outcome: each showed the pair's support images) sent before it, by `sent_at` then episode id
 * (compared bytewise, as core compares them); the answers tested are every policy's under the
 * version's ranked scorer, less transport errors (an endpoint failing early and recovering later
 * is not learning), each compared within its pair, shot count, policy and (with more than one
 * draw) query image: core's `exposureStratum`. Results without a send time (written before it was
 * recorded) take no part. The database orders, counts and groups; each cell's sums are core's
 * (`tallyExposure`, its answers in the order they were sent), and the cells come in core's order
 * (by their first tested answer), so `exposureCheck` gets the very numbers core would give it.
 * `test/queries/results-equals-core.test.ts` holds the two to equality.
 */
export async function exposureCellsOf(tx: Tx | Db, submissionId: number): Promise<ExposureCell[]> {
  const rows = await queryRows(
    tx,
    z.object({
      pair_id: col.number,
      stratum: col.text,
      sends: col.number,
      exposures: col.numbers,
      correct: z.array(col.bool),
    }),
    sql`
    WITH setting AS (
      SELECT bv.ranked_setting ->> 'scorer' AS scorer, s.draws
      FROM submissions s JOIN benchmark_versions bv ON bv.id = s.benchmark_version_id
      WHERE s.id = ${submissionId}),
    sent AS (
      SELECT r.episode_id, r.shots, r.policy, c.pair_id,
             row_number() OVER (ORDER BY r.sent_at, r.episode_id COLLATE "C") AS seq,
             row_number() OVER (PARTITION BY c.pair_id ORDER BY r.sent_at, r.episode_id COLLATE "C") - 1 AS exposure,
             count(*) OVER (PARTITION BY c.pair_id) AS sends
      FROM results r JOIN concepts c ON c.id = r.concept_id
      WHERE r.submission_id = ${submissionId} AND r.sent_at IS NOT NULL),
    tested AS (
      -- The stratum is core's exposureStratum.
      SELECT s.pair_id,
             s.shots::text || ' ' || s.policy::text
               || CASE WHEN setting.draws > 1 THEN ' ' || e.query_image ELSE '' END AS stratum,
             s.seq, s.sends, s.exposure, v.outcome = 'correct' AS correct
      FROM sent s JOIN episodes e ON e.id = s.episode_id
        JOIN verdicts v ON v.submission_id = ${submissionId} AND v.episode_id = s.episode_id
        JOIN setting ON v.scorer = setting.scorer
      WHERE v.outcome <> 'error')
    SELECT pair_id, stratum, max(sends)::int AS sends,
           array_agg(exposure::int ORDER BY exposure) AS exposures,
           array_agg(correct ORDER BY exposure) AS correct
    FROM tested GROUP BY pair_id, stratum
    ORDER BY min(seq)`,
  );
  return rows.map((r) => {
    const cell: ExposureCell = {
      cluster: String(r.pair_id),
      stratum: r.stratum,
      n: 0,
      sx: 0,
      sy: 0,
      sxx: 0,
      sxy: 0,
      sends: r.sends,
    };
    for (const [i, exposure] of r.exposures.entries())
      tallyExposure(cell, exposure, r.correct[i] === true);
    return cell;
  });
}

/**
 * The exposure check of a submission (core's `exposureCheck` of `exposureCellsOf`), stored with
 * it.
 *
 * Public boards only: a ranked run's draw has one episode per pair, so no episode of a pair comes
 * before another and there is nothing to test (null is stored; the board shows no check).
 */
export async function computeExposure(
  tx: Tx | Db,
  submissionId: number,
): Promise<ExposureCheck | null> {
  const draw = await queryRows(
    tx,
    ANY_ROW,
    sql`
    SELECT 1 FROM submissions s JOIN benchmark_versions bv ON bv.id = s.benchmark_version_id
    WHERE s.id = ${submissionId} AND bv.ranked_draw`,
  );
  if (draw.length > 0) return null;
  const check = exposureCheck(await exposureCellsOf(tx, submissionId));
  await tx.execute(
    sql`UPDATE submissions SET exposure = ${JSON.stringify(check)}::jsonb WHERE id = ${submissionId}`,
  );
  return check;
}

/**
 * Re-scores a submission with a registered scorer from its stored raw answers (no model calls):
 * that scorer's verdict of every result, at its current version, then its aggregates, in one
 * transaction.
 */
export async function rescoreSubmission(
  db: Db,
  submissionId: number,
  scorerName: ScorerName,
): Promise<number> {
  const scorer = getScorer(scorerName);
  return db.transaction(async (tx) => {
    const rows = await queryRows(
      tx,
      z.object({
        episode_id: col.text,
        raw_answer: col.text.nullable(),
        policy: z.enum(POLICY_NAMES),
        concept: col.text,
        partner: col.text,
      }),
      sql`
      SELECT r.episode_id, r.raw_answer, r.policy, c.name AS concept, o.name AS partner
      FROM results r
      JOIN concepts c ON c.id = r.concept_id
      JOIN concepts o ON o.pair_id = c.pair_id AND o.id <> c.id
      WHERE r.submission_id = ${submissionId}`,
    );
    for (let i = 0; i < rows.length; i += 5000) {
      await upsertVerdicts(
        tx,
        submissionId,
        rows.slice(i, i + 5000).map((r) => {
          // A result keeps the concept its query shows; the right answer is what the episode
          // gave it when the answer was first scored (core's `queryLabels`: under a
          // label-swapping policy, flip, the partner's name).
          const { label, other } = queryLabels(r.policy, r.concept, r.partner);
          return {
            episodeId: r.episode_id,
            ...scorer.score(r.raw_answer, label, other),
            scorer: scorer.name,
            version: scorer.version,
          };
        }),
      );
    }
    await computeAggregates(tx, submissionId, [scorer.name]);
    return rows.length;
  });
}

/**
 * Removes the error results of these episodes (model or transport failures) so that a retried job
 * asks again; only the lease holder may.
 */
export async function clearErrorResults(
  db: Db,
  lease: Lease,
  episodeIds: readonly string[],
): Promise<number> {
  if (episodeIds.length === 0) return 0;
  return db.transaction(async (tx) => {
    await holdLease(tx, lease);
    const removed = await tx.execute(
      sql`DELETE FROM results WHERE submission_id = ${lease.submissionId} AND error_class IS NOT NULL AND episode_id = ANY(${pgArray(episodeIds)}::text[])`,
    );
    const n = removed.rowCount ?? 0;
    await tx.execute(
      sql`UPDATE jobs SET progress_done = greatest(progress_done - ${n}, 0) WHERE id = ${lease.jobId}`,
    );
    return n;
  });
}

/** Finished submissions, oldest first: what a re-score after a scorer's new version goes through. */
export async function finishedSubmissionIds(db: Db): Promise<number[]> {
  const rows = await queryRows(
    db,
    z.object({ id: col.number }),
    sql`SELECT id FROM submissions WHERE status = 'done' AND NOT probe ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

/** Every stored raw answer of a submission by episode id (null: it gave none): what `verify` re-scores. */
export async function rawAnswersOf(
  db: Db,
  submissionId: number,
): Promise<Map<string, string | null>> {
  const rows = await queryRows(
    db,
    z.object({ episode_id: col.text, raw_answer: col.text.nullable() }),
    sql`SELECT episode_id, raw_answer FROM results WHERE submission_id = ${submissionId}`,
  );
  return new Map(rows.map((r) => [r.episode_id, r.raw_answer]));
}
