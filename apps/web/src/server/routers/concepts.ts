import { conceptDetail, conceptGallery, conceptHeatmap } from '@linkboard/db';
import { z } from 'zod';
import {
  detailVisible,
  idInput,
  notFound,
  policyInput,
  publicProcedure,
  router,
  scorerInput,
} from '../trpc';

export const conceptsRouter = router({
  gallery: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput }))
    .query(async ({ ctx, input }) => {
      await detailVisible(ctx, { benchmarkVersionId: input.benchmarkVersionId });
      return conceptGallery(ctx.db, input.benchmarkVersionId);
    }),
  heatmap: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput, scorer: scorerInput, policy: policyInput }))
    .query(async ({ ctx, input }) => {
      await detailVisible(ctx, { benchmarkVersionId: input.benchmarkVersionId });
      return conceptHeatmap(ctx.db, input.benchmarkVersionId, input.scorer, input.policy);
    }),
  byId: publicProcedure
    .input(z.object({ id: idInput, scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await detailVisible(ctx, { conceptId: input.id });
      return (
        (await conceptDetail(ctx.db, input.id, input.scorer)) ?? notFound(`concept ${input.id}`)
      );
    }),
});
