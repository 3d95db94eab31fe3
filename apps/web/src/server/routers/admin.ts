import { accountsForAdmin, apiKeyOwner, apiKeysForAdmin, USER_ROLES } from '@linkboard/db';
import { TRPCError } from '@trpc/server';
import { isAPIError } from 'better-auth/api';
import { z } from 'zod';
import { getAuth } from '../auth';
import { adminSessionProcedure, type Context, oneLine, router } from '../trpc';
import { disableApiKey, keyIdInput } from './tokens';

const userIdInput = z.string().min(1).max(64);
/** The longest ban with an end, in days; a ban without one lasts until lifted. */
const MAX_BAN_DAYS = 3650;

/**
 * Runs one of better-auth's admin-plugin endpoints as the admin's own session (the plugin checks
 * the session's role again), and says its refusal as tRPC's error with the plugin's message.
 */
async function asAdmin<T>(ctx: Context, call: (headers: Headers) => Promise<T>): Promise<T> {
  if (!ctx.headers)
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'the admin page needs a signed-in session',
    });
  try {
    return await call(ctx.headers);
  } catch (error) {
    if (!isAPIError(error)) throw error;
    const code =
      error.statusCode === 401
        ? 'UNAUTHORIZED'
        : error.statusCode === 403
          ? 'FORBIDDEN'
          : error.statusCode === 404
            ? 'NOT_FOUND'
            : 'BAD_REQUEST';
    throw new TRPCError({ code, message: error.body?.message ?? error.message });
  }
}

/** An admin may not change their own role or ban themselves: another admin must. */
function notOneself(ctx: { viewer: { id: string } }, userId: string, what: string) {
  if (userId === ctx.viewer.id)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `an admin cannot ${what} their own account: ask another admin (or the operator: linkboard users role)`,
    });
}

/**
 * The admin page: accounts with their roles and bans, and every API key. Writes go through
 * better-auth's admin plugin (roles, bans: a ban ends the account's sessions) and its API-key
 * plugin (revocation disables a key and keeps it listed).
 */
export const adminRouter = router({
  overview: adminSessionProcedure.query(async ({ ctx }) => ({
    roles: USER_ROLES,
    accounts: await accountsForAdmin(ctx.db),
    keys: await apiKeysForAdmin(ctx.db),
  })),
  setRole: adminSessionProcedure
    .input(z.object({ userId: userIdInput, role: z.enum(USER_ROLES) }))
    .mutation(async ({ ctx, input }) => {
      notOneself(ctx, input.userId, 'change the role of');
      const auth = await getAuth();
      await asAdmin(ctx, (headers) =>
        auth.api.setRole({ body: { userId: input.userId, role: input.role }, headers }),
      );
      return { userId: input.userId, role: input.role };
    }),
  ban: adminSessionProcedure
    .input(
      z.object({
        userId: userIdInput,
        reason: oneLine(200, { visible: true }).pipe(z.string().min(1)),
        /** Days until the ban ends by itself; none for a ban until lifted. */
        days: z.number().int().min(1).max(MAX_BAN_DAYS).nullable().default(null),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      notOneself(ctx, input.userId, 'ban');
      const auth = await getAuth();
      await asAdmin(ctx, (headers) =>
        auth.api.banUser({
          body: {
            userId: input.userId,
            banReason: input.reason,
            ...(input.days === null ? {} : { banExpiresIn: input.days * 86_400 }),
          },
          headers,
        }),
      );
      return { userId: input.userId, banned: true };
    }),
  unban: adminSessionProcedure
    .input(z.object({ userId: userIdInput }))
    .mutation(async ({ ctx, input }) => {
      const auth = await getAuth();
      await asAdmin(ctx, (headers) =>
        auth.api.unbanUser({ body: { userId: input.userId }, headers }),
      );
      return { userId: input.userId, banned: false };
    }),
  revokeKey: adminSessionProcedure
    .input(z.object({ id: keyIdInput }))
    .mutation(async ({ ctx, input }) => {
      const owner = await apiKeyOwner(ctx.db, input.id);
      if (!owner) throw new TRPCError({ code: 'NOT_FOUND', message: `no API key ${input.id}` });
      await disableApiKey(input.id, owner);
      return { revoked: true };
    }),
});
