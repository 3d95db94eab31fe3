import { CreateSubmissionBodySchema } from '@linkboard/core';
import { apiRoute, BODY_LIMITS, submissionBody } from '~/server/api-v1';

/**
 * What a submission would use, before it is queued: the same body and checks as `POST
 * /api/v1/submissions`, nothing stored, no quota spent.
 */
export const POST = apiRoute(
  async (caller, request) => {
    const body = await submissionBody(caller, request, CreateSubmissionBodySchema);
    return { status: 200, body: await caller.submissions.estimate(body) };
  },
  { account: true, limitBytes: BODY_LIMITS.submission },
);
