import { buildRankedBoard } from '@linkboard/core';
import { rankedModelCounts } from '@linkboard/db';
import { publicProcedure, router } from '../trpc';

/**
 * The ranked board (core's RANKED_BOARD): one row per model, pooling every ranked run of it that
 * has ended, each on a fresh draw of its own, scored by the mean of the pooled lcl and flip
 * accuracy (core's `buildRankedBoard`; which runs are pooled is db's `rankedModelCounts`). A draw
 * is used once, so its figures are shown exact; nothing of a run's episodes is shown here.
 */
export const rankedRouter = router({
  board: publicProcedure.query(async ({ ctx }) =>
    buildRankedBoard(await rankedModelCounts(ctx.db)).map((row) => ({
      modelId: row.modelId,
      model: row.model,
      organisation: row.organisation,
      /** The runs it pools, newest first. */
      submissionIds: row.submissionIds,
      runs: row.runs,
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
