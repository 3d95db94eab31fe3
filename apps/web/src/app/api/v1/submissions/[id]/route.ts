import { SubmissionStatusSchema } from '@linkboard/core';
import { apiRoute, submissionIdOf } from '~/server/api-v1';

/**
 * Where a submission is: state, queue position, progress, rate and ETA. What a client polls after
 * submitting; anyone may read a public submission's, its owner (or an admin) a private one's.
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
    }),
  };
});
