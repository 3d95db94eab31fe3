import { type ScorerName, scorers } from '@linkboard/core';
import Link from 'next/link';

/**
 * What the form's choices did to the board: a filter that was not applied, how many ranked
 * models a filter kept, and a scorer that is not the one the board ranks by.
 */
export function BoardNotes({
  filterProblem,
  filtered,
  rankedMatching,
  rankedOnBoard,
  clearFilters,
  scorer,
  rankedScorer,
}: {
  filterProblem: string | null;
  filtered: boolean;
  rankedMatching: number;
  rankedOnBoard: number;
  clearFilters: string;
  scorer: ScorerName;
  rankedScorer: ScorerName;
}) {
  const scorerInfo = scorers().find((s) => s.name === scorer);
  return (
    <>
      {filterProblem ? (
        <p role="alert" style={{ color: 'var(--bad)' }} data-testid="filter-problem">
          Filter not applied: {filterProblem}
        </p>
      ) : null}
      {filtered ? (
        <p className="muted" data-testid="filter-note">
          Showing {rankedMatching} of {rankedOnBoard} ranked models whose card matches; ranks and
          tiers are among all {rankedOnBoard}, so a filter never changes a rank. A model whose card
          does not state a filtered field is left out.{' '}
          <Link href={clearFilters}>Clear filters</Link>
        </p>
      ) : null}
      {scorerInfo && scorer !== rankedScorer ? (
        <p className="muted" data-testid="scorer-note">
          Scored by <b>{scorer}</b>: {scorerInfo.description}. The board ranks by {rankedScorer}.
        </p>
      ) : null}
    </>
  );
}
