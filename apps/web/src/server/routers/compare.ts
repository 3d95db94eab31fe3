import {
  DEFAULT_SCORER,
  holmAdjust,
  MAX_COMPARED,
  policyTotals,
  rankedDifference,
  rankedScore,
} from '@linkboard/core';
import { submissionCurves } from '@linkboard/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { settingsDifferencesAmong } from '~/lib/run-settings';
import { learningCurvesOf } from '../learning-curves';
import {
  idInput,
  policyInput,
  publicProcedure,
  router,
  scorerInput,
  visibleSubmission,
} from '../trpc';
import { comparison } from './episodes';

/** The ids of a comparison: 2 to MAX_COMPARED distinct submissions, in the order given. */
export const compareIdsInput = z
  .array(idInput)
  .transform((ids) => [...new Set(ids)])
  .superRefine((ids, ctx) => {
    if (ids.length < 2)
      ctx.addIssue({
        code: 'custom',
        message: 'ids: compare needs at least 2 different submissions',
      });
    if (ids.length > MAX_COMPARED)
      ctx.addIssue({
        code: 'custom',
        message: `ids: compare takes at most ${MAX_COMPARED} submissions; ${ids.length} were given`,
      });
  });

export const compareRouter = router({
  /**
   * Several submissions side by side: their curves, whether they were run the same way, and for
   * every pair the pair-clustered paired comparison over every shot count of one policy, with
   * Holm-adjusted p-values for the family of pairs.
   */
  models: publicProcedure
    .input(z.object({ ids: compareIdsInput, scorer: scorerInput, policy: policyInput }))
    .query(async ({ ctx, input }) => {
      // A missing or private one is a 404 for the whole comparison, the same as for two.
      const submissions = [];
      for (const id of input.ids) submissions.push(await visibleSubmission(ctx, id));
      const rankedRuns = submissions.filter((s) => s.rankedDraw).length;
      if (rankedRuns > 0 && rankedRuns < submissions.length)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message:
            'ids: ranked runs are compared with ranked runs only (a ranked run answers a draw of its own, a public run a public benchmark)',
        });
      // Different versions share no episode: a comparison would be empty, not a finding. Ranked
      // runs never share one (each draws its own): they are compared unpaired, on their scores.
      if (!rankedRuns && new Set(submissions.map((s) => s.benchmarkVersionId)).size > 1)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message:
            'ids: these submissions ran on different benchmark versions, so they share no episodes',
        });
      const names = submissions.map((s) => `${s.model} (#${s.id})`);
      const pairs: { a: number; b: number }[] = [];
      for (let i = 0; i < input.ids.length; i++)
        for (let j = i + 1; j < input.ids.length; j++)
          pairs.push({ a: input.ids[i] as number, b: input.ids[j] as number });
      const compared = await Promise.all(
        pairs.map(async ({ a, b }) => {
          if (rankedRuns) {
            // Every ranked run is scored by the default scorer (the ranked score), whatever is asked.
            const [ca, cb] = await Promise.all(
              [a, b].map(async (id) =>
                policyTotals(await submissionCurves(ctx.db, [id], DEFAULT_SCORER)),
              ),
            );
            const [sa, sb] = [ca, cb].map((c) => (c ? rankedScore(c.lcl, c.flip) : null));
            const d = ca && cb ? rankedDifference(ca, cb) : null;
            const n = [ca, cb].reduce((sum, c) => sum + (c ? c.lcl.n + c.flip.n : 0), 0);
            return {
              a,
              b,
              n,
              accuracyA: sa?.score ?? null,
              accuracyB: sb?.score ?? null,
              // Unpaired: every episode is a cluster of its own (one concept per episode).
              difference: d
                ? { estimate: d.difference, low: d.low, high: d.high, clusters: n }
                : null,
              pValue: d?.pValue ?? null,
            };
          }
          const c = await comparison(ctx, a, b, input.scorer);
          const pooled = c.pooled.find((p) => p.policy === input.policy) ?? null;
          return {
            a,
            b,
            n: pooled?.n ?? 0,
            accuracyA: pooled?.accuracyA ?? null,
            accuracyB: pooled?.accuracyB ?? null,
            difference: pooled?.difference ?? null,
            pValue: pooled?.clustered.pValue ?? null,
          };
        }),
      );
      const adjusted = holmAdjust(compared.map((c) => c.pValue));
      return {
        /**
         * Whether the pairs are compared on the episodes both answered (one public version), or
         * unpaired on their ranked scores (ranked runs: each on a draw of its own, so different
         * episodes; a difference is then less sure than a paired one of the same size).
         */
        pairing: rankedRuns ? ('unpaired' as const) : ('paired' as const),
        submissions: submissions.map((s) => ({
          id: s.id,
          model: s.model,
          status: s.status,
          benchmarkVersionId: s.benchmarkVersionId,
        })),
        policy: input.policy,
        curves: await submissionCurves(ctx.db, input.ids, input.scorer),
        /** Each submission's learning curve under the compared policy (slope, area, shots to reach 60%). */
        learningCurves: await learningCurvesOf(
          ctx,
          submissions.map((s) => ({
            ...s,
            policies: s.policies.filter((p) => p === input.policy),
          })),
          input.scorer,
        ).then((all) => input.ids.map((id) => ({ id, curve: all.get(id)?.[0] ?? null }))),
        settingsDifferences: settingsDifferencesAmong(
          submissions.map((s, i) => ({ name: names[i] as string, settings: s })),
        ),
        pairs: compared.map((c, i) => ({ ...c, holmP: adjusted[i] ?? null })),
      };
    }),
});
