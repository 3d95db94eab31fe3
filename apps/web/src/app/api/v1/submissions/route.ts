import { CreateSubmissionBodySchema, SubmissionCreatedSchema } from '@linkboard/core';
import { apiRoute, BODY_LIMITS, submissionBody } from '~/server/api-v1';

/**
 * Queues a submission as the token's (or session's) user, on the version `benchmark` names
 * (`name@version`): 201 with its id and episode count. An
 * anonymous request is refused before its body is read, and the body is held to a submission's
 * size (predictions up to 50 MB).
 */
export const POST = apiRoute(
  async (caller, request) => {
    const body = await submissionBody(caller, request, CreateSubmissionBodySchema);
    return {
      status: 201,
      body: SubmissionCreatedSchema.parse(await caller.submissions.create(body)),
    };
  },
  { account: true, limitBytes: BODY_LIMITS.submission },
);
