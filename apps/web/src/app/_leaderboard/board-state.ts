import {
  type BoardFilter,
  BoardFilterQuerySchema,
  benchmarkName,
  boardFilterParams,
  matchesBoardFilter,
} from '@linkboard/core';
import { param, policyParam, scorerParam } from '~/components/format';
import type { api } from '~/server/caller';

// Apart from the sections: what the URL asks for and which rows show, as data tested without React.

type Caller = Awaited<ReturnType<typeof api>>;
export type BoardVersion = Awaited<ReturnType<Caller['leaderboard']['versions']>>[number];
export type BoardRow = Awaited<ReturnType<Caller['leaderboard']['rows']>>[number];

export const SORTS = ['accuracy', 'model', 'size', 'novel', 'gain', 'parse', 'date'] as const;
export type BoardSort = (typeof SORTS)[number];

/** What a public board's URL asks for, read leniently: a bad model-card filter is named, not applied. */
export function boardQuery(
  sp: Record<string, string | string[] | undefined>,
  version: Pick<BoardVersion, 'id' | 'name' | 'version' | 'rankedSetting'>,
) {
  const setting = version.rankedSetting;
  // The model-card filters, as the API and the export read them; a bad one is named and ignored.
  const parsedFilter = BoardFilterQuerySchema.safeParse({
    params_min: param(sp.params_min),
    params_max: param(sp.params_max),
    weights: param(sp.weights),
    organisation: param(sp.organisation),
  });
  const filter: BoardFilter = parsedFilter.success ? parsedFilter.data : {};
  return {
    /** For the site's own procedures: never in a URL. */
    versionId: version.id,
    /** The version as every URL names it, `name@version`. */
    benchmark: benchmarkName(version),
    policy: policyParam(param(sp.policy), setting.policy),
    scorer: scorerParam(param(sp.scorer), setting.scorer),
    selfReported: param(sp.self) === '1',
    sort: SORTS.find((s) => s === param(sp.sort)) ?? 'accuracy',
    q: (param(sp.q) ?? '').toLowerCase(),
    filter,
    filterProblem: parsedFilter.success
      ? null
      : parsedFilter.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    /** Every row rather than the first 100 of each list. */
    all: param(sp.all) === '1',
    /**
     * Show what each run cost (at the prices stated with it): off by default, since it reads the
     * priced runs' results rather than the board's aggregates alone.
     */
    cost: param(sp.cost) === '1',
  };
}
export type BoardQuery = ReturnType<typeof boardQuery>;

/** The board's own links: a sort or "show all" keeps the rest of what the page shows. */
export function boardLinks(query: BoardQuery) {
  const { benchmark, policy, scorer, sort, q, selfReported, filter, cost } = query;
  // The cost column is a way of showing the board, not a filter: kept by every link, last.
  const shown: Record<string, string> = cost ? { cost: '1' } : {};
  const state = {
    benchmark,
    policy,
    scorer,
    sort,
    ...(q ? { q } : {}),
    ...(selfReported ? { self: '1' } : {}),
    ...boardFilterParams(filter),
  };
  return {
    link: (changes: Record<string, string>) =>
      `/?${new URLSearchParams({ ...state, ...shown, ...changes })}`,
    exportLink: (format: string) =>
      `/api/export?${new URLSearchParams({ benchmark, policy, scorer, format, self: selfReported ? '1' : '0', ...boardFilterParams(filter) })}`,
    clearFilters: `/?${new URLSearchParams({ benchmark, policy, scorer, sort, ...shown })}`,
    /** The same board with the cost column shown, or hidden if it is. */
    costToggle: `/?${new URLSearchParams({ ...state, ...(cost ? {} : { cost: '1' }) })}`,
  };
}

/**
 * The rows the page shows. Filters choose rows after ranking (the router ranks the whole board):
 * a filtered row keeps its rank among all models, so narrowing the view never promotes anyone.
 */
export function boardRows(board: readonly BoardRow[], query: BoardQuery) {
  const { q, filter, sort } = query;
  const organisations = [
    ...new Set(board.map((r) => r.organisation).filter((o): o is string => Boolean(o))),
  ].sort((a, b) => a.localeCompare(b));
  const rows = board.filter(
    (r) =>
      matchesBoardFilter(r, filter) &&
      (!q || r.model.toLowerCase().includes(q) || (r.organisation ?? '').toLowerCase().includes(q)),
  );
  const key: Record<BoardSort, (r: BoardRow) => number | string> = {
    accuracy: (r) => -(r.accuracy ?? -1),
    model: (r) => r.model.toLowerCase(),
    size: (r) => r.paramsB ?? Number.POSITIVE_INFINITY,
    novel: (r) => -(r.novelAccuracy ?? -1),
    gain: (r) => -(r.linkGain ?? -9),
    parse: (r) => r.parseFailureRate ?? 9,
    date: (r) => -(r.finishedAt?.getTime() ?? 0),
  };
  const sorted = (list: typeof rows) =>
    [...list].sort((a, b) =>
      key[sort](a) < key[sort](b) ? -1 : key[sort](a) > key[sort](b) ? 1 : 0,
    );
  const limit = query.all ? rows.length : 100;
  return {
    organisations,
    /** Every row that matches, before the limit. */
    rows,
    ranked: sorted(rows.filter((r) => r.ranked)).slice(0, limit),
    unranked: sorted(rows.filter((r) => !r.ranked)).slice(0, limit),
    limit,
    shots: [...new Set(rows.flatMap((r) => Object.keys(r.perShot).map(Number)))].sort(
      (a, b) => a - b,
    ),
    /** Ranked rows that match, and ranked rows on the whole board (what ranks are among). */
    rankedMatching: rows.filter((r) => r.ranked).length,
    rankedOnBoard: board.filter((r) => r.ranked).length,
    filtered: Object.keys(boardFilterParams(filter)).length > 0,
  };
}
export type BoardRows = ReturnType<typeof boardRows>;
