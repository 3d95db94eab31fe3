import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  ApiErrorSchema,
  ClaimReplySchema,
  CompleteReplySchema,
  FailReplySchema,
  type ImageEntry,
  JobEpisodesReplySchema,
  JobStartReplySchema,
  jobBenchmarkOf,
  type Manifest,
  ManifestSchema,
  OkReplySchema,
  type RawAnswer,
  ResultsReplySchema,
  RUNNER_API,
  RUNNER_API_ERRORS,
  type RunnerJobStep,
  type RunnerPreparedStep,
  SpentReplySchema,
} from '@linkboard/core';
import { ImageStore } from '@linkboard/datasets';
import { type Lease, LeaseLostError } from '@linkboard/db';
import sharp from 'sharp';
import type { z } from 'zod';
import { JobError } from './job-error';
import { type JobEpisode, jobEpisodes, knownPolicies, type PreparedJob, type Queue } from './queue';

/**
 * The site could not be reached or is not serving (refused, reset, a gateway's 502/503/504): the
 * runner rides it out as it would a database outage (see outage.ts, which knows this code).
 */
export class SiteUnavailableError extends Error {
  override name = 'SiteUnavailableError';
  readonly code = 'ESITEUNAVAILABLE';
}

/** The site refused a request for a reason waiting will not fix: names the URL and the reason. */
export class SiteRefusedError extends Error {
  override name = 'SiteRefusedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How long one call may take before it counts as the site being unavailable. */
const CALL_TIMEOUT_MS = 30_000;

/** What sharp calls each media type a manifest may give an image. */
const SHARP_FORMATS: Record<ImageEntry['mediaType'], string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/**
 * The queue reached through the site's runner API with a runner token: for a GPU host that must
 * not hold database credentials. Jobs, leases and results are the database's, through the site;
 * manifests are fetched once per benchmark version, images once per hash into a cache on this
 * host's disk (each checked against its hash). A ranked run's job comes prepared instead: its
 * episodes as the model is asked them and its images under the lease, neither kept on disk, and
 * never a manifest or a label. The token goes in a header, never in a line.
 */
export function siteQueue(options: { site: string; token: string; cacheDir: string }): Queue {
  const base = options.site.replace(/\/+$/, '');
  const cache = new ImageStore(path.join(options.cacheDir, 'images'));
  const manifests = new Map<number, Promise<Manifest>>();
  // Ends the waits in flight: a slot of this runner came free, or it is stopping.
  const waits = new Set<() => void>();

  async function request(
    route: string,
    init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const url = `${base}${route}`;
    let response: Response;
    try {
      const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
      response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal ? AbortSignal.any([timeout, init.signal]) : timeout,
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
      throw new SiteUnavailableError(
        `${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        { cause: error },
      );
    }
    if (response.ok) return response;
    if ([502, 503, 504].includes(response.status))
      throw new SiteUnavailableError(`${url}: HTTP ${response.status}`);
    const json: unknown = await response.json().catch(() => null);
    const refusal = ApiErrorSchema.safeParse(json);
    const code = refusal.success ? refusal.data.error.code : `HTTP_${response.status}`;
    const message = refusal.success ? refusal.data.error.message : `HTTP ${response.status}`;
    throw new SiteRefusedError(response.status, code, `${url}: ${message}`);
  }

  async function call<S extends z.ZodType>(
    route: string,
    schema: S,
    body?: unknown,
  ): Promise<z.output<S>> {
    const response = await request(route, {
      method: body === undefined ? 'GET' : 'POST',
      body,
    });
    const parsed = schema.safeParse(await response.json().catch(() => null));
    if (!parsed.success)
      throw new Error(`${base}${route}: the reply is not what linkboard's runner API sends`);
    return parsed.data;
  }

  /** A job step under the lease; the site's refusals become the errors the database path throws. */
  async function underLease<T>(lease: Lease, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SiteRefusedError && error.code === RUNNER_API_ERRORS.leaseLost)
        throw new LeaseLostError(lease.jobId);
      if (error instanceof SiteRefusedError && error.code === RUNNER_API_ERRORS.incomplete)
        throw new JobError('results-incomplete', error.message);
      throw error;
    }
  }
  const step = <S extends z.ZodType>(
    lease: Lease,
    name: RunnerJobStep | RunnerPreparedStep,
    schema: S,
    body: Record<string, unknown> = {},
  ): Promise<z.output<S>> =>
    underLease(lease, () =>
      call(RUNNER_API.job(lease.jobId, name), schema, { token: lease.token, ...body }),
    );

  /**
   * A prepared job's image, under its lease. Its id is a keyed PRF, not a hash of its bytes, so
   * the bytes cannot be checked against it as a stored image's are. What is checked is that they
   * are not empty and their header reads as the media type the site gave (sharp): a proxy's page
   * or an empty or wrong reply fails here, as the site's fault, instead of going to the model as
   * a broken image and being scored as its wrong answer. A body cut short fails its read (HTTP
   * frames it). Not cached on disk: each image of a ranked draw is shown once.
   */
  async function preparedImage(lease: Lease, image: PreparedJob['prepared']['images'][number]) {
    const route = RUNNER_API.job(lease.jobId, 'image');
    const response = await underLease(lease, () =>
      request(route, { method: 'POST', body: { token: lease.token, imageId: image.id } }),
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    const read =
      bytes.length === 0
        ? undefined
        : await sharp(bytes)
            .metadata()
            .catch(() => undefined);
    if (read?.format !== SHARP_FORMATS[image.mediaType])
      throw new Error(
        `${base}${route}: image ${image.id} is ${bytes.length === 0 ? 'empty' : `not a readable ${image.mediaType}`}`,
      );
    return bytes;
  }

  /** A ranked run's job, as the site prepares it: no manifest, so no label, ever reaches here. */
  async function preparedJob(lease: Lease): Promise<PreparedJob & { episodes: JobEpisode[] }> {
    const { episodes, images } = await step(lease, 'episodes', JobEpisodesReplySchema);
    const byId = new Map(images.map((i) => [i.id, i]));
    return {
      episodes,
      manifest: null,
      prepared: {
        images,
        read(imageId) {
          const image = byId.get(imageId);
          if (!image)
            return Promise.reject(
              new Error(`image ${imageId} is not one of job ${lease.jobId}'s prepared images`),
            );
          return preparedImage(lease, image);
        },
      },
    };
  }

  function manifestOf(benchmarkVersionId: number): Promise<Manifest> {
    let manifest = manifests.get(benchmarkVersionId);
    if (!manifest) {
      manifest = call(RUNNER_API.manifest(benchmarkVersionId), ManifestSchema);
      manifest.catch(() => manifests.delete(benchmarkVersionId));
      manifests.set(benchmarkVersionId, manifest);
    }
    return manifest;
  }

  const fetching = new Map<string, Promise<Buffer>>();
  async function fetchImage(imageId: string): Promise<Buffer> {
    const response = await request(RUNNER_API.image(imageId));
    const bytes = Buffer.from(await response.arrayBuffer());
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== imageId)
      throw new Error(
        `${base}${RUNNER_API.image(imageId)}: the bytes hash to ${actual}, not to the id asked for`,
      );
    await cache.put(bytes);
    return bytes;
  }

  return {
    kind: 'site',
    where: `${base} (runner API)`,
    async claim(claimOptions) {
      return call(RUNNER_API.claim, ClaimReplySchema, {
        worker: claimOptions.worker,
        leaseMs: claimOptions.leaseMs,
        excludeAdapters: [...claimOptions.excludeAdapters],
        onlyAdapters: [...(claimOptions.onlyAdapters ?? [])],
        excludeOwners: [...claimOptions.excludeOwners],
      });
    },
    // The site reaps before every claim.
    reap: async () => {},
    async wait(timeoutMs, signal, from) {
      // A long poll: the site answers when the queue announces work, or after the timeout.
      const local = new AbortController();
      const done = () => local.abort();
      waits.add(done);
      signal.addEventListener('abort', done, { once: true });
      try {
        await request(RUNNER_API.wait, {
          method: 'POST',
          body: { waitMs: Math.min(timeoutMs, 25_000), after: from },
          signal: local.signal,
        });
      } catch (error) {
        if (!local.signal.aborted) throw error;
      } finally {
        waits.delete(done);
        signal.removeEventListener('abort', done);
      }
    },
    wakeAll: () => {
      for (const wake of [...waits]) wake();
    },
    async begin(lease) {
      const start = await step(lease, 'start', JobStartReplySchema);
      const policies = knownPolicies(start.submission.policies);
      const submission = { ...start.submission, policies };
      const answered = new Set(start.answered);
      if (start.prepared) {
        if (!start.benchmark)
          throw new Error(
            `${base}${RUNNER_API.job(lease.jobId, 'start')}: a prepared job's reply names no benchmark`,
          );
        return { submission, benchmark: start.benchmark, answered, ...(await preparedJob(lease)) };
      }
      const manifest = await manifestOf(start.submission.benchmarkVersionId);
      return {
        submission,
        benchmark: jobBenchmarkOf(manifest),
        manifest,
        episodes: jobEpisodes(
          manifest,
          {
            shots: start.submission.shots,
            policies,
            draws: start.submission.draws,
            orderSeed: start.submission.orderSeed,
          },
          lease,
        ),
        answered,
      };
    },
    async heartbeat(lease, heartbeatOptions) {
      await step(lease, 'heartbeat', OkReplySchema, {
        leaseMs: heartbeatOptions.leaseMs,
        runInfo: heartbeatOptions.runInfo,
      });
    },
    async write(lease, answers) {
      // Raw answers only: the site scores them against labels it never has to send.
      const raw: RawAnswer[] = answers.map(({ episode, sentAt, ...answer }) => ({
        ...answer,
        episodeId: episode.id,
        sentAt: sentAt?.getTime(),
      }));
      await step(lease, 'results', ResultsReplySchema, { answers: raw });
    },
    async recordProvenance(lease, facts) {
      await step(lease, 'provenance', OkReplySchema, { facts });
    },
    async passPreflight(lease, facts) {
      await step(lease, 'preflight', OkReplySchema, { facts });
    },
    async recordServedBy(lease, servedBy) {
      await step(lease, 'served-by', OkReplySchema, { servedBy });
    },
    spent: (lease) => step(lease, 'spent', SpentReplySchema),
    async complete(lease) {
      await step(lease, 'complete', CompleteReplySchema);
    },
    fail: (lease, failure) => step(lease, 'fail', FailReplySchema, failure),
    async release(lease) {
      await step(lease, 'release', OkReplySchema);
    },
    async predictions() {
      throw new Error(
        'uploaded predictions are scored by runners on the database; the site never hands them to a runner API client',
      );
    },
    images: {
      async read(imageId) {
        if (await cache.has(imageId)) return cache.read(imageId);
        let pending = fetching.get(imageId);
        if (!pending) {
          pending = fetchImage(imageId).finally(() => fetching.delete(imageId));
          fetching.set(imageId, pending);
        }
        return pending;
      },
    },
    close: async () => {
      for (const wake of [...waits]) wake();
    },
  };
}
