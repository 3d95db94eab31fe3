import { RANKING_METHOD } from '@linkboard/core';
import Link from 'next/link';

/** The end of the board: where long lists were cut (and the link to all), then how it ranks. */
export function BoardFooter({
  limit,
  cut,
  showAll,
}: {
  limit: number;
  /** More rows match than each list shows. */
  cut: boolean;
  showAll: string;
}) {
  return (
    <>
      {cut ? (
        <p className="muted">
          Showing the first {limit} of each list. <Link href={showAll}>Show all</Link>
        </p>
      ) : null}
      <h2 id="method">How the board ranks</h2>
      <p className="muted" data-testid="method">
        {RANKING_METHOD}
      </p>
    </>
  );
}
