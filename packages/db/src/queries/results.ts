import {
  type Episode,
  type ExposureCell,
  type ExposureCheck,
  exposureCheck,
  getScorer,
  OUTCOMES,
  POLICY_NAMES,
  queryLabels,
  type ScorerName,
  type ScorerVerdict,
  scoreEpisode,
  tallyExposure,
} from '@linkboard/core';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../client';
import { conceptIdsByKey } from './benchmarks';
import { CopyText, copyInto } from './copy';
import { holdLease, type Lease } from './lease';
import { ANY_ROW, col, type Executes, pgArray, queryRows, rowsOf, type Tx } from './rows';
import { discardTallies, Tallies } from './tallies';
import { runEnded } from './visibility';

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
 * Writes a batch of results for the job the lease holds, in one transaction on one connection:
 * the lease is checked (and the job locked, so that the job's writes take turns), the episodes
 * they answer that are not stored yet are stored (episodes are shared by every submission and
 * written once), and the results not stored yet are streamed in with COPY, each with its every
 * verdict, and counted into the submission's running tallies (see tallies.ts) and its job's
 * progress; the answers among them that carried reasoning are added to the submission's
 * `provenance.reasoningAnswers`. Idempotent on (submission, episode): a result already stored
 * is left as it was (the first write wins) and neither written nor counted again, so a retried
 * batch never duplicates. Returns how many results were new. A batch naming one episode twice is
 * refused whole.
 *
 * COPY takes rows as they come, with no ON CONFLICT, and leaves the unique keys to refuse a
 * duplicate. A batch is first written as it is, without reading which of its results are stored
 * already (a batch is new, but for a resend): a duplicate fails it whole, and it is then read
 * (which results are stored) and written again, without them. The job's lock keeps its own
 * writes apart; only a result written meanwhile for another job's episode (a runner writing
 * outside its slice) could collide again, and the batch is read and written once more. Which
 * episodes are stored is read only for episodes this pool has not seen stored (see
 * `storedEpisodes`).
 */
export async function writeResults(
  db: Db,
  lease: Lease,
  batch: readonly ResultInput[],
  benchmarkVersionId: number,
): Promise<number> {
  if (batch.length === 0) return 0;
  const ids = batch.map((r) => r.episode.id);
  if (new Set(ids).size !== ids.length) {
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    throw new Error(`episode ${twice}: given twice in one batch of results; nothing was written`);
  }
  const stored = storedEpisodes(db, benchmarkVersionId);
  // Attempt 1 reads nothing of results; 2 to 4 read which are stored (see above).
  for (let attempt = 1; ; attempt++) {
    const client = await db.$client.connect();
    let broken: Error | undefined;
    try {
      // Results are idempotent and a lost batch is redone when its job resumes, so this commit
      // need not wait for the WAL flush: ingest goes several times faster, and a database crash
      // costs at most a few batches of model calls, never consistency. (One round trip for both.)
      await client.query('BEGIN; SET LOCAL synchronous_commit = off');
      const written = await writeBatch(client, lease, batch, ids, benchmarkVersionId, {
        readResults: attempt > 1,
        stored,
      });
      await client.query('COMMIT');
      for (const id of ids) stored.add(id);
      return written;
    } catch (error) {
      // A connection that cannot even roll back is not given back to the pool.
      await client.query('ROLLBACK').catch((lost: Error) => {
        broken = lost;
      });
      if (attempt < 4 && (error as { code?: string }).code === UNIQUE_VIOLATION) continue;
      // Whatever else failed (a lost connection, a server restarting, which may not have kept
      // the last commits it acknowledged: they are not waited for), what this pool has seen
      // stored is read again.
      storedByPool.delete(db.$client);
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

const UNIQUE_VIOLATION = '23505';

/** The most episode ids kept per pool (see storedEpisodes): some 100 MB at most. */
const STORED_EPISODES_KEPT = 1_000_000;
const storedByPool = new WeakMap<object, Map<number, Set<string>>>();
const watchedPools = new WeakSet<object>();

/**
 * The episodes of a benchmark version that this pool has seen stored (a batch answering them
 * committed): the write path reads whether an episode is stored only for the others. Episodes
 * are written once and never changed; they go only with their benchmark version, which cannot
 * be deleted while a submission on it (the one being written) exists, and a version imported
 * again has a new id. Kept per pool, so per database; dropped whole past STORED_EPISODES_KEPT,
 * and whenever a write fails or an idle connection of the pool is lost (a server that crashed
 * may have lost the last commits: the write path does not wait for them to reach the disk).
 */
function storedEpisodes(db: Db, benchmarkVersionId: number): Set<string> {
  const pool = db.$client;
  let versions = storedByPool.get(pool);
  if (!versions) {
    versions = new Map();
    storedByPool.set(pool, versions);
    if (!watchedPools.has(pool)) {
      watchedPools.add(pool);
      pool.on('error', () => storedByPool.delete(pool));
    }
  }
  let total = 0;
  for (const ids of versions.values()) total += ids.size;
  if (total > STORED_EPISODES_KEPT) versions.clear();
  let ids = versions.get(benchmarkVersionId);
  if (!ids) {
    ids = new Set();
    versions.set(benchmarkVersionId, ids);
  }
  return ids;
}

/** Every column of results, in the order `copyTextOf` writes them. */
export const RESULT_COLUMNS = [
  'submission_id',
  'episode_id',
  'shots',
  'policy',
  'concept_id',
  'query_class',
  'raw_answer',
  'answer_truncated',
  'error_class',
  'latency_ms',
  'prompt_tokens',
  'completion_tokens',
  'attempts',
  'sent_at',
];
/** Every column of verdicts, in the order `copyTextOf` writes them. */
export const VERDICT_COLUMNS = [
  'submission_id',
  'episode_id',
  'scorer',
  'scorer_version',
  'outcome',
  'rule',
];

/**
 * A batch's rows as COPY's text format takes them (`RESULT_COLUMNS`, `VERDICT_COLUMNS`): what the
 * write path streams into results and verdicts, and what the db bench's bare COPY baseline
 * streams into plain copies of them.
 */
export function copyTextOf(
  submissionId: number,
  batch: readonly ResultInput[],
): { results: Buffer; verdicts: Buffer } {
  const results = new CopyText();
  const verdicts = new CopyText();
  for (const r of batch) {
    const { episode } = r;
    results.row([
      submissionId,
      episode.id,
      episode.shots,
      episode.policy,
      r.conceptId,
      episode.query.queryClass,
      r.rawAnswer,
      r.answerTruncated === true,
      r.errorClass ?? null,
      r.latencyMs === undefined ? null : Math.round(r.latencyMs),
      r.promptTokens ?? null,
      r.completionTokens ?? null,
      r.attempts ?? 1,
      r.sentAt?.toISOString() ?? null,
    ]);
    for (const v of r.verdicts)
      verdicts.row([submissionId, episode.id, v.scorer, v.version, v.outcome, v.rule]);
  }
  return { results: results.bytes(), verdicts: verdicts.bytes() };
}

async function writeBatch(
  client: pg.PoolClient,
  lease: Lease,
  batch: readonly ResultInput[],
  ids: readonly string[],
  benchmarkVersionId: number,
  options: { readResults: boolean; stored: ReadonlySet<string> },
): Promise<number> {
  const tx = drizzle(client);
  await holdLease(tx, lease);
  const unseen = options.stored.size === 0 ? ids : ids.filter((id) => !options.stored.has(id));
  let answered = new Set<string>();
  let unstored = new Set<string>();
  if (options.readResults || unseen.length > 0) {
    // One statement: which of these are answered already (on a retry), which episodes are new.
    const known = rowsOf(
      z.object({ id: col.text, answered: col.bool, unstored: col.bool }),
      await tx.execute(sql`
        SELECT u.id, r.episode_id IS NOT NULL AS answered, e.id IS NULL AS unstored
        FROM unnest(${pgArray(options.readResults ? ids : unseen)}::text[]) AS u(id)
        LEFT JOIN results r ON ${options.readResults} AND r.submission_id = ${lease.submissionId} AND r.episode_id = u.id
        LEFT JOIN episodes e ON e.id = u.id
        WHERE r.episode_id IS NOT NULL OR e.id IS NULL`),
    );
    answered = new Set(known.filter((k) => k.answered).map((k) => k.id));
    unstored = new Set(known.filter((k) => k.unstored).map((k) => k.id));
  }
  await insertEpisodes(
    tx,
    batch.filter((r) => unstored.has(r.episode.id)),
    benchmarkVersionId,
  );
  const fresh = answered.size === 0 ? batch : batch.filter((r) => !answered.has(r.episode.id));
  if (fresh.length === 0) return 0;
  const submissionId = lease.submissionId;
  const { results, verdicts } = copyTextOf(submissionId, fresh);
  const tallies = new Tallies();
  let reasoning = 0;
  for (const r of fresh) {
    tallies.count({
      conceptId: r.conceptId,
      shots: r.episode.shots,
      policy: r.episode.policy,
      draw: r.episode.draw,
      queryClass: r.episode.query.queryClass,
      verdicts: r.verdicts,
    });
    if (r.reasoning) reasoning++;
  }
  await copyInto(client, 'results', RESULT_COLUMNS, results);
  if (verdicts.length > 0) await copyInto(client, 'verdicts', VERDICT_COLUMNS, verdicts);
  // The tallies, the job's progress and the reasoning count, in one statement.
  await tallies.apply(tx, submissionId, [
    sql`UPDATE jobs SET progress_done = progress_done + ${fresh.length} WHERE id = ${lease.jobId}`,
    ...(reasoning > 0
      ? [
          sql`UPDATE submissions SET provenance = provenance || jsonb_build_object('reasoningAnswers', coalesce((provenance ->> 'reasoningAnswers')::int, 0) + ${reasoning}::int) WHERE id = ${submissionId}`,
        ]
      : []),
  ]);
  return fresh.length;
}

/** Stores these episodes (not stored yet, or stored meanwhile by another writer: kept as they are). */
async function insertEpisodes(
  tx: Executes,
  batch: readonly ResultInput[],
  benchmarkVersionId: number,
) {
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
  // For every scorer, the running tallies of an unfinished submission go too (see tallies.ts).
  for (const table of [
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
  await computeSummaries(tx, submissionId, scorers);
}

/**
 * A submission's summary rows (one per scorer × policy, the per-shot counts folded in) from its
 * submission_scores, replacing those of the given scorers (every scorer, by default).
 */
export async function computeSummaries(
  tx: Executes,
  submissionId: number,
  scorers?: readonly ScorerName[],
) {
  const only = scorers === undefined ? sql`TRUE` : sql`scorer = ANY(${pgArray(scorers)}::text[])`;
  await tx.execute(
    sql`DELETE FROM submission_summaries WHERE submission_id = ${submissionId} AND ${only}`,
  );
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
export async function exposureCellsOf(db: Tx | Db, submissionId: number): Promise<ExposureCell[]> {
  // Planned without nested loops (see cellRows) and without JIT compilation, which a server
  // built with it (Debian's) starts for a query this size and spends longer on than on the query
  // (30 to 400 ms, for a query of 60). Set for the transaction (one of its own, without a
  // caller's), and set back once the query has run, for the caller's transaction to go on.
  const planned = async (tx: Tx) => {
    await tx.execute(sql`SET LOCAL enable_nestloop = off; SET LOCAL jit = off`);
    const cells = await cellRows(tx, submissionId);
    await tx.execute(sql`SET LOCAL enable_nestloop TO DEFAULT; SET LOCAL jit TO DEFAULT`);
    return cells;
  };
  const rows = db instanceof PgTransaction ? await planned(db) : await db.transaction(planned);
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

/** exposureCellsOf's grouped rows, one per cell. */
async function cellRows(tx: Tx, submissionId: number) {
  return queryRows(
    tx,
    z.object({
      pair_id: col.number,
      stratum: col.text,
      sends: col.number,
      // int[]: numbers as the driver gives them (col.numbers' text form costs more than the
      // query, over a submission's cells).
      exposures: z.array(z.number()),
      correct: z.array(col.bool),
    }),
    sql`
    WITH setting AS (
      SELECT bv.ranked_setting ->> 'scorer' AS scorer, s.draws
      FROM submissions s JOIN benchmark_versions bv ON bv.id = s.benchmark_version_id
      WHERE s.id = ${submissionId}),
    -- What a sent result needs of other tables: its concept's pair and its ranked verdict
    -- joined (a hash or merge join over the submission's verdicts of that scorer, and the small
    -- concepts table), its episode's query image looked up by key (the episodes table holds
    -- every version's: no join may read it whole). Nested loops are ruled out for this query
    -- (exposureCellsOf): the planner misjudges a fresh submission's results as a few rows
    -- (before they were analysed), and a nested loop over every pair of rows then takes a
    -- minute. A look-up per result for the pair and the verdict too (a subquery each) cost more
    -- than the rest of the query together.
    looked AS (
      SELECT r.episode_id, r.shots, r.policy, r.sent_at, c.pair_id, v.outcome,
             (SELECT e.query_image FROM episodes e WHERE e.id = r.episode_id) AS query_image
      FROM results r
        LEFT JOIN concepts c ON c.id = r.concept_id
        LEFT JOIN verdicts v ON v.submission_id = r.submission_id
          AND v.scorer = (SELECT scorer FROM setting) AND v.episode_id = r.episode_id
      WHERE r.submission_id = ${submissionId} AND r.sent_at IS NOT NULL),
    -- Every sent result (of a stored concept) counts towards the exposures.
    sent AS (
      SELECT episode_id, sent_at, shots, policy, pair_id, query_image, outcome,
             row_number() OVER (PARTITION BY pair_id ORDER BY sent_at, episode_id COLLATE "C") - 1 AS exposure,
             count(*) OVER (PARTITION BY pair_id) AS sends
      FROM looked WHERE pair_id IS NOT NULL),
    tested AS (
      -- The stratum is core's exposureStratum.
      SELECT s.pair_id,
             s.shots::text || ' ' || s.policy::text
               || CASE WHEN setting.draws > 1 THEN ' ' || s.query_image ELSE '' END AS stratum,
             s.sent_at, s.episode_id, s.sends, s.exposure, s.outcome = 'correct' AS correct
      FROM sent s, setting
      WHERE s.query_image IS NOT NULL AND s.outcome <> 'error')
    SELECT pair_id, stratum, max(sends)::int AS sends,
           array_agg(exposure::int ORDER BY exposure) AS exposures,
           array_agg(correct ORDER BY exposure) AS correct
    FROM tested GROUP BY pair_id, stratum
    -- Each cell by its first tested answer, in send order (send time, then episode id): its
    -- answer of least exposure, for a cell is within a pair, whose exposures count its sends in
    -- that order. Every aggregate in one order, which the database (16 and later) sorts the
    -- cells' answers in once, instead of once per cell and aggregate.
    ORDER BY (array_agg(sent_at ORDER BY exposure))[1],
             (array_agg(episode_id ORDER BY exposure))[1] COLLATE "C"`,
  );
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
 * A submission (alias `s`) whose verdicts a board counts and a re-score replaces: a finished one,
 * or a ranked run that ended otherwise (failed, cancelled), whose stored answers the ranked board
 * pools by their verdicts (see `rankedModelCounts`). Re-scoring only finished ones left such a
 * run at a scorer's old version in its model's pooled row, beside runs re-scored to the new one.
 * A run still going is scored as it runs.
 */
const rescorable = (alias = 's'): SQL => {
  const s = sql.raw(alias);
  return sql`(${s}.status = 'done' OR (${s}.draw_commitment IS NOT NULL AND ${runEnded(alias)}))`;
};

/** A re-score asked of a submission that is not there, or not one `rescorable` admits. */
export class NotRescorableError extends Error {
  override name = 'NotRescorableError';
  constructor(
    readonly submissionId: number,
    readonly found: boolean,
  ) {
    super(
      found
        ? `submission ${submissionId} has not finished; it is scored as it runs`
        : `no submission ${submissionId}`,
    );
  }
}

/**
 * Re-scores a submission with a registered scorer from its stored raw answers (no model calls):
 * that scorer's verdict of every result, at its current version, then (a finished one's) its
 * aggregates, in one transaction. Refuses, with NotRescorableError, a submission `rescorable`
 * does not admit.
 */
export async function rescoreSubmission(
  db: Db,
  submissionId: number,
  scorerName: ScorerName,
): Promise<number> {
  const scorer = getScorer(scorerName);
  return db.transaction(async (tx) => {
    const [state] = await queryRows(
      tx,
      z.object({ done: col.bool, rescorable: col.bool }),
      sql`SELECT s.status = 'done' AS done, ${rescorable('s')} AS rescorable FROM submissions s WHERE s.id = ${submissionId}`,
    );
    if (!state?.rescorable) throw new NotRescorableError(submissionId, state !== undefined);
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
      WHERE r.submission_id = ${submissionId}
      -- Each result stays until its new verdicts are stored: verdicts have no foreign key to
      -- results, and a result deleted meanwhile (an error cleared for a retry) must not leave
      -- one behind. Its deletion waits for this transaction, then takes them with it.
      FOR KEY SHARE OF r`,
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
    // A run that ended otherwise has no aggregates: the ranked board counts its verdicts.
    if (state.done) await computeAggregates(tx, submissionId, [scorer.name]);
    return rows.length;
  });
}

/**
 * Removes the error results of these episodes (model or transport failures) so that a retried job
 * asks again; only the lease holder may. What they counted leaves the submission's running
 * tallies (see tallies.ts) with them: their verdicts are read in the statement that deletes them,
 * before the deletion reaches the verdicts.
 */
export async function clearErrorResults(
  db: Db,
  lease: Lease,
  episodeIds: readonly string[],
): Promise<number> {
  if (episodeIds.length === 0) return 0;
  return db.transaction(async (tx) => {
    await holdLease(tx, lease);
    const removed = await queryRows(
      tx,
      z.object({
        concept_id: col.number,
        shots: col.number,
        policy: col.text,
        query_class: col.text,
        draw: col.number.nullable(),
        scorers: col.texts,
        outcomes: z.array(z.enum(OUTCOMES)),
      }),
      sql`
      WITH gone AS (
        DELETE FROM results WHERE submission_id = ${lease.submissionId} AND error_class IS NOT NULL
          AND episode_id = ANY(${pgArray(episodeIds)}::text[])
        RETURNING episode_id, concept_id, shots, policy, query_class)
      SELECT g.concept_id, g.shots, g.policy::text, g.query_class::text, e.draw,
             coalesce(array_agg(v.scorer ORDER BY v.scorer) FILTER (WHERE v.scorer IS NOT NULL), '{}') AS scorers,
             coalesce(array_agg(v.outcome::text ORDER BY v.scorer) FILTER (WHERE v.scorer IS NOT NULL), '{}') AS outcomes
      FROM gone g LEFT JOIN episodes e ON e.id = g.episode_id
        LEFT JOIN verdicts v ON v.submission_id = ${lease.submissionId} AND v.episode_id = g.episode_id
      GROUP BY g.episode_id, g.concept_id, g.shots, g.policy, g.query_class, e.draw`,
    );
    const tallies = new Tallies();
    // An episode not stored has no draw to tell whether the ranked counts had it: the tallies
    // are then dropped, and completion counts from the results instead.
    if (removed.some((r) => r.draw === null)) await discardTallies(tx, lease.submissionId);
    else
      for (const r of removed)
        tallies.count(
          {
            conceptId: r.concept_id,
            shots: r.shots,
            policy: r.policy,
            draw: r.draw,
            queryClass: r.query_class,
            verdicts: r.scorers.map((scorer, i) => ({
              scorer,
              outcome: r.outcomes[i] as (typeof OUTCOMES)[number],
            })),
          },
          -1,
        );
    await tallies.apply(tx, lease.submissionId);
    const n = removed.length;
    await tx.execute(
      sql`UPDATE jobs SET progress_done = greatest(progress_done - ${n}, 0) WHERE id = ${lease.jobId}`,
    );
    return n;
  });
}

/**
 * The submissions a re-score after a scorer's new version goes through (`rescorable`: finished
 * ones, and ranked runs that ended otherwise), connection tests aside, oldest first.
 */
export async function rescorableSubmissionIds(db: Db): Promise<number[]> {
  const rows = await queryRows(
    db,
    z.object({ id: col.number }),
    sql`SELECT s.id FROM submissions s WHERE ${rescorable('s')} AND NOT s.probe ORDER BY s.id`,
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
