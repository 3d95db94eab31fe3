import {
  conceptBreakdown,
  queueList,
  queueStatus,
  submissionCurves,
  submissionDetail,
  submissionFailures,
} from '@linkboard/db';
import { z } from 'zod';
import { notFound, publicProcedure, router, scorerInput } from '../trpc';

export const submissionsRouter = router({
  byId: publicProcedure.input(z.object({ id: z.number().int() })).query(async ({ ctx, input }) => {
    const submission = await submissionDetail(ctx.db, input.id);
    if (submission?.visibility !== 'public') return notFound(`submission ${input.id}`);
    return submission;
  }),
  status: publicProcedure
    .input(z.object({ id: z.number().int() }))
    .query(async ({ ctx, input }) => {
      return (await queueStatus(ctx.db, input.id)) ?? notFound(`submission ${input.id}`);
    }),
  curves: publicProcedure
    .input(z.object({ id: z.number().int(), scorer: scorerInput }))
    .query(({ ctx, input }) => submissionCurves(ctx.db, [input.id], input.scorer)),
  concepts: publicProcedure
    .input(z.object({ id: z.number().int(), scorer: scorerInput }))
    .query(({ ctx, input }) => conceptBreakdown(ctx.db, input.id, input.scorer)),
  failures: publicProcedure
    .input(z.object({ id: z.number().int(), scorer: scorerInput }))
    .query(({ ctx, input }) => submissionFailures(ctx.db, input.id, input.scorer)),
  queue: publicProcedure.query(({ ctx }) => queueList(ctx.db)),
});
