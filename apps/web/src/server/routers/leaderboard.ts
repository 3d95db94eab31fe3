import { BoardFilterSchema, matchesBoardFilter } from '@linkboard/core';
import {
  type BoardSnapshotFacts,
  type LeaderboardRow,
  listBenchmarkVersions,
  type SpentCost,
  spentCosts,
  submissionCurves,
} from '@linkboard/db';
import { BoardNotFound, currentBoardRanker, readBoard } from '@linkboard/platform';
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
 * A board row, with what its run cost where that was asked for: the cost at the prices stated
 * with it, null where none were (absent when not asked).
 */
export type CostedRow = LeaderboardRow & { cost?: SpentCost | null };

const RowsInput = z.object({
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
});

/**
 * A board's rows from its snapshot (platform's `readBoard`): ranks, intervals and tiers were
 * computed when its inputs changed, by the server's board worker, never by this read. A stale
 * snapshot is served, marked, while the worker builds the next.
 */
async function boardRows(
  ctx: Context,
  input: z.output<typeof RowsInput>,
): Promise<{ rows: CostedRow[]; snapshot: BoardSnapshotFacts }> {
  const key = {
    benchmarkVersionId: input.benchmarkVersionId,
    policy: input.policy,
    scorer: input.scorer,
    selfReported: input.selfReported,
  };
  const { filter } = input;
  const read = await readBoard(ctx.db, key, currentBoardRanker(ctx.db), {
    // A filter reads the whole board and keeps what matches; otherwise only the rows shown.
    limit: filter ? undefined : input.limit,
  }).catch((error: unknown) => {
    if (error instanceof BoardNotFound)
      return notFound(`benchmark version ${key.benchmarkVersionId}`);
    throw error;
  });
  const rows = filter ? read.rows.filter((r) => matchesBoardFilter(r, filter)) : read.rows;
  const shown = input.limit ? rows.slice(0, input.limit) : rows;
  if (!input.cost) return { rows: shown, snapshot: read.snapshot };
  // Not in the snapshot: only a board that shows the column pays for it.
  const costs = await spentCosts(
    ctx.db,
    shown.map((r) => r.submissionId),
  );
  return {
    rows: shown.map((r) => ({ ...r, cost: costs.get(r.submissionId) ?? null })),
    snapshot: read.snapshot,
  };
}

export const leaderboardRouter = router({
  versions: publicProcedure.query(({ ctx }) => listBenchmarkVersions(ctx.db)),
  rows: publicProcedure
    .input(RowsInput)
    .query(async ({ ctx, input }): Promise<CostedRow[]> => (await boardRows(ctx, input)).rows),
  /** The rows and what their snapshot says of itself (when it was ranked, whether it is stale). */
  board: publicProcedure.input(RowsInput).query(({ ctx, input }) => boardRows(ctx, input)),
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
