import type { ScorerName } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { num, outcomeCountsOf } from './rows';

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

/**
 * Each finished public submission's counts per pair (its key, as the manifest names it) under one
 * policy and scorer, over every shot count it ran: what accuracy by trait is pooled from.
 */
export async function pairCountsOf(
  db: Db,
  benchmarkVersionId: number,
  scorer: ScorerName,
  policy: string,
) {
  const { rows } = await db.execute(sql`
    SELECT cs.submission_id, m.name AS model, p.key AS pair, sum(cs.n)::int AS n, sum(cs.correct)::int AS correct
    FROM submission_concept_scores cs JOIN submissions s ON s.id = cs.submission_id JOIN models m ON m.id = s.model_id
    JOIN concepts c ON c.id = cs.concept_id JOIN pairs p ON p.id = c.pair_id
    WHERE s.benchmark_version_id = ${benchmarkVersionId} AND s.status = 'done' AND s.visibility = 'public'
      AND cs.scorer = ${scorer} AND cs.policy = ${policy}::policy
    GROUP BY cs.submission_id, m.name, p.key
    ORDER BY cs.submission_id`);
  const bySubmission = new Map<
    number,
    {
      submissionId: number;
      model: string;
      pairs: { cluster: string; n: number; correct: number }[];
    }
  >();
  for (const r of rows) {
    const id = num(r.submission_id);
    const entry = bySubmission.get(id) ?? { submissionId: id, model: String(r.model), pairs: [] };
    entry.pairs.push({ cluster: String(r.pair), n: num(r.n), correct: num(r.correct) });
    bySubmission.set(id, entry);
  }
  return [...bySubmission.values()];
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
