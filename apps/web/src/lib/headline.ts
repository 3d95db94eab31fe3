import { isLiveStatus, type RankedScore } from '@linkboard/core';

/**
 * What a submission's page opens with: the one figure its board ranks by, with its interval,
 * where it stands, and whether it is ranked or why not. As data, so the rules are tested without
 * React; the page lays it out.
 */
export interface Headline {
  /** The board's figure for this run and its 95% interval; null where there is none to show. */
  score: { value: number; low: number | null; high: number | null; what: string } | null;
  /** Where it stands ("rank 2–3 of 5 ranked on isekai-synth@3.1"); null off the board. */
  standing: string | null;
  ranked: boolean;
  /** Why it is not ranked, or not on the board at all; null when ranked. */
  why: string | null;
}

/** What of a submission decides whether it is on its board. */
export interface HeadlineRun {
  status: string;
  visibility: string;
}

const rankText = (low: number, high: number) =>
  low === high ? `rank ${low}` : `rank ${low}–${high}`;

/** Why a run has no row on its board: said so that its owner knows what would put it there. */
export function offBoardReason(run: HeadlineRun, board: 'public' | 'ranked'): string {
  if (run.visibility === 'withdrawn') return 'withdrawn by an admin, so it is on no board';
  if (isLiveStatus(run.status))
    return board === 'ranked'
      ? `it is ${run.status}: a ranked run counts once it has ended`
      : `it is ${run.status}: a run is on the board once it has finished`;
  if (run.visibility === 'private')
    return board === 'ranked'
      ? 'it is private: a model is listed on the ranked board once one of its runs is public and finished (publish this one to list it)'
      : 'it is private: publish it to put it on the board';
  if (board === 'public' && run.status !== 'done')
    return `it ${run.status === 'cancelled' ? 'was cancelled' : run.status}: only finished runs are on the board`;
  return 'it is not on the board';
}

/** A public benchmark's run: its row on its version's board (the ranked setting), if it has one. */
export function publicHeadline(
  run: HeadlineRun,
  row:
    | {
        accuracy: number | null;
        low: number | null;
        high: number | null;
        ranked: boolean;
        rankLow: number | null;
        rankHigh: number | null;
        unrankedReason: string | null;
      }
    | undefined,
  board: { name: string; rankedRows: number; policy: string; scorer: string },
): Headline {
  if (!row)
    return { score: null, standing: null, ranked: false, why: offBoardReason(run, 'public') };
  const score =
    row.accuracy === null
      ? null
      : {
          value: row.accuracy,
          low: row.low,
          high: row.high,
          what: `accuracy (${board.policy}, ${board.scorer} scorer, on the board's ranked setting)`,
        };
  if (row.ranked && row.rankLow !== null && row.rankHigh !== null)
    return {
      score,
      standing: `${rankText(row.rankLow, row.rankHigh)} of ${board.rankedRows} ranked on ${board.name}`,
      ranked: true,
      why: null,
    };
  return {
    score,
    standing: `listed on ${board.name}, unranked`,
    ranked: false,
    why: row.unrankedReason ?? 'not ranked',
  };
}

/**
 * A ranked run: its own score (the mean of its lcl and flip accuracy), and its model's row on the
 * ranked board, which pools every ended run of the model.
 */
export function rankedHeadline(
  run: HeadlineRun,
  own: RankedScore | null,
  row:
    | { rankLow: number | null; rankHigh: number | null; unranked: string | null; runs: number }
    | undefined,
  board: { name: string; rankedRows: number },
): Headline {
  const score = own
    ? {
        value: own.score,
        low: own.low,
        high: own.high,
        what: 'ranked score of this run (the mean of its lcl and flip accuracy)',
      }
    : null;
  if (!row) return { score, standing: null, ranked: false, why: offBoardReason(run, 'ranked') };
  const pooled = row.runs > 1 ? ` (its model's row, pooling ${row.runs} runs)` : '';
  if (row.rankLow !== null && row.rankHigh !== null)
    return {
      score,
      standing: `${rankText(row.rankLow, row.rankHigh)} of ${board.rankedRows} ranked on ${board.name}${pooled}`,
      ranked: true,
      why: null,
    };
  return {
    score,
    standing: `listed on ${board.name}, unranked${pooled}`,
    ranked: false,
    why: row.unranked ?? 'not ranked',
  };
}
