import { compareSubmissions, episodeWithResult } from '@linkboard/db';
import { z } from 'zod';
import { notFound, publicProcedure, router, scorerInput } from '../trpc';

export const episodesRouter = router({
  byId: publicProcedure
    .input(z.object({ id: z.string().min(1).max(100), submission: z.number().int().optional() }))
    .query(async ({ ctx, input }) => {
      return (
        (await episodeWithResult(ctx.db, input.id, input.submission)) ??
        notFound(`episode ${input.id}`)
      );
    }),
  compare: publicProcedure
    .input(z.object({ a: z.number().int(), b: z.number().int(), scorer: scorerInput }))
    .query(({ ctx, input }) => compareSubmissions(ctx.db, input.a, input.b, input.scorer)),
});
