import { sharesBy } from '@linkboard/core';
import { synthTraits } from '@linkboard/datasets/synth-traits';
import {
  conceptDetail,
  conceptGallery,
  conceptHeatmap,
  getBenchmarkVersion,
  pairCountsOf,
} from '@linkboard/db';
import { z } from 'zod';
import {
  idInput,
  notFound,
  policyInput,
  publicBoardOnly,
  publicProcedure,
  router,
  scorerInput,
} from '../trpc';

export const conceptsRouter = router({
  gallery: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput }))
    .query(async ({ ctx, input }) => {
      await publicBoardOnly(ctx, { benchmarkVersionId: input.benchmarkVersionId });
      return conceptGallery(ctx.db, input.benchmarkVersionId);
    }),
  heatmap: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput, scorer: scorerInput, policy: policyInput }))
    .query(async ({ ctx, input }) => {
      await publicBoardOnly(ctx, { benchmarkVersionId: input.benchmarkVersionId });
      return conceptHeatmap(ctx.db, input.benchmarkVersionId, input.scorer, input.policy);
    }),
  /**
   * Accuracy by trait family and by trait, per model, with the clustered interval (pairs are the
   * clusters): which kinds of visual change models pick up in context. Null for a benchmark whose
   * pairs have no trait on record (any but isekai-synth v3).
   */
  traits: publicProcedure
    .input(z.object({ benchmarkVersionId: idInput, scorer: scorerInput, policy: policyInput }))
    .query(async ({ ctx, input }) => {
      const version = await getBenchmarkVersion(ctx.db, input.benchmarkVersionId);
      if (!version) return notFound(`benchmark version ${input.benchmarkVersionId}`);
      await publicBoardOnly(ctx, { benchmarkVersionId: input.benchmarkVersionId });
      const traits = synthTraits(version.manifest);
      if (!traits) return null;
      const models = await pairCountsOf(
        ctx.db,
        input.benchmarkVersionId,
        input.scorer,
        input.policy,
      );
      return {
        families: [...new Set([...traits.values()].map((t) => t.family))].sort(),
        traits: [...traits.values()]
          .map((t) => ({ trait: t.trait, family: t.family }))
          .filter((t, i, all) => all.findIndex((o) => o.trait === t.trait) === i)
          .sort((a, b) => a.family.localeCompare(b.family) || a.trait.localeCompare(b.trait)),
        models: models.map((m) => ({
          submissionId: m.submissionId,
          model: m.model,
          byFamily: sharesBy(m.pairs, (pair) => traits.get(pair)?.family),
          byTrait: sharesBy(m.pairs, (pair) => traits.get(pair)?.trait),
        })),
      };
    }),
  byId: publicProcedure
    .input(z.object({ id: idInput, scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await publicBoardOnly(ctx, { conceptId: input.id });
      return (
        (await conceptDetail(ctx.db, input.id, input.scorer)) ?? notFound(`concept ${input.id}`)
      );
    }),
});
