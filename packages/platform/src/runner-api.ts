import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AdapterConfigError,
  type AdapterFacts,
  ClaimBodySchema,
  type Episode,
  FailBodySchema,
  generationOf,
  HeartbeatBodySchema,
  type ImageEntry,
  imageStoreKey,
  isRankedDraw,
  isRetryable,
  issueList,
  type JobEpisodesReply,
  JobImageBodySchema,
  jobBenchmarkOf,
  LeaseBodySchema,
  type Manifest,
  PROVENANCE_SCHEMA,
  PreflightBodySchema,
  ProvenanceBodySchema,
  type ProvenanceFacts,
  parseAdapterConfig,
  preparedEpisode,
  REFERENCE_SERVER,
  ResultsBodySchema,
  RUNNER_API,
  RUNNER_API_ERRORS,
  RUNNER_JOB_STEPS,
  type RunnerJobStep,
  type RunnerPreparedStep,
  ServedByBodySchema,
  scorerVersions,
  splitOf,
  WaitBodySchema,
} from '@linkboard/core';
import { rankedImageOf, renderRankedImage } from '@linkboard/datasets/ranked-draw';
import {
  claimJob,
  completeJob,
  type Database,
  failJob,
  getBenchmarkVersion,
  heartbeat,
  IncompleteJobError,
  JobVanishedError,
  JobWaiter,
  jobStarter,
  type Lease,
  LeaseLostError,
  leaseOf,
  passPreflight,
  reapExpiredJobs,
  recordProvenance,
  recordServedBy,
  releaseJob,
  runnableSubmission,
  runnerByToken,
  spentTokens,
  writeAnswers,
} from '@linkboard/db';
import type { z } from 'zod';

/**
 * The site's runner API as one fetch handler (`Request` in, `Response` out): the site mounts it
 * under `/api/v1/runner`, and the runner's tests and benchmark serve the very same handler over
 * real HTTP, so what they measure is what the site runs. It lives beside the queue it exposes;
 * every step is the database path's own query, called with the lease the job row holds.
 *
 * Only runner tokens are accepted (`Authorization: Bearer lbr_…`): a role of their own, which can
 * run jobs and nothing else. Runners on other hosts get only jobs they can run without the
 * database or a secret (see claimJob's `portableOnly`), and send answers raw: the site scores them.
 * A ranked run's job is handed out prepared (see `JobStartReplySchema.prepared`): its episodes as
 * the model is asked them and its images under the lease, never its manifest.
 */
export interface RunnerApiOptions {
  /** The platform's content-addressed image store (`<data>/images`). */
  imagesDir: string;
  /**
   * Renders an image that is not stored (a ranked draw's, from its manifest entry); null for one
   * it does not render, which is read from the store. Default: datasets' ranked-draw renderer.
   * `null`: none, and then no ranked run is handed out here, since its images could not be served.
   */
  renderImage?: ((entry: ImageEntry) => Promise<Buffer | null>) | null;
  /** Reports an unexpected error; returns an id the reply quotes (the site's error reporter). */
  onUnexpected?: (error: unknown, where: string) => string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const json = (body: unknown, status = 200) =>
  Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
const refusal = (status: number, code: string, message: string) =>
  json({ error: { code, message } }, status);

async function body<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  let value: unknown;
  try {
    value = await request.json();
  } catch {
    throw new Refusal(400, 'BAD_REQUEST', 'the body is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Refusal(400, 'BAD_REQUEST', issueList(parsed.error));
  return parsed.data;
}

/** A ranked draw's image, drawn from its manifest entry; null for any other (read from the store). */
async function renderDrawnImage(entry: ImageEntry): Promise<Buffer | null> {
  const ranked = rankedImageOf(entry);
  return ranked ? renderRankedImage(ranked) : null;
}

/**
 * How a job's episodes were drawn, as its provenance says it: the same words as a runner on the
 * database records (apps/runner's job.ts).
 */
const EPISODE_SEED = {
  public: 'SHA-256("<manifest hash>|<query image id>|<shots>|<draw>")',
  ranked:
    'fixed by the ranked draw (a keyed PRF; the seed is committed to on the submission and revealed when it ends)',
} as const;

/**
 * A job's provenance as the site records it from a token runner's facts. Only what describes the
 * runner itself is taken from it: `runner` (its process) and what its adapter observed (an
 * endpoint adapter's pinned `address`, a served model's `gpus`). The rest is the platform's own
 * record of the job (its manifest, its submission's settings and adapter config, the scorers that
 * score its answers, which is the site), whatever the runner said: a runner cannot forge what it
 * ran on or how. Filled rather than compared: a runner of another release may rightly name other
 * scorer versions or seed words (the site scores, so its own are the truth), and a comparison
 * would fail its runs for that. A runner whose facts are another adapter's than the submission's
 * did not run it as submitted: refused, naming `facts.adapter`.
 */
export function providedFacts(
  job: {
    sub: {
      id: number;
      adapter: string;
      adapterConfig: unknown;
      shots: number[];
      draws: number;
    };
    policies: ProvenanceFacts['policies'];
    manifest: Pick<Manifest, 'benchmark' | 'manifestHash' | 'origin'>;
  },
  sent: ProvenanceFacts,
): ProvenanceFacts {
  const { sub } = job;
  let config: ReturnType<typeof parseAdapterConfig>;
  try {
    config = parseAdapterConfig(
      sub.adapterConfig,
      `submission ${sub.id}'s adapter config`,
      sub.adapter,
    );
  } catch (error) {
    if (error instanceof AdapterConfigError) throw new Refusal(409, 'CONFLICT', error.message);
    throw error;
  }
  if (sent.adapter !== config.adapter)
    throw new Refusal(
      400,
      'BAD_REQUEST',
      `facts.adapter: "${sent.adapter}" is not the adapter of submission ${sub.id} ("${config.adapter}")`,
    );
  const settings = {
    generation: generationOf(config),
    maxImageSide: ('maxImageSide' in config ? config.maxImageSide : undefined) ?? null,
  };
  let adapter: AdapterFacts;
  switch (config.adapter) {
    case 'builtin':
      adapter = { adapter: 'builtin', name: config.name };
      break;
    case 'openai':
    case 'anthropic':
    case 'gemini': {
      const internal = config.adapter === 'openai' && config.internal === REFERENCE_SERVER;
      let endpoint: string = REFERENCE_SERVER;
      if (!internal) {
        // As the runner names it: without query or credentials (core's parseEndpointUrl refuses both).
        const url = new URL(config.endpoint as string);
        endpoint = url.origin + url.pathname;
      }
      adapter = {
        adapter: config.adapter,
        endpoint,
        model: config.model,
        address: 'address' in sent ? sent.address : '',
        ...settings,
      };
      break;
    }
    case 'predictions':
      adapter = { adapter: 'predictions', predictions: config.count };
      break;
    case 'serve':
      adapter = {
        adapter: 'serve',
        profile: config.profile,
        model: config.model,
        gpus: 'gpus' in sent ? sent.gpus : [],
        ...settings,
      };
      break;
  }
  const { rankedDraw, ...benchmark } = jobBenchmarkOf(job.manifest);
  return {
    schema: PROVENANCE_SCHEMA,
    benchmark,
    shots: sub.shots,
    policies: job.policies,
    draws: sub.draws,
    scorers: scorerVersions(),
    episodeSeed: rankedDraw ? EPISODE_SEED.ranked : EPISODE_SEED.public,
    runner: sent.runner,
    ...adapter,
  };
}

export function runnerApi(database: Database, options: RunnerApiOptions) {
  const { db } = database;
  const renderImage = options.renderImage === undefined ? renderDrawnImage : options.renderImage;
  // One LISTEN connection for every runner waiting on this process (see WaitBodySchema).
  const waiter = new JobWaiter(database.pool);
  const epoch = randomUUID().slice(0, 8);
  const jobs = jobStarter(db);
  /** The job's submission and its episodes, as the database runner derives them. */
  async function jobOf(lease: Lease) {
    try {
      const job = await jobs.jobOf(lease);
      return {
        sub: job.submission,
        policies: job.policies,
        manifest: job.manifest,
        episodes: job.episodes,
        index: job.index,
      };
    } catch (error) {
      if (error instanceof JobVanishedError) throw new Refusal(404, 'NOT_FOUND', error.message);
      throw error;
    }
  }

  /**
   * The lease a runner token presents: its own only. One another runner token claimed is lost to
   * it (409, as an unknown lease), so nothing is read or written under it.
   */
  const leaseHeld = (jobId: number, token: string, runner: string) =>
    leaseOf(db, jobId, token, { runner });

  async function step(name: RunnerJobStep, jobId: number, request: Request, runner: string) {
    switch (name) {
      case 'heartbeat': {
        const b = await body(request, HeartbeatBodySchema);
        const lease = await leaseHeld(jobId, b.token, runner);
        await heartbeat(db, lease, { leaseMs: b.leaseMs, runInfo: b.runInfo });
        return { ok: true };
      }
      case 'start': {
        const lease = await leaseHeld(jobId, (await body(request, LeaseBodySchema)).token, runner);
        let job: Awaited<ReturnType<typeof jobs.start>>;
        try {
          job = await jobs.start(lease);
        } catch (error) {
          if (error instanceof JobVanishedError) throw new Refusal(404, 'NOT_FOUND', error.message);
          throw error;
        }
        // Never the encrypted key: jobs that have one are not handed to token runners anyway.
        return {
          submission: runnableSubmission(job),
          answered: [...job.answered],
          benchmark: jobBenchmarkOf(job.manifest),
          // A ranked draw's manifest is never served: its episodes come from the `episodes` step.
          prepared: isRankedDraw(job.manifest),
        };
      }
      case 'results': {
        const b = await body(request, ResultsBodySchema);
        const lease = await leaseHeld(jobId, b.token, runner);
        const { sub, episodes } = await jobOf(lease);
        const byId = new Map<string, Episode>(episodes.map((e) => [e.id, e]));
        const answers = b.answers.map((a, i) => {
          const episode = byId.get(a.episodeId);
          if (!episode)
            throw new Refusal(
              400,
              'BAD_REQUEST',
              `answers[${i}].episodeId: "${a.episodeId}" is not one of job ${jobId}'s episodes`,
            );
          const { episodeId: _, sentAt, ...rest } = a;
          return { ...rest, episode, sentAt: sentAt === undefined ? undefined : new Date(sentAt) };
        });
        return { written: await writeAnswers(db, lease, answers, sub.benchmarkVersionId) };
      }
      case 'provenance': {
        const b = await body(request, ProvenanceBodySchema);
        const lease = await leaseHeld(jobId, b.token, runner);
        // What describes the runner is its own, the rest the platform's (`providedFacts`), under
        // the name of the token it ran with: never mistaken for the site's.
        const facts = providedFacts(await jobOf(lease), b.facts);
        await recordProvenance(db, lease.submissionId, facts, { runnerToken: runner });
        return { ok: true };
      }
      case 'complete': {
        const lease = await leaseHeld(jobId, (await body(request, LeaseBodySchema)).token, runner);
        const { episodes } = await jobOf(lease);
        return completeJob(
          db,
          lease,
          episodes.map((e) => e.id),
        );
      }
      case 'fail': {
        const b = await body(request, FailBodySchema);
        const lease = await leaseHeld(jobId, b.token, runner);
        return failJob(db, lease, {
          error: b.error,
          errorClass: b.errorClass,
          retryable: isRetryable(b.errorClass),
        });
      }
      case 'release': {
        const lease = await leaseHeld(jobId, (await body(request, LeaseBodySchema)).token, runner);
        await releaseJob(db, lease);
        return { ok: true };
      }
      case 'preflight': {
        const b = await body(request, PreflightBodySchema);
        await passPreflight(db, await leaseHeld(jobId, b.token, runner), b.facts);
        return { ok: true };
      }
      case 'served-by': {
        const b = await body(request, ServedByBodySchema);
        await recordServedBy(db, await leaseHeld(jobId, b.token, runner), b.servedBy);
        return { ok: true };
      }
      case 'spent': {
        const lease = await leaseHeld(jobId, (await body(request, LeaseBodySchema)).token, runner);
        return spentTokens(db, lease.submissionId);
      }
    }
  }

  /** The images a job's episodes show, by id: what its `image` step may serve. */
  const shownImages = (
    episodes: readonly Episode[],
    index: { images: ReadonlyMap<string, ImageEntry> },
  ) => {
    const shown = new Map<string, ImageEntry>();
    for (const episode of episodes)
      for (const message of episode.prompt.messages)
        for (const part of message.content) {
          if (part.type !== 'image' || shown.has(part.imageId)) continue;
          const entry = index.images.get(part.imageId);
          if (!entry)
            throw new Error(
              `episode ${episode.id} shows image ${part.imageId}, which its version does not hold`,
            );
          shown.set(part.imageId, entry);
        }
    return shown;
  };
  // A job's images are asked one request each (some nine per episode): its shown set is derived
  // once per lease, not per request. The lease is still checked on every request.
  const shownByLease = new Map<string, Promise<ReadonlyMap<string, ImageEntry>>>();
  function shownOf(lease: Lease) {
    const key = `${lease.jobId}:${lease.token}`;
    let shown = shownByLease.get(key);
    if (!shown) {
      shown = jobOf(lease).then(({ episodes, index }) => shownImages(episodes, index));
      shown.catch(() => shownByLease.delete(key));
      shownByLease.set(key, shown);
      // Leases in flight at once are a few per runner: the oldest is dropped past that.
      if (shownByLease.size > 256) shownByLease.delete(shownByLease.keys().next().value as string);
    }
    return shown;
  }

  /** A prepared job's episodes: only what the model is sent (core's `preparedEpisode`). */
  async function jobEpisodes(
    jobId: number,
    request: Request,
    runner: string,
  ): Promise<JobEpisodesReply> {
    const lease = await leaseHeld(jobId, (await body(request, LeaseBodySchema)).token, runner);
    const { episodes, index } = await jobOf(lease);
    return {
      episodes: episodes.map(preparedEpisode),
      images: [...shownImages(episodes, index).values()].map((i) => ({
        id: i.id,
        mediaType: i.mediaType,
      })),
    };
  }

  /** One image of the job's episodes, rendered when it is a ranked draw's (none is stored). */
  async function jobImage(jobId: number, request: Request, runner: string): Promise<Response> {
    const b = await body(request, JobImageBodySchema);
    const lease = await leaseHeld(jobId, b.token, runner);
    const entry = (await shownOf(lease)).get(b.imageId);
    // Only the job's own images: a lease does not open the rest of its draw, nor any other.
    if (!entry)
      throw new Refusal(
        404,
        'NOT_FOUND',
        `image ${b.imageId} is not shown by job ${jobId}'s episodes`,
      );
    const bytes = (await renderImage?.(entry)) ?? (await storedImage(entry.id));
    return new Response(new Uint8Array(bytes), {
      headers: { 'content-type': entry.mediaType, 'cache-control': 'no-store' },
    });
  }

  async function storedImage(id: string): Promise<Buffer> {
    const key = imageStoreKey(id);
    if (!key) throw new Refusal(400, 'BAD_REQUEST', `"${id}" is not an image id`);
    try {
      return await readFile(path.join(options.imagesDir, key));
    } catch {
      throw new Refusal(404, 'NOT_FOUND', `no image ${id}`);
    }
  }

  async function handle(request: Request, runner: string): Promise<Response> {
    const route = new URL(request.url).pathname.slice(RUNNER_API.base.length).split('/');
    const [, what, id, action] = route;
    if (request.method === 'POST' && what === 'claim' && route.length === 2) {
      const b = await body(request, ClaimBodySchema);
      // The first claim after a runner died fails its job if that was the last attempt, as the
      // database runner's first slot does before each claim.
      await reapExpiredJobs(db);
      // Taken before the claim: an announcement while it runs ends the wait that follows at once.
      const waitFrom = `${epoch}:${await waiter.mark()}`;
      const lease = await claimJob(db, {
        worker: `${runner}/${b.worker}`,
        leaseMs: b.leaseMs,
        excludeAdapters: b.excludeAdapters,
        onlyAdapters: b.onlyAdapters,
        excludeOwners: b.excludeOwners,
        portableOnly: true,
        preparedRanked: renderImage !== null,
      });
      return json({ lease, waitFrom });
    }
    if (request.method === 'POST' && what === 'wait' && route.length === 2) {
      const { waitMs, after } = await body(request, WaitBodySchema);
      // Marks are this process's count; another process's (behind a load balancer) mean nothing here.
      const [from, count] = (after ?? '').split(':');
      await waiter.wait(waitMs, request.signal, from === epoch ? Number(count) : undefined);
      return json({ ok: true });
    }
    if (request.method === 'POST' && what === 'jobs' && route.length === 4) {
      const jobId = Number(id);
      if (!Number.isSafeInteger(jobId) || jobId < 1)
        throw new Refusal(404, 'NOT_FOUND', `"${id}" is not a job id`);
      if (action === ('episodes' satisfies RunnerPreparedStep))
        return json(await jobEpisodes(jobId, request, runner));
      if (action === ('image' satisfies RunnerPreparedStep))
        return jobImage(jobId, request, runner);
      if (!(RUNNER_JOB_STEPS as readonly string[]).includes(action ?? ''))
        throw new Refusal(404, 'NOT_FOUND', `no job step "${action}"`);
      return json(await step(action as RunnerJobStep, jobId, request, runner));
    }
    if (request.method === 'GET' && what === 'benchmarks' && action === 'manifest') {
      const versionId = Number(id);
      const version =
        Number.isSafeInteger(versionId) && versionId > 0
          ? await getBenchmarkVersion(db, versionId)
          : null;
      // A hidden split's manifest labels every query: it is never served, and its jobs are never
      // handed out here (claimJob's portableOnly), so a runner has no reason to ask.
      if (!version || splitOf(version.manifest) === 'hidden')
        throw new Refusal(404, 'NOT_FOUND', `no benchmark version ${id}`);
      // Immutable once imported: a runner may cache it for as long as it likes.
      return Response.json(version.manifest, {
        headers: { 'cache-control': 'private, max-age=31536000, immutable' },
      });
    }
    if (request.method === 'GET' && what === 'images' && route.length === 3) {
      const bytes = await storedImage(id ?? '');
      return new Response(new Uint8Array(bytes), {
        headers: {
          'content-type': 'application/octet-stream',
          'cache-control': 'private, max-age=31536000, immutable',
        },
      });
    }
    throw new Refusal(
      404,
      'NOT_FOUND',
      `no runner API route ${request.method} ${RUNNER_API.base}${route.join('/')}`,
    );
  }

  async function respond(request: Request): Promise<Response> {
    try {
      const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const runner = token ? await runnerByToken(db, token) : null;
      if (!runner)
        return refusal(
          401,
          'UNAUTHORIZED',
          'a valid runner token is required (Authorization: Bearer lbr_…; an operator creates one with `linkboard runner-token create`)',
        );
      return await handle(request, runner.name);
    } catch (error) {
      if (error instanceof Refusal) return refusal(error.status, error.code, error.message);
      if (error instanceof LeaseLostError)
        return refusal(409, RUNNER_API_ERRORS.leaseLost, error.message);
      if (error instanceof IncompleteJobError)
        return refusal(409, RUNNER_API_ERRORS.incomplete, error.message);
      const where = new URL(request.url).pathname;
      const id = options.onUnexpected?.(error, where);
      return refusal(
        500,
        'INTERNAL_SERVER_ERROR',
        id ? `unexpected error ${id}; the site's log has it` : 'unexpected error',
      );
    }
  }

  return {
    /** Answers one request of the runner API (any path under `RUNNER_API.base`). */
    handle: respond,
    /** Lets go of the LISTEN connection the waiting runners share. */
    close: () => waiter.close(),
  };
}
