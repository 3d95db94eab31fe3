import { submissionAnswerPages } from '@linkboard/db';
import { ndjsonRoute, submissionIdOf } from '~/server/api-v1';
import { detailVisible, visibleSubmission } from '~/server/trpc';

/**
 * Every answered episode of a submission as JSON Lines (core's `AnswerLineSchema`), streamed from
 * the database a page at a time. Who may download is who may see the submission's page: anyone a
 * public one, its owner or an admin a private one; anyone else is told it does not exist. On a
 * hidden test split, admins only.
 */
export const GET = ndjsonRoute(
  async (context, request) => {
    const id = submissionIdOf(request, -2);
    await visibleSubmission(context, id);
    // A hidden split's answer key is admins' only: 403 before anything is streamed.
    await detailVisible(context, { submissionId: id });
    return submissionAnswerPages(context.db, id, { admin: context.viewer?.role === 'admin' });
  },
  { filename: (request) => `submission-${submissionIdOf(request, -2)}-answers.jsonl` },
);
