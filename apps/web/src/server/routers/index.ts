import { router } from '../trpc';
import { conceptsRouter } from './concepts';
import { episodesRouter } from './episodes';
import { leaderboardRouter } from './leaderboard';
import { submissionsRouter } from './submissions';

/** One router per domain. */
export const appRouter = router({
  leaderboard: leaderboardRouter,
  submissions: submissionsRouter,
  concepts: conceptsRouter,
  episodes: episodesRouter,
});

export type AppRouter = typeof appRouter;
