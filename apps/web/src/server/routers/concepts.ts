import { conceptDetail, conceptGallery, conceptHeatmap } from '@linkboard/db';
import { z } from 'zod';
import { idInput, notFound, policyInput, publicProcedure, router, scorerInput } from '../trpc';

export const conceptsRouter = router({
  gallery: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput }))
    .query(({ ctx, input }) => conceptGallery(ctx.db, input.benchmarkVersionId)),
  heatmap: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput, scorer: scorerInput, policy: policyInput }))
    .query(({ ctx, input }) =>
      conceptHeatmap(ctx.db, input.benchmarkVersionId, input.scorer, input.policy),
    ),
  byId: publicProcedure
    .input(z.object({ id: idInput, scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      return (
        (await conceptDetail(ctx.db, input.id, input.scorer)) ?? notFound(`concept ${input.id}`)
      );
    }),
});
