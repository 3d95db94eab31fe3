import { lookup } from 'node:dns/promises';
import {
  type AdapterConfig,
  AdapterConfigError,
  accuracyWithInterval,
  buildEpisodes,
  CreateSubmissionBodySchema,
  checkEndpoint,
  countEpisodes,
  DEFAULT_POLICY,
  EndpointApiSchema,
  EndpointRefusedError,
  EndpointUrlSchema,
  errorMeaning,
  indexBenchmark,
  isSafeModelName,
  PredictionsError,
  parseAdapterConfig,
  parsePredictions,
  requestAdapterConfig,
  scorerNames,
  scorerVersions,
} from '@linkboard/core';
import { drawRankedRun } from '@linkboard/datasets/ranked-run';
import {
  assertQuotaLeft,
  ConflictError,
  cancelSubmission,
  conceptBreakdown,
  createRankedSubmission,
  createSubmission,
  encryptSecret,
  getBenchmarkVersion,
  loadSecretKey,
  ModelNameError,
  mayRunRanked,
  modelOfCard,
  NOT_PARTICIPANT,
  NotParticipantError,
  newWebhookSecret,
  probeResult,
  QuotaError,
  queueList,
  queueStatus,
  RankedDrawError,
  RetiredVersionError,
  refuseClosedVersion,
  rerunErroredEpisodes,
  rescoreSubmission,
  retrySubmission,
  setVisibility,
  submissionCurves,
  submissionFailures,
  submissionOwner,
  submissionsOf,
  webhookDeliveriesOf,
  webhookTarget,
} from '@linkboard/db';
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

/**
 * Runs a creation or a re-run, turning the database's refusals into the site's answers (400, 429,
 * 409, 403 for a ranked run by a non-participant, and 412 for a ranked run's draw asked again or
 * a retired version).
 */
async function refusing<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof ModelNameError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
    if (error instanceof QuotaError)
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message });
    if (error instanceof ConflictError)
      throw new TRPCError({ code: 'CONFLICT', message: error.message });
    if (error instanceof RankedDrawError || error instanceof RetiredVersionError)
      throw new TRPCError({ code: 'PRECONDITION_FAILED', message: error.message });
    if (error instanceof NotParticipantError)
      throw new TRPCError({ code: 'FORBIDDEN', message: error.message });
    throw error;
  }
}

/**
 * A submission the viewer may change: 404 where they may not know it exists (another's private
 * or hidden work: the same answer as its reads and as a missing id, so ids cannot be probed),
 * 403 where they see it but it is not theirs. Its owner knows a hidden one, and is told why not.
 */
async function owned(ctx: Context & { viewer: NonNullable<Context['viewer']> }, id: number) {
  const owner = await submissionOwner(ctx.db, id);
  const known =
    owner !== null &&
    (owner.visibility === 'public' ||
      ctx.viewer.role === 'admin' ||
      ctx.viewer.id === owner.ownerId);
  if (!owner || !known) return notFound(`submission ${id}`);
  assertOwnerOrAdmin(ctx.viewer, owner.ownerId);
  return owner;
}

/**
 * The daily quota of runs: a new submission, a retry and a re-run of errors each use one (a
 * retry is a run like any other). Admins' runs count too; the operator's CLI runs do not.
 */
const runQuota = (ownerId: string) => ({
  ownerId,
  limit: env.LINKBOARD_DAILY_QUOTA,
  probes: false,
});

/** Whether the operator opened ranked runs to every account (else participants and admins). */
const rankedOpen = () => env.LINKBOARD_RANKED_OPEN === '1';

/** Episodes one submission may ask for: 230,400 is the default benchmark at 10 shot counts, 3 policies, 20 draws. */
const MAX_EPISODES = 250_000;

/**
 * Where a runner will send requests: core's one URL validator (`parseEndpointUrl`, as a schema),
 * then checked against the platform's address policy before queueing.
 */
const endpointUrl = oneLine(2000).pipe(EndpointUrlSchema);

/**
 * Refuses, before anything is queued, an endpoint the runner would refuse: the same policy
 * (core's `checkEndpoint`), the same DNS. The runner checks again when it connects, pinned.
 */
async function checkedEndpoint(endpoint: string, field = 'endpoint'): Promise<string> {
  try {
    const { url } = await checkEndpoint(endpoint, env.endpoints, (host) =>
      lookup(host, { all: true, verbatim: true }),
    );
    return url.href;
  } catch (error) {
    if (error instanceof EndpointRefusedError)
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message:
          field === 'endpoint'
            ? error.message
            : `field ${field}: ${error.message.replace(/^endpoint /, `${field} `)}`,
      });
    throw error;
  }
}

/** The URL an endpoint config calls (a config of another kind has none). */
function endpointOf(config: AdapterConfig): string {
  if ('endpoint' in config && config.endpoint) return config.endpoint;
  throw new TRPCError({ code: 'BAD_REQUEST', message: 'field endpoint: a URL is required' });
}

/**
 * What a connection test that got no answer shows: its class and HTTP status in a short message,
 * never the body of the reply (whatever answered could be any service at that address). The
 * guard's own refusal is shown whole: it holds no reply, only the reason.
 */
export function probeFailure(errorClass: string | null, error: string | null): string {
  if (errorClass === 'endpoint-refused' || error?.startsWith('endpoint-refused: '))
    return (error ?? '').replace(/^endpoint-refused: /, '');
  const found = errorClass ?? error?.match(/^([a-z-]+):/)?.[1] ?? 'error';
  const status = error?.match(/\bHTTP (\d{3})\b/)?.[1];
  return `${found}${status ? ` (HTTP ${status})` : ''}: ${errorMeaning(found) ?? 'no usable answer'}`;
}

/** Core's submission request for a benchmark version: what the public API and the CLI send too. */
const CreateInput = CreateSubmissionBodySchema;

/** The adapter config a request names, or a 400 naming the field. */
function typedConfig(build: () => AdapterConfig): AdapterConfig {
  try {
    return build();
  } catch (error) {
    if (error instanceof AdapterConfigError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
    throw error;
  }
}

const id = z.object({ id: idInput });

export const submissionsRouter = router({
  byId: publicProcedure.input(id).query(({ ctx, input }) => visibleSubmission(ctx, input.id)),
  status: publicProcedure.input(id).query(async ({ ctx, input }) => {
    await visibleSubmission(ctx, input.id);
    return (await queueStatus(ctx.db, input.id)) ?? notFound(`submission ${input.id}`);
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

  create: protectedProcedure.input(CreateInput).mutation(async ({ ctx, input }) => {
    // A ranked run's episodes are drawn below, once it is accepted; a plain one's are the version's.
    const version =
      input.benchmarkVersionId === undefined
        ? null
        : ((await getBenchmarkVersion(ctx.db, input.benchmarkVersionId)) ??
          notFound(`benchmark version ${input.benchmarkVersionId}`));
    // Before anything of the version is read: checked against a draw, an upload's episode ids
    // would say which of them it has.
    if (version) await refusing(async () => refuseClosedVersion(version, { ranked: false }));
    // Core's schema requires shots and policies of a plain submission; a ranked run's are its draw's.
    const spec = { shots: input.shots ?? [], policies: input.policies ?? [], draws: input.draws };
    const index = version ? indexBenchmark(version.manifest) : null;
    if (index) {
      let episodeCount: number;
      try {
        episodeCount = countEpisodes(index, spec);
      } catch (error) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: (error as Error).message });
      }
      if (episodeCount > MAX_EPISODES)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `${episodeCount.toLocaleString('en')} episodes is more than one submission may ask for (${MAX_EPISODES.toLocaleString('en')}); use fewer shot counts, policies or draws`,
        });
    }
    let adapterConfig: AdapterConfig;
    let predictions: Map<string, string | null> | undefined;
    let secret: string | null = null;
    const bad = (message: string): never => {
      throw new TRPCError({ code: 'BAD_REQUEST', message });
    };
    if (input.kind === 'endpoint') {
      if (!input.model) return bad('an endpoint submission needs the model name');
      if (!input.endpoint && (input.adapter ?? 'openai') === 'openai')
        return bad('an OpenAI-compatible endpoint submission needs the endpoint URL');
      adapterConfig = typedConfig(() => requestAdapterConfig(input));
      // Anthropic's and Google's public endpoints are filled in by the config: checked the same.
      await checkedEndpoint(endpointOf(adapterConfig));
      if (input.apiKey)
        secret = encryptSecret(
          await loadSecretKey({ fromEnv: env.LINKBOARD_SECRET_KEY, dataDir: env.dataDir }),
          input.apiKey,
        );
    } else if (input.kind === 'serve') {
      if (!input.profile || !input.model)
        return bad('a serve submission needs a profile and a model name');
      if (!isSafeModelName(input.model))
        return bad(`model name "${input.model}" may hold only letters, digits and . _ - / :`);
      adapterConfig = typedConfig(() => requestAdapterConfig(input));
    } else {
      if (!input.predictions) return bad('upload the predictions JSONL');
      // Core's schema refuses uploads for ranked runs, so a version is named here.
      if (!index) return bad('an upload needs the benchmark version it answers');
      // Only an upload needs the episode ids, to refuse answers to episodes that were not asked.
      const episodeIds = new Set<string>();
      for (const episode of buildEpisodes(index, spec)) episodeIds.add(episode.id);
      try {
        predictions = parsePredictions(input.predictions, 'predictions.jsonl', episodeIds);
      } catch (error) {
        if (error instanceof PredictionsError) return bad(error.message);
        throw error;
      }
      const count = predictions.size;
      adapterConfig = typedConfig(() => requestAdapterConfig(input, { count }));
    }
    // A webhook is a URL the platform calls: the endpoint policy applies (and again, pinned, at
    // every delivery). Its key is made here, shown once in this reply, and stored encrypted.
    let webhook: { url: string; sealedSecret: string } | null = null;
    let webhookSecret: string | undefined;
    if (input.webhook) {
      const url = await checkedEndpoint(input.webhook, 'webhook');
      webhookSecret = newWebhookSecret();
      webhook = {
        url,
        sealedSecret: encryptSecret(
          await loadSecretKey({ fromEnv: env.LINKBOARD_SECRET_KEY, dataDir: env.dataDir }),
          webhookSecret,
        ),
      };
    }
    const common = {
      model: { name: input.name, ...modelOfCard(input), ownerId: ctx.viewer.id },
      modelRevision: input.revision,
      adapterConfig,
      secret,
      webhook,
      visibility: input.private ? ('private' as const) : ('public' as const),
      ownerId: ctx.viewer.id,
      quota: runQuota(ctx.viewer.id),
    };
    const created = await refusing(async () => {
      if (!version) {
        // db refuses a non-participant before anything is stored; drawing first costs a second
        // of CPU, so a refused account is turned away before the draw too.
        if (!mayRunRanked(ctx.viewer.role, rankedOpen()))
          throw new NotParticipantError(NOT_PARTICIPANT);
        await assertQuotaLeft(ctx.db, runQuota(ctx.viewer.id));
        const { draw, keyId } = await drawRankedRun({
          dataDir: env.dataDir,
          perPolicy: env.LINKBOARD_RANKED_PER_POLICY,
        });
        return createRankedSubmission(ctx.db, {
          ...common,
          manifest: draw.manifest,
          ranked: { keyId, commitment: draw.commitment, seed: draw.seed },
          openToAll: rankedOpen(),
        });
      }
      return createSubmission(ctx.db, {
        ...common,
        benchmarkVersionId: version.id,
        predictions,
        ...spec,
        scorer: input.scorer,
      });
    });
    return {
      id: created.submissionId,
      episodes: created.episodes,
      ...(webhookSecret && { webhookSecret }),
    };
  }),
  /**
   * "Test connection": one episode against the endpoint, run by a runner like any job (so the
   * runner's endpoint checks apply; the site itself never calls a submitted URL).
   */
  testConnection: protectedProcedure
    .input(
      z.object({
        benchmarkVersionId: idInput,
        adapter: EndpointApiSchema.default('openai'),
        endpoint: endpointUrl.optional(),
        model: oneLine(200).pipe(z.string().min(1)),
        apiKey: oneLine(500, { trim: false }).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await getBenchmarkVersion(ctx.db, input.benchmarkVersionId);
      if (!version) return notFound(`benchmark version ${input.benchmarkVersionId}`);
      await refusing(async () => refuseClosedVersion(version, { ranked: false }));
      // The same config a submission would store, short: one try, 30 s.
      const config = typedConfig(() =>
        parseAdapterConfig(
          {
            adapter: input.adapter,
            endpoint: input.endpoint,
            model: input.model,
            retries: 1,
            timeoutMs: 30_000,
          },
          'a connection test',
        ),
      );
      const endpoint = await checkedEndpoint(endpointOf(config));
      const secret = input.apiKey
        ? encryptSecret(
            await loadSecretKey({ fromEnv: env.LINKBOARD_SECRET_KEY, dataDir: env.dataDir }),
            input.apiKey,
          )
        : null;
      const created = await refusing(() =>
        createSubmission(ctx.db, {
          model: { name: `connection test of ${ctx.viewer.id}`, ownerId: ctx.viewer.id },
          benchmarkVersionId: input.benchmarkVersionId,
          adapterConfig: { ...config, endpoint } as AdapterConfig,
          probe: true,
          secret,
          shots: [2],
          policies: [DEFAULT_POLICY],
          episodeLimit: 1,
          maxAttempts: 1,
          visibility: 'hidden',
          ownerId: ctx.viewer.id,
          quota: {
            ownerId: ctx.viewer.id,
            limit: env.LINKBOARD_DAILY_CONNECTION_TESTS,
            probes: true,
          },
        }),
      );
      return { id: created.submissionId };
    }),
  probe: protectedProcedure.input(id).query(async ({ ctx, input }) => {
    const result = await probeResult(ctx.db, input.id);
    // Another's connection test is as unknown as a missing one.
    if (!result || (ctx.viewer.role !== 'admin' && ctx.viewer.id !== result.ownerId))
      return notFound(`connection test ${input.id}`);
    const finished = !['queued', 'running'].includes(result.status);
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
      retried: await refusing(() => retrySubmission(ctx.db, input.id, runQuota(ctx.viewer.id))),
    };
  }),
  /** A finished submission's errored episodes asked again; its other answers are kept. */
  rerunErrors: protectedProcedure.input(id).mutation(async ({ ctx, input }) => {
    await owned(ctx, input.id);
    return {
      episodes: await refusing(() =>
        rerunErroredEpisodes(ctx.db, input.id, runQuota(ctx.viewer.id)),
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
    if (owner.visibility === 'hidden')
      throw new TRPCError({ code: 'FORBIDDEN', message: 'an admin hid this submission' });
    return { published: await setVisibility(ctx.db, input.id, 'public') };
  }),
  /** Admins: every registered scorer's verdicts again from the stored answers (a new version). */
  rescore: adminProcedure.input(id).mutation(async ({ ctx, input }) => {
    const owner = await submissionOwner(ctx.db, input.id);
    if (!owner) return notFound(`submission ${input.id}`);
    if (owner.status !== 'done')
      throw new TRPCError({
        code: 'CONFLICT',
        message: `submission ${input.id} has not finished; it is scored as it runs`,
      });
    let results = 0;
    for (const name of scorerNames()) results = await rescoreSubmission(ctx.db, input.id, name);
    return { results, scorers: scorerVersions() };
  }),
  hide: adminProcedure.input(id).mutation(async ({ ctx, input }) => {
    if (!(await submissionOwner(ctx.db, input.id))) return notFound(`submission ${input.id}`);
    return { hidden: await setVisibility(ctx.db, input.id, 'hidden') };
  }),
});
