import {
  accuracyWithInterval,
  BenchmarkNameSchema,
  CreateSubmissionBodySchema,
  EndpointApiSchema,
  EndpointUrlSchema,
  errorMeaning,
  isErrorClass,
  isLiveStatus,
  SubmissionEstimateSchema,
  scorerNames,
  scorerVersions,
} from '@linkboard/core';
import {
  cancelSubmission,
  conceptBreakdown,
  NotRescorableError,
  probeResult,
  queueList,
  queueStatus,
  rescoreSubmission,
  setVisibility,
  submissionCurves,
  submissionFailures,
  submissionOwner,
  submissionsOf,
  webhookDeliveriesOf,
  webhookTarget,
} from '@linkboard/db';
import {
  estimate,
  mayChange,
  mayRead,
  queueConnectionTest,
  type RefusalReason,
  rerunErrors,
  retry,
  SubmitRefused,
  type Submitter,
  submit,
} from '@linkboard/platform';
import { TRPCError } from '@trpc/server';

import { z } from 'zod';
import { env } from '~/env';
import { learningCurvesOf } from '../learning-curves';
import {
  adminProcedure,
  assertOwnerOrAdmin,
  type Context,
  idInput,
  notFound,
  oneLine,
  protectedProcedure,
  publicProcedure,
  router,
  scorerInput,
  visibleSubmission,
} from '../trpc';

/** The site's answer to each of the platform's refusals. */
const STATUS_OF: Record<RefusalReason, TRPCError['code']> = {
  invalid: 'BAD_REQUEST',
  'not-found': 'NOT_FOUND',
  forbidden: 'FORBIDDEN',
  quota: 'TOO_MANY_REQUESTS',
  conflict: 'CONFLICT',
  closed: 'PRECONDITION_FAILED',
};

/**
 * Runs one of the platform's acts (submit, retry, re-run), turning its refusals into the site's
 * answers: 400, 404, 403 (a ranked run by a non-participant), 429, 409 and 412 (a closed version).
 */
async function answered<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (error instanceof SubmitRefused)
      throw new TRPCError({ code: STATUS_OF[error.reason], message: error.message });
    throw error;
  }
}

/** The signed-in viewer as the platform's submitter: their quota and role apply. */
const submitterOf = (
  viewer: NonNullable<Context['viewer']>,
): Extract<Submitter, { kind: 'account' }> => ({
  kind: 'account',
  id: viewer.id,
  role: viewer.role,
});

/**
 * A submission the viewer may change: 404 where they may not know it exists (another's private
 * or withdrawn work: the same answer as its reads and as a missing id, so ids cannot be probed),
 * 403 where they see it but it is not theirs. Its owner knows a withdrawn one, and is told why not.
 */
async function owned(ctx: Context & { viewer: NonNullable<Context['viewer']> }, id: number) {
  const owner = await submissionOwner(ctx.db, id);
  // Its owner knows one an admin took off the board, and is told why not below.
  if (!owner || !(mayRead(ctx.viewer, owner) || ctx.viewer.id === owner.ownerId))
    return notFound(`submission ${id}`);
  assertOwnerOrAdmin(ctx.viewer, owner.ownerId);
  return owner;
}

/**
 * Where a runner will send requests: core's one URL validator (`parseEndpointUrl`, as a schema),
 * then checked against the platform's address policy before queueing.
 */
const endpointUrl = oneLine(2000).pipe(EndpointUrlSchema);

/**
 * An error a run got as a short classified message: its class and HTTP status, never the body
 * of a reply (whatever answered could be any service at that address). What a connection test
 * that got no answer shows its owner, and what anyone but a submission's owner (and admins) is
 * shown of its last error (`lastErrorFor`). The class is `errorClass`, or else the one the
 * message starts with (`<class>: …`) if core knows it. With `reason` (a connection test's owner),
 * the guard's own refusal is shown whole: it holds no reply, only the reason.
 */
export function probeFailure(
  errorClass: string | null,
  error: string | null,
  { reason = true }: { reason?: boolean } = {},
): string {
  const refused = errorClass === 'endpoint-refused' || error?.startsWith('endpoint-refused: ');
  if (reason && refused) return (error ?? '').replace(/^endpoint-refused: /, '');
  const prefix = error?.match(/^([a-z-]+):/)?.[1];
  const found = errorClass ?? (prefix && isErrorClass(prefix) ? prefix : 'error');
  const status = error?.match(/\bHTTP (\d{3})\b/)?.[1];
  return `${found}${status ? ` (HTTP ${status})` : ''}: ${errorMeaning(found) ?? 'no usable answer'}`;
}

/**
 * A submission's last error as this viewer is shown it: whole to its owner and admins (it may
 * quote the endpoint's reply, which is theirs to read), classified for anyone else
 * (`probeFailure`: class and HTTP status, no reply text).
 */
export function lastErrorFor(
  viewer: Context['viewer'],
  submission: { ownerId: string | null },
  lastError: string | null,
  errorClass: string | null = null,
): string | null {
  if (lastError === null) return null;
  return mayChange(viewer, submission.ownerId)
    ? lastError
    : probeFailure(errorClass, lastError, { reason: false });
}

const id = z.object({ id: idInput });

export const submissionsRouter = router({
  byId: publicProcedure.input(id).query(async ({ ctx, input }) => {
    const submission = await visibleSubmission(ctx, input.id);
    return { ...submission, lastError: lastErrorFor(ctx.viewer, submission, submission.lastError) };
  }),
  status: publicProcedure.input(id).query(async ({ ctx, input }) => {
    const submission = await visibleSubmission(ctx, input.id);
    const found = (await queueStatus(ctx.db, input.id)) ?? notFound(`submission ${input.id}`);
    const { lastErrorClass, ...status } = found;
    const owned = mayChange(ctx.viewer, submission.ownerId);
    return {
      ...status,
      lastError: lastErrorFor(ctx.viewer, submission, status.lastError, lastErrorClass),
      // The runner's log quotes the same replies (`episode …: client-error: HTTP 400: …`), and
      // a runner elsewhere may send any text in it: its owner's (and admins') to read.
      log: owned ? status.log : [],
      // Read with the submission (db's `submissionDetail`), so polling adds no query: what the
      // run used so far, what answered it, and the preflight that let it start.
      usage: submission.usage,
      servedBy: submission.servedBy,
      preflight: submission.preflight,
      // Once done (its counts final), what `linkboard status --site` prints: one query then.
      accuracy:
        status.status === 'done'
          ? {
              scorer: submission.scorer,
              perShot: (await submissionCurves(ctx.db, [input.id], submission.scorer)).map((r) => ({
                policy: r.policy,
                shots: r.shots,
                correct: r.correct,
                n: r.n,
              })),
            }
          : null,
    };
  }),
  curves: publicProcedure
    .input(id.extend({ scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await visibleSubmission(ctx, input.id);
      return submissionCurves(ctx.db, [input.id], input.scorer);
    }),
  /**
   * The learning curve under each policy it ran (core's `learningCurve`): slope per doubling of
   * the shots with its clustered interval, area, shots to reach the threshold; exact.
   */
  learningCurves: publicProcedure
    .input(id.extend({ scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      const subject = await visibleSubmission(ctx, input.id);
      const curves = await learningCurvesOf(ctx, [subject], input.scorer);
      return curves.get(input.id) ?? [];
    }),
  concepts: publicProcedure
    .input(id.extend({ scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await visibleSubmission(ctx, input.id);
      const rows = await conceptBreakdown(ctx.db, input.id, input.scorer);
      return rows.map((row) => ({ ...row, ...accuracyWithInterval(row) }));
    }),
  failures: publicProcedure
    .input(id.extend({ scorer: scorerInput }))
    .query(async ({ ctx, input }) => {
      await visibleSubmission(ctx, input.id);
      return submissionFailures(ctx.db, input.id, input.scorer);
    }),
  queue: publicProcedure.query(({ ctx }) => queueList(ctx.db, ctx.viewer?.id ?? null)),

  /**
   * Core's submission request, queued by the platform's one `submit()` (the CLI's too), which
   * turns its `benchmark` (`name@version`) into the version (the platform's `benchmarkVersionNamed`).
   */
  create: protectedProcedure.input(CreateSubmissionBodySchema).mutation(async ({ ctx, input }) => {
    const created = await answered(() =>
      submit(ctx.db, env.platform, submitterOf(ctx.viewer), input),
    );
    return {
      id: created.submissionId,
      episodes: created.episodes,
      ...(created.webhookSecret && { webhookSecret: created.webhookSecret }),
    };
  }),
  /**
   * What the request would use before it is queued (the platform's `estimate()`: the same checks
   * as `create`, nothing stored, no quota spent). A mutation: its input is a whole request.
   */
  estimate: protectedProcedure
    .input(CreateSubmissionBodySchema)
    .mutation(({ ctx, input }) =>
      answered(() => estimate(ctx.db, env.platform, submitterOf(ctx.viewer), input)).then(
        (estimated) => SubmissionEstimateSchema.parse(estimated),
      ),
    ),
  /**
   * "Test connection": one episode against the endpoint, run by a runner like any job (so the
   * runner's endpoint checks apply; the site itself never calls a submitted URL).
   */
  testConnection: protectedProcedure
    .input(
      z.object({
        /** The version whose episode is asked, `name@version`. */
        benchmark: BenchmarkNameSchema,
        adapter: EndpointApiSchema.default('openai'),
        endpoint: endpointUrl.optional(),
        model: oneLine(200).pipe(z.string().min(1)),
        apiKey: oneLine(500, { trim: false }).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      answered(() => queueConnectionTest(ctx.db, env.platform, submitterOf(ctx.viewer), input)),
    ),
  probe: protectedProcedure.input(id).query(async ({ ctx, input }) => {
    const result = await probeResult(ctx.db, input.id);
    // Another's connection test is as unknown as a missing one.
    if (!result || (ctx.viewer.role !== 'admin' && ctx.viewer.id !== result.ownerId))
      return notFound(`connection test ${input.id}`);
    const finished = !isLiveStatus(result.status);
    return {
      status: result.status,
      // The model's answer, as the episode viewer would show it for a submission.
      answer: result.answer,
      errorClass: result.errorClass,
      error:
        finished && result.answer === null ? probeFailure(result.errorClass, result.error) : null,
    };
  }),
  cancel: protectedProcedure.input(id).mutation(async ({ ctx, input }) => {
    await owned(ctx, input.id);
    return { cancelled: await cancelSubmission(ctx.db, input.id) };
  }),
  retry: protectedProcedure.input(id).mutation(async ({ ctx, input }) => {
    await owned(ctx, input.id);
    return {
      retried: await answered(() => retry(ctx.db, env.platform, submitterOf(ctx.viewer), input.id)),
    };
  }),
  /** A finished submission's errored episodes asked again; its other answers are kept. */
  rerunErrors: protectedProcedure.input(id).mutation(async ({ ctx, input }) => {
    await owned(ctx, input.id);
    return {
      episodes: await answered(() =>
        rerunErrors(ctx.db, env.platform, submitterOf(ctx.viewer), input.id),
      ),
    };
  }),
  /**
   * A submission's webhook and its deliveries, for its owner (and admins) only: the URL is theirs
   * to know. Null when it has none.
   */
  webhook: protectedProcedure.input(id).query(async ({ ctx, input }) => {
    await owned(ctx, input.id);
    const url = await webhookTarget(ctx.db, input.id);
    if (!url) return null;
    return { url, deliveries: await webhookDeliveriesOf(ctx.db, input.id) };
  }),
  /** The viewer's own submissions, in every state: a failed one is found without its URL. */
  mine: protectedProcedure.query(({ ctx }) => submissionsOf(ctx.db, ctx.viewer.id)),
  publish: protectedProcedure.input(id).mutation(async ({ ctx, input }) => {
    const owner = await owned(ctx, input.id);
    if (owner.visibility === 'withdrawn')
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'this submission was withdrawn (by an admin)',
      });
    return { published: await setVisibility(ctx.db, input.id, 'public') };
  }),
  /** Admins: every registered scorer's verdicts again from the stored answers (a new version). */
  rescore: adminProcedure.input(id).mutation(async ({ ctx, input }) => {
    let results = 0;
    try {
      for (const name of scorerNames()) results = await rescoreSubmission(ctx.db, input.id, name);
    } catch (error) {
      if (!(error instanceof NotRescorableError)) throw error;
      if (!error.found) return notFound(`submission ${input.id}`);
      throw new TRPCError({ code: 'CONFLICT', message: error.message });
    }
    return { results, scorers: scorerVersions() };
  }),
  withdraw: adminProcedure.input(id).mutation(async ({ ctx, input }) => {
    if (!(await submissionOwner(ctx.db, input.id))) return notFound(`submission ${input.id}`);
    return { withdrawn: await setVisibility(ctx.db, input.id, 'withdrawn') };
  }),
});
