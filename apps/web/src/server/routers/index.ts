import { router } from '../trpc';
import { accountsRouter } from './accounts';
import { adminRouter } from './admin';
import { compareRouter } from './compare';
import { conceptsRouter } from './concepts';
import { episodesRouter } from './episodes';
import { leaderboardRouter } from './leaderboard';
import { rankedRouter } from './ranked';
import { submissionsRouter } from './submissions';
import { tokensRouter } from './tokens';

/** One router per domain. */
export const appRouter = router({
  accounts: accountsRouter,
  leaderboard: leaderboardRouter,
  ranked: rankedRouter,
  submissions: submissionsRouter,
  concepts: conceptsRouter,
  episodes: episodesRouter,
  compare: compareRouter,
  tokens: tokensRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
