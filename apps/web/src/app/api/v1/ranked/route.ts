import { RANKED_BOARD, RankedBoardReplySchema } from '@linkboard/core';
import { apiRoute } from '~/server/api-v1';

/** The ranked board as JSON: the same rows as /ranked, exact figures. */
export const GET = apiRoute(async (caller) => {
  const rows = await caller.ranked.board();
  return {
    body: RankedBoardReplySchema.parse({
      board: RANKED_BOARD,
      method:
        'score = mean of lcl and flip accuracy over all shot counts, pooled over every ended ranked run of the model (done, failed or cancelled; private ones included), each run on a fresh draw of its own (one concept per episode); 95% interval for the mean of two independent proportions (Agresti–Caffo); rank ranges from interval overlap',
      rows: rows.map((r) => ({
        submission: r.submissionIds[0],
        runs: r.runs,
        submission_ids: r.submissionIds,
        model: r.model,
        organisation: r.organisation,
        rank_low: r.rankLow,
        rank_high: r.rankHigh,
        unranked: r.unranked,
        score: r.score?.score ?? null,
        score_low: r.score?.low ?? null,
        score_high: r.score?.high ?? null,
        lcl_accuracy: r.score?.lclAccuracy ?? null,
        flip_accuracy: r.score?.flipAccuracy ?? null,
        episodes: r.lcl.n + r.flip.n,
        finished_at: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
      })),
    }),
  };
});
