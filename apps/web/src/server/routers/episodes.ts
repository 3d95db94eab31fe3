import { compareOnSharedEpisodes, oneLine, type ScorerName } from '@linkboard/core';
import { episodeWithResult, pairedAnswers } from '@linkboard/db';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import {
  type Context,
  episodeVisible,
  idInput,
  notFound,
  publicProcedure,
  router,
  scorerInput,
  visibleSubmission,
} from '../trpc';

/** The page lists this many of the episodes two submissions disagree on; the count is exact. */
const DISAGREEMENTS_SHOWN = 200;

/**
 * A comparison joins every result of two submissions and bootstraps each shot × policy 2,000
 * times: kept 30 s per (a, b, scorer) so that reloads and many visitors cost one computation.
 * Visibility is checked before the cache is read, on every request.
 */
const comparisons = new LRUCache<string, Promise<Comparison>>({ max: 64, ttl: 30_000 });
type Comparison = ReturnType<typeof compareOnSharedEpisodes> & { disagreementCount: number };

/** The comparison of two submissions, cached; the caller has checked that both are visible. */
export function comparison(ctx: Context, a: number, b: number, scorer: ScorerName) {
  const key = `${a}|${b}|${scorer}`;
  let value = comparisons.get(key);
  if (!value) {
    value = pairedAnswers(ctx.db, a, b, scorer).then((answers) => {
      const c = compareOnSharedEpisodes(answers, `${a}|${b}`);
      return {
        ...c,
        disagreementCount: c.disagreements.length,
        disagreements: c.disagreements.slice(0, DISAGREEMENTS_SHOWN),
      };
    });
    comparisons.set(key, value);
    value.catch(() => comparisons.delete(key));
  }
  return value;
}

export const episodesRouter = router({
  byId: publicProcedure
    .input(z.object({ id: oneLine(100, { trim: false }).min(1), submission: idInput.optional() }))
    .query(async ({ ctx, input }) => {
      // An episode's definition is public but for an open ranked run's (the visibility rule); a
      // submission's answer to it only where the submission is visible.
      if (input.submission !== undefined) await visibleSubmission(ctx, input.submission);
      await episodeVisible(ctx, input.id);
      return (
        (await episodeWithResult(ctx.db, input.id, input.submission)) ??
        notFound(`episode ${input.id}`)
      );
    }),
  compare: publicProcedure
    .input(z.object({ a: idInput, b: idInput, scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await visibleSubmission(ctx, input.a);
      await visibleSubmission(ctx, input.b);
      // Two submissions share episodes only on one public version (a ranked run's draw is its
      // own), so the episodes listed are shown ones.
      return comparison(ctx, input.a, input.b, input.scorer);
    }),
});
