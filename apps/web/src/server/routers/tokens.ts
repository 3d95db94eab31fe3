import { createApiToken, listApiTokens, revokeApiToken } from '@linkboard/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { router, sessionProcedure } from '../trpc';

export const tokensRouter = router({
  list: sessionProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.viewer.id)),
  /** The token is returned once; only its hash is kept. */
  create: sessionProcedure
    .input(z.object({ name: z.string().trim().min(1).max(80) }))
    .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.viewer.id, input.name)),
  revoke: sessionProcedure
    .input(z.object({ id: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      if (!(await revokeApiToken(ctx.db, ctx.viewer.id, input.id)))
        throw new TRPCError({ code: 'FORBIDDEN', message: 'not your token' });
      return { revoked: true };
    }),
});
