import { buildRankedBoard } from '@linkboard/core';
import { rankedRunCounts } from '@linkboard/db';
import { publicProcedure, router } from '../trpc';

/**
 * The ranked board: every finished public ranked run, each on a fresh draw of its own, scored by
 * the mean of its lcl and flip accuracy (core's `buildRankedBoard`). A draw is used once, so its
 * figures are shown exact; nothing of a run's episodes is shown here.
 */
export const rankedRouter = router({
  board: publicProcedure.query(async ({ ctx }) =>
    buildRankedBoard(await rankedRunCounts(ctx.db)).map((row) => ({
      submissionId: row.submissionId,
      model: row.model,
      organisation: row.organisation,
      finishedAt: row.finishedAt,
      score: row.score,
      lcl: row.lcl,
      flip: row.flip,
      unranked: row.unranked,
      rankLow: row.rankLow,
      rankHigh: row.rankHigh,
    })),
  ),
});
