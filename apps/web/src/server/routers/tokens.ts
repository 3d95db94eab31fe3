import { API_KEY_SCOPES, apiKeyOwner, apiKeysOf } from '@linkboard/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getAuth, keyPermissions, MAX_KEY_DAYS } from '../auth';
import { oneLine, router, sessionProcedure } from '../trpc';

/** A key's id as better-auth makes it (opaque text). */
export const keyIdInput = z.string().min(1).max(64);

/** Revokes a key through better-auth's API-key plugin: disabled, and kept listed. */
export async function disableApiKey(keyId: string, ownerId: string): Promise<void> {
  await (await getAuth()).api.updateApiKey({
    body: { keyId, userId: ownerId, enabled: false },
  });
}

/**
 * The signed-in user's API keys, made and revoked through better-auth's API-key plugin. Only a
 * session manages keys: a key cannot make or revoke keys (a leaked one could mint its successor).
 */
export const tokensRouter = router({
  list: sessionProcedure.query(({ ctx }) => apiKeysOf(ctx.db, ctx.viewer.id)),
  /** The key is returned once; only its hash is kept. */
  create: sessionProcedure
    .input(
      z.object({
        name: oneLine(80, { visible: true }).pipe(z.string().min(1)),
        /** What the key may do; both unless narrowed. */
        scopes: z
          .array(z.enum(API_KEY_SCOPES))
          .min(1, 'a key needs at least one scope (read, submit)')
          .default([...API_KEY_SCOPES]),
        /** Days until the key stops working; none for a key that lasts until revoked. */
        expiresInDays: z.number().int().min(1).max(MAX_KEY_DAYS).nullable().default(null),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const scopes = API_KEY_SCOPES.filter((scope) => input.scopes.includes(scope));
      const created = await (await getAuth()).api.createApiKey({
        body: {
          userId: ctx.viewer.id,
          name: input.name,
          permissions: keyPermissions(scopes),
          ...(input.expiresInDays === null ? {} : { expiresIn: input.expiresInDays * 86_400 }),
        },
      });
      return { id: created.id, token: created.key, scopes, expiresAt: created.expiresAt ?? null };
    }),
  revoke: sessionProcedure.input(z.object({ id: keyIdInput })).mutation(async ({ ctx, input }) => {
    // Another user's key is one this user cannot see: 404, as for a missing one.
    if ((await apiKeyOwner(ctx.db, input.id)) !== ctx.viewer.id)
      throw new TRPCError({ code: 'NOT_FOUND', message: `no key ${input.id} of yours to revoke` });
    await disableApiKey(input.id, ctx.viewer.id);
    return { revoked: true };
  }),
});
