import type { OutcomeCounts } from '@linkboard/core';

/** A numeric column as pg returns it (numbers, or strings for bigint and numeric). */
export const num = (v: unknown) => Number(v ?? 0);

/** The six outcome-count columns of an aggregate row, as core's OutcomeCounts. */
export function outcomeCountsOf(r: Record<string, unknown>): OutcomeCounts {
  return {
    correct: num(r.correct),
    'other-label': num(r.other_label),
    both: num(r.both),
    neither: num(r.neither),
    empty: num(r.empty),
    error: num(r.error),
  };
}
