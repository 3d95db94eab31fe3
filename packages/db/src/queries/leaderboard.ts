import {
  BENCHMARK_SPLITS,
  type BoardInput,
  type BoardRow,
  DEFAULT_SCORER,
  type ExposureCheck,
  POLICY_NAMES,
  type PolicyCounts,
  RankedSettingSchema,
  type ScorerName,
  type ShotTally,
} from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import {
  CARD_COLUMNS,
  type CardColumns,
  cardOf,
  clusterOfConcept,
  col,
  pgArray,
  queryRows,
} from './rows';
import { runEnded } from './visibility';

/** Per-shot counts as `submission_summaries.per_shot` holds them: `{ "<shots>": [correct, n] }`. */
const PER_SHOT = z.record(z.string(), z.tuple([col.number, col.number]));

/**
 * An int4[] column: pg hands its elements over as numbers already, so a plain check (no coercion)
 * keeps the board's largest reads cheap.
 */
const INTS = z.array(z.number());

/**
 * Benchmark versions with how many finished submissions each has, newest first; not the ranked
 * runs' own draws (a version each, pooled on the ranked board instead).
 */
export async function listBenchmarkVersions(db: Db) {
  const rows = await queryRows(
    db,
    z.object({
      id: col.number,
      name: col.text,
      version: col.text,
      manifest_hash: col.text,
      ranked_setting: RankedSettingSchema,
      split: z.enum(BENCHMARK_SPLITS),
      retired_at: col.time.nullable(),
      submissions: col.number,
      pairs: col.number,
    }),
    sql`
    SELECT v.id, b.name, v.version, v.manifest_hash, v.ranked_setting, v.split, v.retired_at,
           (SELECT count(*) FROM submissions s WHERE s.benchmark_version_id = v.id AND s.status = 'done' AND s.visibility = 'public')::int AS submissions,
           (SELECT count(*) FROM pairs p WHERE p.benchmark_version_id = v.id)::int AS pairs
    FROM benchmark_versions v JOIN benchmarks b ON b.id = v.benchmark_id
    WHERE NOT v.ranked_draw
    ORDER BY submissions DESC, v.id DESC`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    version: r.version,
    manifestHash: r.manifest_hash,
    rankedSetting: r.ranked_setting,
    split: r.split,
    /** Takes no more submissions (the retired hidden test split); its board is history. */
    retired: r.retired_at !== null,
    submissions: r.submissions,
    pairs: r.pairs,
  }));
}

/** What a version's board needs of the version: the setting it ranks on; null for none such. */
export async function boardVersionOf(db: Db, benchmarkVersionId: number) {
  const [row] = await queryRows(
    db,
    z.object({ ranked_setting: RankedSettingSchema }),
    sql`SELECT ranked_setting FROM benchmark_versions WHERE id = ${benchmarkVersionId}`,
  );
  return row ? { rankedSetting: row.ranked_setting } : null;
}

/** A leaderboard row's counts and what it shows of its submission; core's `buildBoard` ranks them. */
export interface LeaderboardCounts extends BoardInput, CardColumns {
  model: string;
  finishedAt: Date | null;
}

/** A leaderboard row, as core's `buildBoard` makes it of `LeaderboardCounts`. */
export type LeaderboardRow = BoardRow<LeaderboardCounts>;

/**
 * The counts behind a benchmark version's leaderboard for one policy and scorer: its finished
 * public submissions, from the aggregate tables only (never the results): what each ran, its
 * counts under the policy, and its per-pair counts on the ranked setting (every policy, for link
 * gain): pairs are what ranking resamples. Statistics (intervals, rank ranges, tiers, link gain) are core's `buildBoard`.
 */
export async function leaderboardCounts(
  db: Db,
  options: { benchmarkVersionId: number; policy: string; scorer: ScorerName },
): Promise<LeaderboardCounts[]> {
  // One precomputed row per submission (submission_summaries): no grouping on the hottest read.
  const rows = await queryRows(
    db,
    z.object({
      submission_id: col.number,
      model: col.text,
      ...CARD_COLUMNS,
      finished_at: col.time.nullable(),
      adapter: col.text,
      shots: col.numbers,
      draws: col.number,
      policies: z.array(z.enum(POLICY_NAMES)),
      exposure: col.stored<ExposureCheck>().nullable(),
      reference_model: col.text.nullable(),
      n: col.number,
      correct: col.number,
      unreadable: col.number,
      novel_n: col.number,
      novel_correct: col.number,
      per_shot: PER_SHOT,
    }),
    sql`
    SELECT s.id AS submission_id, m.name AS model, m.organisation, m.url AS model_url, m.params_b,
           m.weights, m.licence, m.base_model, s.model_revision, s.finished_at, s.adapter, s.shots,
           s.draws, s.policies::text[] AS policies, s.exposure,
           CASE WHEN s.adapter_config ? 'internal' THEN s.adapter_config ->> 'model' END AS reference_model,
           ss.n, ss.correct, ss.unreadable, ss.novel_n, ss.novel_correct, ss.per_shot
    FROM submission_summaries ss
    JOIN submissions s ON s.id = ss.submission_id
    JOIN models m ON m.id = s.model_id
    WHERE ss.scorer = ${options.scorer} AND ss.policy = ${options.policy}::policy
      AND s.benchmark_version_id = ${options.benchmarkVersionId} AND s.status = 'done' AND s.visibility = 'public'`,
  );
  const ids = rows.map((r) => r.submission_id);
  // Clusters by the version's design (`clusterOfConcept`): what ranking resamples and every
  // interval sums over.
  const [ranked, byShot] = ids.length
    ? await Promise.all([
        // One row per submission and policy, its clusters as parallel arrays: at thousands of
        // submissions, a row per cluster made reading and checking the rows most of a rebuild.
        queryRows(
          db,
          z.object({
            submission_id: col.number,
            policy: z.enum(POLICY_NAMES),
            clusters: INTS,
            n: INTS,
            correct: INTS,
          }),
          sql`
          SELECT submission_id, policy, array_agg(cluster ORDER BY cluster) AS clusters,
                 array_agg(n ORDER BY cluster) AS n, array_agg(correct ORDER BY cluster) AS correct
          FROM (
            SELECT rc.submission_id, rc.policy, ${clusterOfConcept} AS cluster, sum(rc.n)::int AS n, sum(rc.correct)::int AS correct
            FROM submission_ranked_counts rc JOIN concepts c ON c.id = rc.concept_id
            JOIN benchmark_versions v ON v.id = c.benchmark_version_id
            WHERE rc.submission_id = ANY(${pgArray(ids)}::int[]) AND rc.scorer = ${options.scorer}
            GROUP BY rc.submission_id, rc.policy, 3
          ) per_cluster
          GROUP BY submission_id, policy`,
        ),
        curveCells(db, { ids, scorer: options.scorer, policy: options.policy }),
      ])
    : [[], new Map<number, ShotTally[]>()];
  const clusters = new Map<number, LeaderboardCounts['clusters']>();
  for (const r of ranked) {
    const of = clusters.get(r.submission_id) ?? {};
    of[r.policy] = r.clusters.map((cluster, i) => ({
      cluster: String(cluster),
      n: r.n[i] as number,
      correct: r.correct[i] as number,
    }));
    clusters.set(r.submission_id, of);
  }
  return rows.map((r) => ({
    submissionId: r.submission_id,
    model: r.model,
    ...cardOf(r),
    finishedAt: r.finished_at,
    shots: r.shots,
    draws: r.draws,
    policies: r.policies,
    // Uploaded predictions are what their submitter says the model answered.
    verified: r.adapter !== 'predictions',
    n: r.n,
    correct: r.correct,
    unreadable: r.unreadable,
    novel: { correct: r.novel_correct, n: r.novel_n },
    perShot: Object.fromEntries(
      Object.entries(r.per_shot).map(([shots, [k, total]]) => [
        Number(shots),
        { correct: k, n: total },
      ]),
    ),
    clusters: clusters.get(r.submission_id) ?? {},
    shotClusters: byShot.get(r.submission_id) ?? [],
    referenceModel: r.reference_model,
    exposure: r.exposure,
  }));
}

/**
 * Submissions' learning-curve cells under one policy: per cluster (the version's design) and shot
 * count, from the aggregates. Core's `learningCurve` fits them.
 */
export async function curveCells(
  db: Db,
  options: { ids: readonly number[]; scorer: ScorerName; policy: string },
): Promise<Map<number, ShotTally[]>> {
  const cells = new Map<number, ShotTally[]>();
  if (options.ids.length === 0) return cells;
  const rows = await queryRows(
    db,
    z.object({ submission_id: col.number, shots: INTS, clusters: INTS, n: INTS, correct: INTS }),
    sql`
    SELECT submission_id, array_agg(shots ORDER BY shots, cluster) AS shots,
           array_agg(cluster ORDER BY shots, cluster) AS clusters,
           array_agg(n ORDER BY shots, cluster) AS n, array_agg(correct ORDER BY shots, cluster) AS correct
    FROM (
      SELECT cs.submission_id, cs.shots::int AS shots, ${clusterOfConcept} AS cluster, sum(cs.n)::int AS n, sum(cs.correct)::int AS correct
      FROM submission_concept_scores cs JOIN concepts c ON c.id = cs.concept_id
      JOIN benchmark_versions v ON v.id = c.benchmark_version_id
      WHERE cs.submission_id = ANY(${pgArray(options.ids)}::int[]) AND cs.scorer = ${options.scorer}
        AND cs.policy = ${options.policy}::policy
      GROUP BY cs.submission_id, cs.shots, 3
    ) per_cell
    GROUP BY submission_id`,
  );
  for (const r of rows)
    cells.set(
      r.submission_id,
      r.shots.map((shots, i) => ({
        cluster: String(r.clusters[i]),
        shots,
        n: r.n[i] as number,
        correct: r.correct[i] as number,
      })),
    );
  return cells;
}

/** A model's row of the ranked board: its ranked runs pooled, lcl and flip counts per shot count. */
export interface RankedModelCounts extends CardColumns {
  modelId: number;
  model: string;
  /** The runs pooled, newest first. */
  /** The public ones pooled, newest first (a private run's id is shown to no one else). */
  submissionIds: number[];
  /** How many runs the row pools, private ones included. */
  runs: number;
  /** When its latest run ended. */
  finishedAt: Date | null;
  /** The models its runs asked the platform's reference server for (see core's buildRankedBoard). */
  referenceModels: string[];
  perShot: { shots: number; lcl: PolicyCounts; flip: PolicyCounts }[];
}

/**
 * The ranked board's input: one row per model, pooling its ranked runs (identically distributed
 * draws, so their counts add). A run is pooled once it has ended, however it ended: an owner who
 * sees the verdicts as a run goes could otherwise cancel one going badly. Private runs are
 * pooled too, so a lab cannot run privately several times and publish its best; runs an admin
 * withdrew are not. A model is listed once one of its runs is public and done. Counts are lcl and
 * flip per shot count under the default scorer, so that the rows compare; core's
 * `buildRankedBoard` scores and ranks them.
 */
export async function rankedModelCounts(db: Db): Promise<RankedModelCounts[]> {
  const rows = await queryRows(
    db,
    z.object({
      model_id: col.number,
      runs: col.number,
      submission_ids: col.numbers,
      finished_at: col.time.nullable(),
      reference_models: col.texts,
      model: col.text,
      ...CARD_COLUMNS,
      // Null for a model none of whose answers are scored (the left join finds no counts).
      shots: col.number.nullable(),
      policy: z.enum(['lcl', 'flip']).nullable(),
      n: col.number.nullable(),
      correct: col.number.nullable(),
    }),
    sql`
    WITH runs AS (
      SELECT s.id, s.model_id, s.status, s.visibility, s.finished_at, s.model_revision,
             CASE WHEN s.adapter_config ? 'internal' THEN s.adapter_config ->> 'model' END AS reference_model
      FROM submissions s
      WHERE s.draw_commitment IS NOT NULL AND NOT s.probe AND s.visibility <> 'withdrawn' AND ${runEnded('s')}
    ), pooled AS (
      -- Every pooled run is counted; only public ones are named (a private run's id is its owner's).
      SELECT model_id, count(*)::int AS runs,
             coalesce(array_agg(id ORDER BY id DESC) FILTER (WHERE visibility = 'public'), '{}') AS submission_ids,
             max(finished_at) AS finished_at,
             (array_agg(model_revision ORDER BY id DESC))[1] AS model_revision,
             array_remove(array_agg(DISTINCT reference_model), NULL) AS reference_models
      FROM runs GROUP BY model_id
      HAVING bool_or(visibility = 'public' AND status = 'done')
    ), counts AS (
      -- A done run's aggregates were computed as it finished; a run that ended otherwise has
      -- none, so its scored answers are counted as computeAggregates counts them.
      SELECT runs.model_id, sc.shots, sc.policy::text AS policy, sc.n, sc.correct
      FROM runs JOIN submission_scores sc ON sc.submission_id = runs.id
      WHERE runs.status = 'done' AND sc.scorer = ${DEFAULT_SCORER} AND sc.policy IN ('lcl', 'flip')
      UNION ALL
      SELECT runs.model_id, r.shots, r.policy::text, count(*), count(*) FILTER (WHERE v.outcome = 'correct')
      FROM runs JOIN results r ON r.submission_id = runs.id
        JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id
      WHERE runs.status <> 'done' AND v.scorer = ${DEFAULT_SCORER} AND r.policy IN ('lcl', 'flip')
      GROUP BY runs.model_id, r.shots, r.policy
    )
    SELECT p.model_id, p.runs, p.submission_ids, p.finished_at, p.model_revision, p.reference_models,
           m.name AS model, m.organisation, m.url AS model_url, m.params_b, m.weights, m.licence, m.base_model,
           c.shots, c.policy, sum(c.n)::int AS n, sum(c.correct)::int AS correct
    FROM pooled p JOIN models m ON m.id = p.model_id
      LEFT JOIN counts c ON c.model_id = p.model_id
    GROUP BY p.model_id, p.runs, p.submission_ids, p.finished_at, p.model_revision, p.reference_models,
             m.id, c.shots, c.policy
    ORDER BY p.model_id, c.shots`,
  );
  const models = new Map<number, RankedModelCounts>();
  for (const r of rows) {
    const id = r.model_id;
    let row = models.get(id);
    if (!row) {
      row = {
        modelId: id,
        model: r.model,
        ...cardOf(r),
        runs: r.runs,
        submissionIds: r.submission_ids,
        finishedAt: r.finished_at,
        referenceModels: r.reference_models,
        perShot: [],
      };
      models.set(id, row);
    }
    // A model none of whose answers are scored comes as one row of nulls: listed without cells,
    // which core lists unranked.
    if (r.shots === null || r.policy === null) continue;
    const shots = r.shots;
    let cell = row.perShot.find((c) => c.shots === shots);
    if (!cell) {
      cell = { shots, lcl: { correct: 0, n: 0 }, flip: { correct: 0, n: 0 } };
      row.perShot.push(cell);
    }
    cell[r.policy] = { correct: r.correct ?? 0, n: r.n ?? 0 };
  }
  return [...models.values()];
}
