import { conceptDetail, conceptGallery, conceptHeatmap } from '@linkboard/db';
import { z } from 'zod';
import { notFound, policyInput, publicProcedure, router, scorerInput } from '../trpc';

export const conceptsRouter = router({
  gallery: publicProcedure
    .input(z.object({ benchmarkVersionId: z.number().int() }))
    .query(({ ctx, input }) => conceptGallery(ctx.db, input.benchmarkVersionId)),
  heatmap: publicProcedure
    .input(
      z.object({ benchmarkVersionId: z.number().int(), scorer: scorerInput, policy: policyInput }),
    )
    .query(({ ctx, input }) =>
      conceptHeatmap(ctx.db, input.benchmarkVersionId, input.scorer, input.policy),
    ),
  byId: publicProcedure
    .input(z.object({ id: z.number().int(), scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      return (
        (await conceptDetail(ctx.db, input.id, input.scorer)) ?? notFound(`concept ${input.id}`)
      );
    }),
});
