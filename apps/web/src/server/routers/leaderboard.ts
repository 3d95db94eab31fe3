import {
  BoardFilterSchema,
  buildBoard,
  matchesBoardFilter,
  type PolicyName,
  type ScorerName,
} from '@linkboard/core';
import {
  boardVersionOf,
  type LeaderboardRow,
  leaderboardCounts,
  listBenchmarkVersions,
  type SpentCost,
  spentCosts,
  submissionCurves,
} from '@linkboard/db';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { MAX_OVERLAYS } from '~/lib/page-params';
import {
  type Context,
  idInput,
  notFound,
  policyInput,
  publicProcedure,
  router,
  scorerInput,
  visibleSubmission,
} from '../trpc';

/**
 * Leaderboard reads that the page cache (src/front) does not answer come here every time (its
 * fills; the export, the public API and the compare page; every read when the cache is off), so
 * rows are kept a few seconds in this process. Page-cache fills skip this: what they read is
 * kept until the next change, so it must be current.
 */
const cache = new LRUCache<string, Promise<LeaderboardRow[]>>({ max: 64, ttl: 3_000 });

/**
 * A board row, with what its run cost where that was asked for: the cost at the prices stated
 * with it, null where none were (absent when not asked).
 */
export type CostedRow = LeaderboardRow & { cost?: SpentCost | null };

function ranked(
  ctx: Context,
  input: {
    benchmarkVersionId: number;
    policy: PolicyName;
    scorer: ScorerName;
    selfReported: boolean;
  },
): Promise<LeaderboardRow[]> {
  const key = `${input.benchmarkVersionId}|${input.policy}|${input.scorer}|${input.selfReported}`;
  const hit = cache.get(key);
  if (!ctx.fill && hit) return hit;
  const value = (async () => {
    const version = await boardVersionOf(ctx.db, input.benchmarkVersionId);
    if (!version) return notFound(`benchmark version ${input.benchmarkVersionId}`);
    const setting = version.rankedSetting;
    const counts = await leaderboardCounts(ctx.db, input);
    // The board's policy is ranked on the setting's shots and draws.
    const board = buildBoard(
      counts,
      { ...setting, policy: input.policy },
      {
        includeSelfReported: input.selfReported,
        // The same board, the same intervals on every load.
        seed: `board|${input.benchmarkVersionId}|${input.policy}|${input.scorer}`,
      },
    );
    return board;
  })();
  cache.set(key, value);
  value.catch(() => cache.delete(key));
  return value;
}

export const leaderboardRouter = router({
  versions: publicProcedure.query(({ ctx }) => listBenchmarkVersions(ctx.db)),
  rows: publicProcedure
    .input(
      z.object({
        benchmarkVersionId: idInput,
        policy: policyInput,
        scorer: scorerInput,
        /** Rank uploaded (self-reported) predictions beside the runner's own runs. */
        selfReported: z.boolean().default(false),
        /**
         * Rows whose model card matches (size, weights, organisation). Applied after ranking:
         * ranks, tiers and intervals are the whole board's, so a filter shows a model where it
         * stands among all of them rather than re-ranking a subset.
         */
        filter: BoardFilterSchema.optional(),
        /** The first rows in rank order; all when absent (the export wants them all). */
        limit: z.number().int().min(1).max(100_000).optional(),
        /** Each row's cost (`cost`): one more query, over the priced runs' results. */
        cost: z.boolean().default(false),
      }),
    )
    .query(async ({ ctx, input }): Promise<CostedRow[]> => {
      const all = await ranked(ctx, input);
      const { filter } = input;
      const rows = filter ? all.filter((r) => matchesBoardFilter(r, filter)) : all;
      const shown = input.limit ? rows.slice(0, input.limit) : rows;
      if (!input.cost) return shown;
      // Not in the cached ranking: only a board that shows the column pays for it.
      const costs = await spentCosts(
        ctx.db,
        shown.map((r) => r.submissionId),
      );
      return shown.map((r) => ({ ...r, cost: costs.get(r.submissionId) ?? null }));
    }),
  curves: publicProcedure
    .input(z.object({ ids: z.array(idInput).max(MAX_OVERLAYS + 1), scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      // Overlays name other submissions: those the viewer may not see are left out, silently.
      const visible = await Promise.all(
        input.ids.map((id) =>
          visibleSubmission(ctx, id).then(
            () => id,
            () => null,
          ),
        ),
      );
      const ids = visible.filter((id): id is number => id !== null);
      return ids.length ? submissionCurves(ctx.db, ids, input.scorer) : [];
    }),
});
