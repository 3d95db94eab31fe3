import { leaderboardRows, listBenchmarkVersions, submissionCurves } from '@linkboard/db';
import { z } from 'zod';
import { policyInput, publicProcedure, router, scorerInput } from '../trpc';

export const leaderboardRouter = router({
  versions: publicProcedure.query(({ ctx }) => listBenchmarkVersions(ctx.db)),
  rows: publicProcedure
    .input(
      z.object({ benchmarkVersionId: z.number().int(), policy: policyInput, scorer: scorerInput }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await leaderboardRows(ctx.db, input);
      // Link gain: the same submissions' lcl minus icl accuracy, where both ran.
      const other =
        input.policy === 'lcl' ? await leaderboardRows(ctx.db, { ...input, policy: 'icl' }) : [];
      const icl = new Map(other.map((r) => [r.submissionId, r.accuracy]));
      return rows.map((r) => {
        const base = icl.get(r.submissionId);
        return {
          ...r,
          linkGain:
            r.accuracy !== null && base !== undefined && base !== null ? r.accuracy - base : null,
        };
      });
    }),
  curves: publicProcedure
    .input(z.object({ ids: z.array(z.number().int()).max(20), scorer: scorerInput }))
    .query(({ ctx, input }) => submissionCurves(ctx.db, input.ids, input.scorer)),
});
