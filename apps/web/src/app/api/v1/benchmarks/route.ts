import { BenchmarkListSchema, benchmarkName } from '@linkboard/core';
import { apiRoute } from '~/server/api-v1';

/**
 * The benchmark versions this site holds, each by its one name (`benchmark`, `name@version`), which
 * every request names it by: a client finds its local manifest's by hash. The database id is
 * listed, deprecated, until the next release (for the deprecated `benchmarkVersionId`).
 */
export const GET = apiRoute(async (caller) => ({
  body: BenchmarkListSchema.parse({
    benchmarks: (await caller.leaderboard.versions()).map((v) => ({
      ...v,
      benchmark: benchmarkName(v),
    })),
  }),
}));
