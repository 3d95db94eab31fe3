import {
  benchmarkName,
  boardFilterOf,
  LeaderboardQuerySchema,
  LeaderboardReplySchema,
  RANKING_METHOD,
} from '@linkboard/core';
import { apiRoute, boardQueryOf, boardVersionNamed } from '~/server/api-v1';
import { boardRecord } from '~/server/leaderboard-csv';

/**
 * A benchmark version's board as JSON (`benchmark=name@version`; a name alone is its newest public
 * version), ranked on the version's
 * setting (its policy and scorer unless others are asked for). Filters on the model card choose
 * rows after ranking: each keeps its rank on the whole board.
 */
export const GET = apiRoute(async (caller, request) => {
  const query = boardQueryOf(request, LeaderboardQuerySchema);
  const version = await boardVersionNamed(caller, query);
  const policy = query.policy ?? version.rankedSetting.policy;
  const scorer = query.scorer ?? version.rankedSetting.scorer;
  const { rows, snapshot } = await caller.leaderboard.board({
    benchmarkVersionId: version.id,
    policy,
    scorer,
    selfReported: query.self_reported === '1',
    filter: boardFilterOf(query),
  });
  return {
    body: LeaderboardReplySchema.parse({
      benchmark: benchmarkName(version),
      policy,
      scorer,
      setting: version.rankedSetting,
      method: RANKING_METHOD,
      ranked_at: snapshot.builtAt.toISOString(),
      stale: snapshot.stale,
      rows: rows.map((r) => boardRecord(r, scorer)),
    }),
  };
});
