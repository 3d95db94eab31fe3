import type pg from 'pg';

/**
 * A version's board at scale without running anything: `count` finished public submissions that
 * each ran the whole default ranked setting (shots 2, 4, 8, 16; two draws; lcl, icl and flip), with
 * the aggregate rows a board is read from (summaries, per-pair ranked counts, curve cells), each
 * model with a skill of its own and each concept a difficulty of its own, so the ranking has real
 * work (ties are rare, intervals overlap). For benchmarks and scale tests; writes through SQL, not
 * the runner, because a board reads aggregates only.
 */
export async function seedRankedBoard(
  pool: pg.Pool,
  options: {
    benchmarkVersionId: number;
    count: number;
    prefix?: string;
    perCell?: number;
    /** Scorers with counts (the same under each): a board is read under one of them. */
    scorers?: readonly string[];
  },
): Promise<{ submissionIds: number[] }> {
  const prefix = options.prefix ?? 'ranked-model-';
  // Answers per concept, shot count and policy: queries per concept × the setting's two draws.
  const perCell = options.perCell ?? 16;
  const scorers = options.scorers ?? ['official', 'strict'];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO models (name, name_key, organisation)
       SELECT $1 || g, $1 || g, 'lab ' || (g % 37) FROM generate_series(1, $2::int) g`,
      [prefix, options.count],
    );
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO submissions (model_id, benchmark_version_id, adapter, shots, draws, policies, total_episodes, status, finished_at)
       SELECT m.id, $1, 'openai', '{2,4,8,16}', 2, '{lcl,icl,flip}', 0, 'done', now() - (m.id || ' seconds')::interval
       FROM models m WHERE m.name LIKE $2 || '%' ORDER BY m.id RETURNING id`,
      [options.benchmarkVersionId, prefix],
    );
    const ids = rows.map((r) => r.id);
    // Skill from the id (deterministic), difficulty from the concept, noise per cell; a model's
    // icl is a little worse than its lcl and its flip accuracy is what follows the swapped labels.
    await client.query(
      `CREATE TEMP TABLE seeded_cells ON COMMIT DROP AS
       SELECT s.id AS submission_id, c.id AS concept_id, sh AS shots, p::policy AS policy, $3::int AS n,
              least($3, greatest(0, round($3 * (
                0.35 + 0.5 * ((s.id * 7919) % 1000) / 1000.0
                - 0.15 * ((c.id * 104729) % 100) / 100.0
                + 0.02 * log(2, sh)
                - CASE p WHEN 'icl' THEN 0.05 WHEN 'flip' THEN 0.2 ELSE 0 END
                + 0.2 * (random() - 0.5)))))::int AS correct
       FROM submissions s JOIN concepts c ON c.benchmark_version_id = s.benchmark_version_id,
            unnest('{2,4,8,16}'::int[]) sh, unnest('{lcl,icl,flip}'::text[]) p
       WHERE s.id = ANY($1::int[]) AND s.benchmark_version_id = $2`,
      [ids, options.benchmarkVersionId, perCell],
    );
    await client.query(
      `INSERT INTO submission_concept_scores (submission_id, scorer, concept_id, shots, policy, n, correct, other_label, "both", neither, empty, error)
       SELECT submission_id, scorer, concept_id, shots, policy, n, correct, n - correct, 0, 0, 0, 0
       FROM seeded_cells, unnest($1::text[]) scorer`,
      [scorers],
    );
    await client.query(
      `INSERT INTO submission_ranked_counts (submission_id, scorer, policy, concept_id, n, correct)
       SELECT submission_id, scorer, policy, concept_id, sum(n), sum(correct)
       FROM seeded_cells, unnest($1::text[]) scorer
       GROUP BY submission_id, scorer, policy, concept_id`,
      [scorers],
    );
    await client.query(
      `INSERT INTO submission_summaries (submission_id, scorer, policy, n, correct, novel_n, novel_correct, unreadable, per_shot)
       SELECT submission_id, scorer, policy, sum(n), sum(correct), sum(n) / 2, sum(correct) / 2, 0,
              jsonb_object_agg(shots::text, jsonb_build_array(correct, n))
       FROM (SELECT submission_id, policy, shots, sum(n)::int AS n, sum(correct)::int AS correct
             FROM seeded_cells GROUP BY submission_id, policy, shots) per_shot, unnest($1::text[]) scorer
       GROUP BY submission_id, scorer, policy`,
      [scorers],
    );
    await client.query('COMMIT');
    return { submissionIds: ids };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
