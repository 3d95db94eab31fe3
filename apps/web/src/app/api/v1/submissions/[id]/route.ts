import { SubmissionStatusSchema } from '@linkboard/core';
import { apiRoute, submissionIdOf } from '~/server/api-v1';

/**
 * Where a submission is: state, queue position, progress, rate and ETA, with what it used (tokens,
 * latency, cost) and what answered it. What a client polls after submitting; anyone may read a
 * public submission's, its owner (or an admin) a private one's. No endpoint or key is in it.
 */
export const GET = apiRoute(async (caller, request) => {
  const id = submissionIdOf(request, -1);
  const status = await caller.submissions.status({ id });
  return {
    body: SubmissionStatusSchema.parse({
      id,
      status: status.status,
      position: status.position,
      done: status.done,
      total: status.total,
      errors: status.errors,
      episodes_per_second: status.episodesPerSecond,
      eta_seconds: status.etaSeconds,
      last_error: status.lastError,
      usage: {
        answers: status.usage.answers,
        answers_with_tokens: status.usage.answersWithTokens,
        prompt_tokens: status.usage.promptTokens,
        completion_tokens: status.usage.completionTokens,
        latency_p50_ms: status.usage.latencyP50Ms,
        latency_p95_ms: status.usage.latencyP95Ms,
        cost_usd: status.usage.costUsd,
        prices: status.usage.prices && {
          input_usd_per_mtok: status.usage.prices.inputUsdPerMTok,
          output_usd_per_mtok: status.usage.prices.outputUsdPerMTok,
        },
        max_cost_usd: status.usage.maxCostUsd,
      },
      served_by: status.servedBy,
      preflight: status.preflight && {
        images: status.preflight.images,
        latency_ms: status.preflight.latencyMs,
        prompt_tokens: status.preflight.promptTokens,
        completion_tokens: status.preflight.completionTokens,
        model: status.preflight.model,
        fingerprint: status.preflight.fingerprint,
        at: status.preflight.at,
      },
      accuracy: status.accuracy && {
        scorer: status.accuracy.scorer,
        per_shot: status.accuracy.perShot,
      },
    }),
  };
});
