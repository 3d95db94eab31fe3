import type { PolicyName } from '../policy';
import { wilsonInterval } from './intervals';
import { rankTiers } from './tiers';

/** Correct answers out of n. */
export interface Counts {
  correct: number;
  n: number;
}

/** Accuracy of counts; null when there is nothing to count (no answers is no evidence, not 0%). */
export function accuracyOf(counts: Counts | null | undefined): number | null {
  return counts && counts.n > 0 ? counts.correct / counts.n : null;
}

/**
 * The two policies link gain compares: with causal links, and plain in-context learning on the same
 * demonstrations. A submission that runs both gets a link gain.
 */
export const LINK_GAIN_POLICIES = { linked: 'lcl', plain: 'icl' } as const satisfies Record<
  string,
  PolicyName
>;

/** Accuracy with its Wilson 95% interval; all null when there is nothing to count. */
export function accuracyWithInterval(counts: Counts): {
  accuracy: number | null;
  low: number | null;
  high: number | null;
} {
  const interval = wilsonInterval(counts.correct, counts.n);
  return { accuracy: accuracyOf(counts), low: interval?.low ?? null, high: interval?.high ?? null };
}

/**
 * Link gain: what the causal links add over plain in-context learning, as the LCL accuracy minus
 * the ICL accuracy on the same episodes' grouping (one shot count, or pooled over a submission's
 * shot counts, which both policies share). Null unless both ran. The one definition: the per-shot
 * report and the leaderboard both use it.
 */
export function linkGainOf(
  lcl: Counts | null | undefined,
  icl: Counts | null | undefined,
): number | null {
  const a = accuracyOf(lcl);
  const b = accuracyOf(icl);
  return a !== null && b !== null ? a - b : null;
}

/** What the database keeps of one submission under one policy and scorer: counts only. */
export interface SubmissionCounts extends Counts {
  submissionId: number;
  /** Answers that named neither label or nothing: the parse failures. */
  unreadable: number;
  novel: Counts;
  perShot: Record<number, Counts>;
  /** The same submission's LCL and ICL counts (for link gain), when it ran them. */
  lcl: Counts | null;
  icl: Counts | null;
}

export interface SubmissionStatistics {
  accuracy: number | null;
  /** Wilson 95% interval of the pooled accuracy. */
  low: number | null;
  high: number | null;
  novelAccuracy: number | null;
  /** Accuracy per shot count. */
  perShot: Record<number, number | null>;
  parseFailureRate: number | null;
  linkGain: number | null;
  /** 1 for the leader's tier; null when the row has no accuracy. */
  tier: number | null;
}

/**
 * The leaderboard's statistics from counts: pooled accuracy with its interval, per-shot accuracy,
 * novel-query accuracy, parse failures, link gain and rank tiers, in rank order. Whatever else a
 * row carries (model name, dates) passes through.
 */
export type RankedSubmission<T extends SubmissionCounts> = Omit<
  T,
  'perShot' | 'novel' | 'lcl' | 'icl' | 'unreadable' | 'correct'
> &
  SubmissionStatistics;

export function rankSubmissions<T extends SubmissionCounts>(
  rows: readonly T[],
): RankedSubmission<T>[] {
  const withStatistics = rows.map((row) => {
    const { perShot, novel, lcl, icl, unreadable, correct, ...rest } = row;
    return {
      ...rest,
      id: String(row.submissionId),
      ...accuracyWithInterval(row),
      novelAccuracy: accuracyOf(novel),
      perShot: Object.fromEntries(
        Object.entries(perShot).map(([shots, counts]) => [Number(shots), accuracyOf(counts)]),
      ),
      parseFailureRate: row.n > 0 ? unreadable / row.n : null,
      linkGain: linkGainOf(lcl, icl),
    };
  });
  // TypeScript cannot see that removing the counts from T and adding the statistics is this type.
  return rankTiers(withStatistics).map(
    ({ row: { id: _, ...row }, tier }) => ({ ...row, tier }) as unknown as RankedSubmission<T>,
  );
}
