import { CreateSubmissionBodySchema, SubmissionCreatedSchema } from '@linkboard/core';
import { apiRoute, jsonBody } from '~/server/api-v1';

/** Queues a submission as the token's (or session's) user: 201 with its id and episode count. */
export const POST = apiRoute(async (caller, request) => {
  const body = await jsonBody(request, CreateSubmissionBodySchema);
  return {
    status: 201,
    body: SubmissionCreatedSchema.parse(await caller.submissions.create(body)),
  };
});
