import { publicProcedure, router } from '../trpc';

export const accountsRouter = router({
  /** Who is signed in (null when nobody is). */
  me: publicProcedure.query(({ ctx }) => ctx.viewer),
});
