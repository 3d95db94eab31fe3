import { parseBenchmarkName, RANKED_BENCHMARK, RANKED_BOARD_VERSION } from '@linkboard/core';
import { notFound, permanentRedirect } from 'next/navigation';
import { chosenVersion, param, type SearchParams } from '~/components/format';
import { RankedBoard } from '~/components/ranked-board';
import { legacyVersionTarget, searchParamsOf } from '~/lib/benchmark-param';
import { api } from '~/server/caller';
import { BoardFilters } from './_leaderboard/board-filters';
import { BoardFooter } from './_leaderboard/board-footer';
import { BoardHeader } from './_leaderboard/board-header';
import { BoardNotes } from './_leaderboard/board-notes';
import { boardLinks, boardQuery, boardRows } from './_leaderboard/board-state';
import { RankedTable } from './_leaderboard/ranked-table';
import { UnrankedTable } from './_leaderboard/unranked-table';

export const dynamic = 'force-dynamic';

/** Whether a name is the ranked board's: its benchmark alone, or at the board's version. */
function isRankedBoard(named: string): boolean {
  const { name, version } = parseBenchmarkName(named);
  return (
    name.toLowerCase() === RANKED_BENCHMARK &&
    (version === null || version === RANKED_BOARD_VERSION)
  );
}

export default async function LeaderboardPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  // A link of before (`?version=<id>`) goes on to the same board by name.
  const legacy = legacyVersionTarget('/', searchParamsOf(sp), versions);
  if (legacy) permanentRedirect(legacy);
  const named = param(sp.benchmark);
  // Unnamed, the site opens on the ranked board once it has rows: every run there on a fresh
  // draw of its own, where a public board's answers can be looked up. By its name
  // (`isekai-synth-ranked@1`) it is that board, rows or not.
  if (!named || isRankedBoard(named)) {
    const rankedRows = await trpc.ranked.board();
    if (rankedRows.length > 0 || named)
      return <RankedBoard rows={rankedRows} versions={versions} />;
  }
  const version = chosenVersion(versions, named, notFound);
  if (!version)
    return (
      <p>
        No benchmark yet: start linkboard with <code>npm start</code>.
      </p>
    );
  const query = boardQuery(sp, version);
  const rankedScorer = version.rankedSetting.scorer;
  // The router ranks the whole board; the page's filters then choose among its rows.
  const { rows: board, snapshot } = await trpc.leaderboard.board({
    benchmarkVersionId: query.versionId,
    policy: query.policy,
    scorer: query.scorer,
    selfReported: query.selfReported,
    cost: query.cost,
  });
  const shown = boardRows(board, query);
  const links = boardLinks(query);

  return (
    <>
      <BoardHeader version={version} />
      {snapshot.stale && (
        // Ranks are computed off the request path when a board changes; until the new ranking is
        // stored, the previous one is shown, and says so.
        <p role="status" className="warning" data-testid="board-stale">
          The board changed and is being ranked again; these ranks are from{' '}
          <time dateTime={snapshot.builtAt.toISOString()}>
            {snapshot.builtAt.toISOString().slice(0, 19).replace('T', ' ')} UTC
          </time>
          .
        </p>
      )}
      <BoardFilters
        versions={versions}
        query={query}
        rankedScorer={rankedScorer}
        organisations={shown.organisations}
        exportLink={links.exportLink}
        costToggle={links.costToggle}
      />
      <BoardNotes
        filterProblem={query.filterProblem}
        filtered={shown.filtered}
        rankedMatching={shown.rankedMatching}
        rankedOnBoard={shown.rankedOnBoard}
        clearFilters={links.clearFilters}
        scorer={query.scorer}
        rankedScorer={rankedScorer}
      />
      <RankedTable rows={shown.ranked} shots={shown.shots} link={links.link} cost={query.cost} />
      <UnrankedTable rows={shown.unranked} shots={shown.shots} cost={query.cost} />
      <BoardFooter
        limit={shown.limit}
        cut={shown.rows.length > shown.limit}
        showAll={links.link({ all: '1' })}
      />
    </>
  );
}
