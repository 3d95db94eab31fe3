import { compareSubmissions, episodeWithResult } from '@linkboard/db';
import { z } from 'zod';
import { notFound, publicProcedure, router, scorerInput, visibleSubmission } from '../trpc';

/** The page lists this many of the episodes two submissions disagree on; the count is exact. */
const DISAGREEMENTS_SHOWN = 200;

export const episodesRouter = router({
  byId: publicProcedure
    .input(z.object({ id: z.string().min(1).max(100), submission: z.number().int().optional() }))
    .query(async ({ ctx, input }) => {
      // An episode's definition is public; a submission's answer to it only where it is visible.
      if (input.submission !== undefined) await visibleSubmission(ctx, input.submission);
      return (
        (await episodeWithResult(ctx.db, input.id, input.submission)) ??
        notFound(`episode ${input.id}`)
      );
    }),
  compare: publicProcedure
    .input(z.object({ a: z.number().int(), b: z.number().int(), scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await visibleSubmission(ctx, input.a);
      await visibleSubmission(ctx, input.b);
      const comparison = await compareSubmissions(ctx.db, input.a, input.b, input.scorer);
      return {
        ...comparison,
        disagreementCount: comparison.disagreements.length,
        disagreements: comparison.disagreements.slice(0, DISAGREEMENTS_SHOWN),
      };
    }),
});
