import { createApiToken, listApiTokens, revokeApiToken } from '@linkboard/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { idInput, oneLine, router, sessionProcedure } from '../trpc';

export const tokensRouter = router({
  list: sessionProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.viewer.id)),
  /** The token is returned once; only its hash is kept. */
  create: sessionProcedure
    .input(z.object({ name: oneLine(80, { visible: true }).pipe(z.string().min(1)) }))
    .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.viewer.id, input.name)),
  revoke: sessionProcedure.input(z.object({ id: idInput })).mutation(async ({ ctx, input }) => {
    // Another user's token is one this user cannot see: 404, as for a missing or revoked one.
    if (!(await revokeApiToken(ctx.db, ctx.viewer.id, input.id)))
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no token ${input.id} of yours to revoke`,
      });
    return { revoked: true };
  }),
});
