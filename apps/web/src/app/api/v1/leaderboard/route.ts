import {
  boardFilterOf,
  isScorerName,
  LeaderboardQuerySchema,
  LeaderboardReplySchema,
  RANKING_METHOD,
  scorerNames,
} from '@linkboard/core';
import { ApiError, apiRoute } from '~/server/api-v1';
import { boardRecord } from '~/server/leaderboard-csv';

/**
 * A benchmark's board as JSON: its latest version unless one is named, ranked on the version's
 * setting (its policy and scorer unless others are asked for). Filters on the model card choose
 * rows after ranking: each keeps its rank on the whole board.
 */
export const GET = apiRoute(async (caller, request) => {
  const url = new URL(request.url);
  const parsed = LeaderboardQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success)
    throw new ApiError(
      400,
      'BAD_REQUEST',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const query = parsed.data;
  if (query.scorer !== undefined && !isScorerName(query.scorer))
    throw new ApiError(
      400,
      'BAD_REQUEST',
      `scorer: unknown scorer "${query.scorer}"; choose ${scorerNames().join(', ')}`,
    );
  const versions = (await caller.leaderboard.versions())
    .filter((v) => v.name === query.benchmark && (!query.version || v.version === query.version))
    .sort((a, b) => b.id - a.id);
  const version = versions[0];
  if (!version)
    throw new ApiError(
      404,
      'NOT_FOUND',
      `no benchmark "${query.benchmark}"${query.version ? ` version "${query.version}"` : ''} on this site`,
    );
  const policy = query.policy ?? version.rankedSetting.policy;
  const scorer = query.scorer ?? version.rankedSetting.scorer;
  const rows = await caller.leaderboard.rows({
    benchmarkVersionId: version.id,
    policy,
    scorer,
    selfReported: query.self_reported === '1',
    filter: boardFilterOf(query),
  });
  return {
    body: LeaderboardReplySchema.parse({
      benchmark: version.name,
      version: version.version,
      policy,
      scorer,
      setting: version.rankedSetting,
      method: RANKING_METHOD,
      rows: rows.map((r) => boardRecord(r, scorer)),
    }),
  };
});
