import { userProfile } from '@linkboard/db';
import { publicProcedure, router } from '../trpc';

export const accountsRouter = router({
  /** Who is signed in (null when nobody is), with the name the site shows. */
  me: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.viewer) return null;
    const profile = await userProfile(ctx.db, ctx.viewer.id);
    return { ...ctx.viewer, name: profile?.name ?? '' };
  }),
});
