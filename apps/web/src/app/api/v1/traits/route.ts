import { isScorerName, scorerNames, TraitsQuerySchema, TraitsReplySchema } from '@linkboard/core';
import { ApiError, apiRoute } from '~/server/api-v1';

/**
 * Accuracy by trait family and by trait, per model (the /concepts page's "By trait"): a
 * benchmark's latest version unless one is named, under the version's ranked policy and scorer
 * unless others are asked for.
 */
export const GET = apiRoute(async (caller, request) => {
  const url = new URL(request.url);
  const parsed = TraitsQuerySchema.safeParse(Object.fromEntries(url.searchParams));
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
  const version = (await caller.leaderboard.versions())
    .filter((v) => v.name === query.benchmark && (!query.version || v.version === query.version))
    .sort((a, b) => b.id - a.id)[0];
  const named = `benchmark "${query.benchmark}"${query.version ? ` version "${query.version}"` : ''}`;
  if (!version) throw new ApiError(404, 'NOT_FOUND', `no ${named} on this site`);
  const policy = query.policy ?? version.rankedSetting.policy;
  const scorer = query.scorer ?? version.rankedSetting.scorer;
  const traits = await caller.concepts.traits({ benchmarkVersionId: version.id, policy, scorer });
  if (!traits)
    throw new ApiError(
      404,
      'NOT_FOUND',
      `${named} ${version.version}: its pairs have no trait on record (isekai-synth v3 versions do)`,
    );
  const share = (g: {
    estimate: number | null;
    low: number | null;
    high: number | null;
    clusters: number;
  }) => ({
    accuracy: g.estimate,
    ci_low: g.low,
    ci_high: g.high,
    pairs: g.clusters,
  });
  return {
    body: TraitsReplySchema.parse({
      benchmark: version.name,
      version: version.version,
      policy,
      scorer,
      families: traits.families,
      traits: traits.traits,
      models: traits.models.map((m) => ({
        submission: m.submissionId,
        model: m.model,
        by_family: m.byFamily.map((g) => ({ family: g.group, ...share(g) })),
        by_trait: m.byTrait.map((g) => ({ trait: g.group, ...share(g) })),
      })),
    }),
  };
});
