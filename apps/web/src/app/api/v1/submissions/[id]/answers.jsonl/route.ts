import { submissionAnswerPages } from '@linkboard/db';
import { ndjsonRoute, submissionIdOf } from '~/server/api-v1';
import { visibleSubmission } from '~/server/trpc';

/**
 * Every answered episode of a submission as JSON Lines (core's `AnswerLineSchema`), streamed from
 * the database a page at a time. Who may download is who may see the submission's page: anyone a
 * public one, its owner or an admin a private one; anyone else is told it does not exist. An open
 * ranked run's lines are the episodes it has stored an answer to (db's visibility rule).
 */
export const GET = ndjsonRoute(
  async (context, request) => {
    const id = submissionIdOf(request, -2);
    await visibleSubmission(context, id);
    return submissionAnswerPages(context.db, id);
  },
  { filename: (request) => `submission-${submissionIdOf(request, -2)}-answers.jsonl` },
);
