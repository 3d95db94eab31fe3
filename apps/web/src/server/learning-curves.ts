import 'server-only';
import { type LearningCurve, learningCurve, type ScorerName } from '@linkboard/core';
import { curveCells } from '@linkboard/db';
import type { Context } from './trpc';

/** A submission as the learning-curve figures need it: what it ran. */
export interface CurveSubject {
  id: number;
  policies: readonly string[];
}

/** One policy's learning-curve figures of one submission. */
export type PolicyCurve = { policy: string } & LearningCurve;

/**
 * Submissions' learning-curve figures under each policy they ran (core's `learningCurve` on the
 * aggregates' per-cluster, per-shot counts, over every shot count it ran), exact.
 */
export async function learningCurvesOf(
  ctx: Pick<Context, 'db'>,
  subjects: readonly CurveSubject[],
  scorer: ScorerName,
): Promise<Map<number, PolicyCurve[]>> {
  const out = new Map<number, PolicyCurve[]>(subjects.map((s) => [s.id, []]));
  const policies = [...new Set(subjects.flatMap((s) => s.policies))].sort();
  for (const policy of policies) {
    const ran = subjects.filter((s) => s.policies.includes(policy));
    const cells = await curveCells(ctx.db, { ids: ran.map((s) => s.id), scorer, policy });
    for (const subject of ran) {
      out.get(subject.id)?.push({ policy, ...learningCurve(cells.get(subject.id) ?? []) });
    }
  }
  return out;
}
