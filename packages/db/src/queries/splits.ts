import type { BenchmarkSplit } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';

/**
 * What a guarded read is about: every per-episode or per-concept read names one of these, and
 * each leads to exactly one benchmark version.
 */
export type SplitSubject =
  | { benchmarkVersionId: number }
  | { submissionId: number }
  | { conceptId: number }
  | { episodeId: string };

/** A read refused because it would show a hidden split's labels or per-episode verdicts. */
export class HiddenSplitError extends Error {
  override name = 'HiddenSplitError';
}

/** The split of the benchmark version `subject` belongs to; null where there is no such thing. */
export async function splitOfSubject(
  db: Db,
  subject: SplitSubject,
): Promise<BenchmarkSplit | null> {
  const version =
    'benchmarkVersionId' in subject
      ? sql`SELECT split FROM benchmark_versions WHERE id = ${subject.benchmarkVersionId}`
      : 'submissionId' in subject
        ? sql`SELECT v.split FROM submissions s JOIN benchmark_versions v ON v.id = s.benchmark_version_id
              WHERE s.id = ${subject.submissionId}`
        : 'conceptId' in subject
          ? sql`SELECT v.split FROM concepts c JOIN benchmark_versions v ON v.id = c.benchmark_version_id
                WHERE c.id = ${subject.conceptId}`
          : sql`SELECT v.split FROM episodes e JOIN concepts c ON c.id = e.concept_id
                JOIN benchmark_versions v ON v.id = c.benchmark_version_id WHERE e.id = ${subject.episodeId}`;
  const { rows } = await db.execute(version);
  return rows[0] ? (rows[0].split as BenchmarkSplit) : null;
}

/**
 * The one guard in front of every read that shows query labels, per-episode verdicts or
 * per-concept scores (on a 2-way task a verdict reveals the label, and a concept's accuracy over a
 * few queries nearly does): refused on a hidden split unless the reader is an admin. A subject
 * that does not exist passes, so the caller's own "not found" answers as it would anyway.
 */
export async function assertDetailVisible(
  db: Db,
  subject: SplitSubject,
  reader: { admin: boolean },
): Promise<void> {
  if (reader.admin) return;
  if ((await splitOfSubject(db, subject)) === 'hidden')
    throw new HiddenSplitError(
      'this is a hidden test split: its per-episode answers, verdicts and per-concept scores are not shown; its board shows accuracy per shot over all pairs',
    );
}
