import { benchmarkName, TraitsQuerySchema, TraitsReplySchema } from '@linkboard/core';
import { ApiError, apiRoute, boardQueryOf, boardVersionNamed } from '~/server/api-v1';

/**
 * Accuracy by trait family and by trait, per model (the /concepts page's "By trait"): the version
 * `benchmark=name@version` names (a name alone: its newest public version), under the version's ranked policy and scorer
 * unless others are asked for.
 */
export const GET = apiRoute(async (caller, request) => {
  const query = boardQueryOf(request, TraitsQuerySchema);
  const version = await boardVersionNamed(caller, query);
  const named = `benchmark ${benchmarkName(version)}`;
  const policy = query.policy ?? version.rankedSetting.policy;
  const scorer = query.scorer ?? version.rankedSetting.scorer;
  const traits = await caller.concepts.traits({ benchmarkVersionId: version.id, policy, scorer });
  if (!traits)
    throw new ApiError(
      404,
      'NOT_FOUND',
      `${named}: its pairs have no trait on record (isekai-synth v3 versions do)`,
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
      benchmark: benchmarkName(version),
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
