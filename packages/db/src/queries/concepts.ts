import type { ScorerName } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { col, OUTCOME_COLUMNS, outcomeCountsOf, queryRows } from './rows';

/** Pairs and concepts of a version, with a few image ids each, for the gallery. */
export async function conceptGallery(db: Db, benchmarkVersionId: number) {
  const rows = await queryRows(
    db,
    z.object({
      id: col.number,
      key: col.text,
      name: col.text,
      description: col.text.nullable(),
      query_class: col.text,
      pair_key: col.text,
      images: col.texts.nullable(),
    }),
    sql`
    SELECT c.id, c.key, c.name, c.description, c.query_class, p.key AS pair_key,
           (SELECT array_agg(i.sha256 ORDER BY i.sha256) FROM (SELECT sha256 FROM images WHERE concept_id = c.id ORDER BY sha256 LIMIT 4) i) AS images
    FROM concepts c JOIN pairs p ON p.id = c.pair_id
    WHERE c.benchmark_version_id = ${benchmarkVersionId}
    ORDER BY p.key, c.query_class DESC`,
  );
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    name: r.name,
    description: r.description,
    queryClass: r.query_class,
    pairKey: r.pair_key,
    images: r.images ?? [],
  }));
}

/** Accuracy of every finished public submission on every concept of a version (the heatmap). */
export async function conceptHeatmap(
  db: Db,
  benchmarkVersionId: number,
  scorer: ScorerName,
  policy: string,
) {
  const rows = await queryRows(
    db,
    z.object({
      submission_id: col.number,
      model: col.text,
      finished_at: col.time.nullable(),
      concept_id: col.number,
      n: col.number,
      correct: col.number,
      other_label: col.number,
    }),
    sql`
    SELECT cs.submission_id, m.name AS model, s.finished_at, cs.concept_id, sum(cs.n)::int AS n, sum(cs.correct)::int AS correct,
           sum(cs.other_label)::int AS other_label
    FROM submission_concept_scores cs JOIN submissions s ON s.id = cs.submission_id JOIN models m ON m.id = s.model_id
    WHERE s.benchmark_version_id = ${benchmarkVersionId} AND s.status = 'done' AND s.visibility = 'public'
      AND cs.scorer = ${scorer} AND cs.policy = ${policy}::policy
    GROUP BY cs.submission_id, m.name, s.finished_at, cs.concept_id`,
  );
  return rows.map((r) => ({
    submissionId: r.submission_id,
    model: r.model,
    /** When its run finished: with its id, what tells two runs of one model apart. */
    finishedAt: r.finished_at,
    conceptId: r.concept_id,
    n: r.n,
    correct: r.correct,
    otherLabel: r.other_label,
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
  const rows = await queryRows(
    db,
    z.object({
      submission_id: col.number,
      model: col.text,
      pair: col.text,
      n: col.number,
      correct: col.number,
    }),
    sql`
    SELECT cs.submission_id, m.name AS model, p.key AS pair, sum(cs.n)::int AS n, sum(cs.correct)::int AS correct
    FROM submission_concept_scores cs JOIN submissions s ON s.id = cs.submission_id JOIN models m ON m.id = s.model_id
    JOIN concepts c ON c.id = cs.concept_id JOIN pairs p ON p.id = c.pair_id
    WHERE s.benchmark_version_id = ${benchmarkVersionId} AND s.status = 'done' AND s.visibility = 'public'
      AND cs.scorer = ${scorer} AND cs.policy = ${policy}::policy
    GROUP BY cs.submission_id, m.name, p.key
    ORDER BY cs.submission_id`,
  );
  const bySubmission = new Map<
    number,
    {
      submissionId: number;
      model: string;
      pairs: { cluster: string; n: number; correct: number }[];
    }
  >();
  for (const r of rows) {
    const id = r.submission_id;
    const entry = bySubmission.get(id) ?? { submissionId: id, model: r.model, pairs: [] };
    entry.pairs.push({ cluster: r.pair, n: r.n, correct: r.correct });
    bySubmission.set(id, entry);
  }
  return [...bySubmission.values()];
}

/** One concept: its pair, its images, and how each model does on it per shot. */
export async function conceptDetail(db: Db, conceptId: number, scorer: ScorerName) {
  const [c] = await queryRows(
    db,
    z.object({
      id: col.number,
      key: col.text,
      name: col.text,
      description: col.text.nullable(),
      query_class: col.text,
      benchmark_version_id: col.number,
      pair_key: col.text,
      other_id: col.number,
      other_name: col.text,
    }),
    sql`
    SELECT c.id, c.key, c.name, c.description, c.query_class, c.benchmark_version_id, p.key AS pair_key,
           o.id AS other_id, o.name AS other_name
    FROM concepts c JOIN pairs p ON p.id = c.pair_id JOIN concepts o ON o.pair_id = c.pair_id AND o.id <> c.id
    WHERE c.id = ${conceptId}`,
  );
  if (!c) return null;
  const images = await queryRows(
    db,
    z.object({ sha256: col.text, role: col.text }),
    sql`SELECT sha256, role FROM images WHERE concept_id = ${conceptId} ORDER BY role DESC, sha256`,
  );
  const models = await queryRows(
    db,
    z.object({
      submission_id: col.number,
      model: col.text,
      finished_at: col.time.nullable(),
      shots: col.number,
      policy: col.text,
      n: col.number,
      ...OUTCOME_COLUMNS,
    }),
    sql`
    SELECT cs.submission_id, m.name AS model, s.finished_at, cs.shots, cs.policy, cs.n, cs.correct, cs.other_label, cs."both", cs.neither, cs.empty, cs.error
    FROM submission_concept_scores cs JOIN submissions s ON s.id = cs.submission_id JOIN models m ON m.id = s.model_id
    WHERE cs.concept_id = ${conceptId} AND cs.scorer = ${scorer} AND s.status = 'done' AND s.visibility = 'public'
    ORDER BY m.name, cs.policy, cs.shots`,
  );
  return {
    id: c.id,
    key: c.key,
    name: c.name,
    description: c.description,
    queryClass: c.query_class,
    pairKey: c.pair_key,
    other: { id: c.other_id, name: c.other_name },
    benchmarkVersionId: c.benchmark_version_id,
    images: images.map((r) => ({ id: r.sha256, role: r.role })),
    models: models.map((r) => ({
      submissionId: r.submission_id,
      model: r.model,
      finishedAt: r.finished_at,
      shots: r.shots,
      policy: r.policy,
      n: r.n,
      correct: r.correct,
      outcomes: outcomeCountsOf(r),
    })),
  };
}
