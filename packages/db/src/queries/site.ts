import type { ScorerName } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { num, outcomeCountsOf } from './rows';

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

/** A submission with its model and benchmark, for its page (never its secret). */
export async function submissionDetail(db: Db, id: number) {
  const { rows } = await db.execute(sql`
    SELECT s.id, s.status, s.adapter, s.shots, s.policies::text[] AS policies, s.draws, s.scorer, s.visibility, s.total_episodes,
           s.provenance, s.last_error, s.created_at, s.started_at, s.finished_at, s.benchmark_version_id,
           s.owner_id, m.name AS model, m.organisation, b.name AS benchmark, v.version
    FROM submissions s JOIN models m ON m.id = s.model_id
    JOIN benchmark_versions v ON v.id = s.benchmark_version_id JOIN benchmarks b ON b.id = v.benchmark_id
    WHERE s.id = ${id}`);
  const r = rows[0];
  if (!r) return null;
  return {
    id: num(r.id),
    status: String(r.status),
    adapter: String(r.adapter),
    shots: r.shots as number[],
    policies: r.policies as string[],
    draws: num(r.draws),
    scorer: r.scorer as ScorerName,
    visibility: String(r.visibility),
    ownerId: (r.owner_id as string | null) ?? null,
    totalEpisodes: num(r.total_episodes),
    provenance: r.provenance as Record<string, unknown>,
    lastError: (r.last_error as string | null) ?? null,
    model: String(r.model),
    organisation: (r.organisation as string | null) ?? null,
    benchmark: `${r.benchmark}@${r.version}`,
    benchmarkVersionId: num(r.benchmark_version_id),
  };
}

/** Per shot × policy counts of submissions (for accuracy-vs-shots curves with intervals). */
export async function submissionCurves(db: Db, ids: readonly number[], scorer: ScorerName) {
  if (ids.length === 0) return [];
  const { rows } = await db.execute(sql`
    SELECT sc.submission_id, m.name AS model, sc.shots, sc.policy, sc.n, sc.correct, sc.novel_n, sc.novel_correct,
           sc.other_label, sc."both", sc.neither, sc.empty, sc.error
    FROM submission_scores sc JOIN submissions s ON s.id = sc.submission_id JOIN models m ON m.id = s.model_id
    WHERE sc.submission_id = ANY(${sql.param([...ids])}::int[]) AND sc.scorer = ${scorer}
    ORDER BY sc.submission_id, sc.policy, sc.shots`);
  return rows.map((r) => ({
    submissionId: num(r.submission_id),
    model: String(r.model),
    shots: num(r.shots),
    policy: String(r.policy),
    n: num(r.n),
    correct: num(r.correct),
    novelN: num(r.novel_n),
    novelCorrect: num(r.novel_correct),
    outcomes: outcomeCountsOf(r),
  }));
}

/** Episodes of a submission that the scorer judged wrong, in a stable order (for prev/next). */
export async function submissionFailures(db: Db, id: number, scorer: ScorerName, limit = 500) {
  const { rows } = await db.execute(sql`
    SELECT r.episode_id, r.shots, r.policy, v.outcome, c.name AS concept
    FROM results r JOIN concepts c ON c.id = r.concept_id
    JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id AND v.scorer = ${scorer}
    WHERE r.submission_id = ${id} AND v.outcome <> 'correct'
    ORDER BY r.shots, r.episode_id LIMIT ${limit}`);
  return rows.map((r) => ({
    episodeId: String(r.episode_id),
    shots: num(r.shots),
    policy: String(r.policy),
    outcome: String(r.outcome),
    concept: String(r.concept),
  }));
}

/** Pairs and concepts of a version, with a few image ids each, for the gallery. */
export async function conceptGallery(db: Db, benchmarkVersionId: number) {
  const { rows } = await db.execute(sql`
    SELECT c.id, c.key, c.name, c.description, c.query_class, p.key AS pair_key,
           (SELECT array_agg(i.sha256 ORDER BY i.sha256) FROM (SELECT sha256 FROM images WHERE concept_id = c.id ORDER BY sha256 LIMIT 4) i) AS images
    FROM concepts c JOIN pairs p ON p.id = c.pair_id
    WHERE c.benchmark_version_id = ${benchmarkVersionId}
    ORDER BY p.key, c.query_class DESC`);
  return rows.map((r) => ({
    id: num(r.id),
    key: String(r.key),
    name: String(r.name),
    description: (r.description as string | null) ?? null,
    queryClass: String(r.query_class),
    pairKey: String(r.pair_key),
    images: (r.images as string[] | null) ?? [],
  }));
}

/** Accuracy of every finished public submission on every concept of a version (the heatmap). */
export async function conceptHeatmap(
  db: Db,
  benchmarkVersionId: number,
  scorer: ScorerName,
  policy: string,
) {
  const { rows } = await db.execute(sql`
    SELECT cs.submission_id, m.name AS model, cs.concept_id, sum(cs.n)::int AS n, sum(cs.correct)::int AS correct,
           sum(cs.other_label)::int AS other_label
    FROM submission_concept_scores cs JOIN submissions s ON s.id = cs.submission_id JOIN models m ON m.id = s.model_id
    WHERE s.benchmark_version_id = ${benchmarkVersionId} AND s.status = 'done' AND s.visibility = 'public'
      AND cs.scorer = ${scorer} AND cs.policy = ${policy}::policy
    GROUP BY cs.submission_id, m.name, cs.concept_id`);
  return rows.map((r) => ({
    submissionId: num(r.submission_id),
    model: String(r.model),
    conceptId: num(r.concept_id),
    n: num(r.n),
    correct: num(r.correct),
    otherLabel: num(r.other_label),
  }));
}

/** One concept: its pair, its images, and how each model does on it per shot. */
export async function conceptDetail(db: Db, conceptId: number, scorer: ScorerName) {
  const { rows } = await db.execute(sql`
    SELECT c.id, c.key, c.name, c.description, c.query_class, c.benchmark_version_id, p.key AS pair_key,
           o.id AS other_id, o.name AS other_name
    FROM concepts c JOIN pairs p ON p.id = c.pair_id JOIN concepts o ON o.pair_id = c.pair_id AND o.id <> c.id
    WHERE c.id = ${conceptId}`);
  const c = rows[0];
  if (!c) return null;
  const images = await db.execute(
    sql`SELECT sha256, role FROM images WHERE concept_id = ${conceptId} ORDER BY role DESC, sha256`,
  );
  const models = await db.execute(sql`
    SELECT cs.submission_id, m.name AS model, cs.shots, cs.policy, cs.n, cs.correct, cs.other_label, cs."both", cs.neither, cs.empty, cs.error
    FROM submission_concept_scores cs JOIN submissions s ON s.id = cs.submission_id JOIN models m ON m.id = s.model_id
    WHERE cs.concept_id = ${conceptId} AND cs.scorer = ${scorer} AND s.status = 'done' AND s.visibility = 'public'
    ORDER BY m.name, cs.policy, cs.shots`);
  return {
    id: num(c.id),
    key: String(c.key),
    name: String(c.name),
    description: (c.description as string | null) ?? null,
    queryClass: String(c.query_class),
    pairKey: String(c.pair_key),
    other: { id: num(c.other_id), name: String(c.other_name) },
    benchmarkVersionId: num(c.benchmark_version_id),
    images: images.rows.map((r) => ({ id: String(r.sha256), role: String(r.role) })),
    models: models.rows.map((r) => ({
      submissionId: num(r.submission_id),
      model: String(r.model),
      shots: num(r.shots),
      policy: String(r.policy),
      n: num(r.n),
      correct: num(r.correct),
      outcomes: outcomeCountsOf(r),
    })),
  };
}

/** Waiting and running submissions, oldest first, with progress: the public queue. */
export async function queueList(db: Db, viewerId: string | null = null) {
  // A private submission keeps its place in the queue, but only its owner sees its name.
  const { rows } = await db.execute(sql`
    SELECT s.id, s.status, s.total_episodes, s.created_at, s.started_at,
           CASE WHEN s.visibility = 'public' OR s.owner_id = ${viewerId} THEN m.name END AS model,
           (SELECT coalesce(sum(progress_done), 0) FROM jobs WHERE submission_id = s.id)::int AS done
    FROM submissions s JOIN models m ON m.id = s.model_id
    WHERE s.status IN ('queued', 'running') AND s.visibility <> 'hidden' ORDER BY s.id`);
  return rows.map((r, i) => ({
    position: i + 1,
    id: num(r.id),
    status: String(r.status),
    /** Null for someone else's private submission. */
    model: (r.model as string | null) ?? null,
    total: num(r.total_episodes),
    done: Math.min(num(r.done), num(r.total_episodes)),
  }));
}

/** A connection test's outcome: its state, and the one answer or the error it got. */
export async function probeResult(db: Db, id: number) {
  const { rows } = await db.execute(sql`
    SELECT s.status, s.owner_id, s.last_error, r.raw_answer, r.error_class,
           (SELECT last_error FROM jobs j WHERE j.submission_id = s.id ORDER BY id DESC LIMIT 1) AS job_error
    FROM submissions s LEFT JOIN results r ON r.submission_id = s.id
    WHERE s.id = ${id} AND s.probe LIMIT 1`);
  const r = rows[0];
  if (!r) return null;
  return {
    status: String(r.status),
    ownerId: (r.owner_id as string | null) ?? null,
    answer: (r.raw_answer as string | null) ?? null,
    errorClass: (r.error_class as string | null) ?? null,
    error: ((r.last_error ?? r.job_error) as string | null) ?? null,
  };
}
