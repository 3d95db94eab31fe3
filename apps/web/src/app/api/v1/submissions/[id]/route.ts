import { SubmissionStatusSchema } from '@linkboard/core';
import { ApiError, apiRoute } from '~/server/api-v1';

/**
 * Where a submission is: state, queue position, progress, rate and ETA. What a client polls after
 * submitting; anyone may read a public submission's, its owner (or an admin) a private one's.
 */
export const GET = apiRoute(async (caller, request) => {
  const raw = new URL(request.url).pathname.split('/').at(-1) ?? '';
  const id = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || id < 1 || id > 2_147_483_647)
    throw new ApiError(400, 'BAD_REQUEST', `"${raw}" is not a submission id`);
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
