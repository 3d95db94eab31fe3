import { BenchmarkListSchema } from '@linkboard/core';
import { apiRoute } from '~/server/api-v1';

/** The benchmark versions this site holds: a client finds its local manifest's by hash. */
export const GET = apiRoute(async (caller) => ({
  body: BenchmarkListSchema.parse({ benchmarks: await caller.leaderboard.versions() }),
}));
