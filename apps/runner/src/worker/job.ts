import { setMaxListeners } from 'node:events';
import os from 'node:os';
import {
  AdapterConfigError,
  type AdapterFacts,
  costOf,
  generationOf,
  isRankedDraw,
  isSystematic,
  PROVENANCE_SCHEMA,
  type ProvenanceFacts,
  parseAdapterConfig,
  REFERENCE_SERVER,
  ServedByTally,
  scorerVersions,
} from '@linkboard/core';
import { rankedImagesOf } from '@linkboard/datasets';
import { type Lease, LeaseLostError } from '@linkboard/db';
import { builtinAdapter, familiarFromPairs } from '../adapters/builtin';
import { ImageEncoder } from '../adapters/encode';
import { type EndpointAdapterOptions, endpointAdapter } from '../adapters/endpoint';
import { pinEndpoint } from '../adapters/guard';
import { predictionsAdapter } from '../adapters/predictions';
import type { Adapter, ErrorClass } from '../adapters/types';
import { isBuiltinName, unknownBuiltin } from '../baselines';
import { rootMessage } from '../errors';
import { inPool } from '../eval/pool';
import { rankedEncoder } from '../ranked';
import { listGpus, pickFreeGpus } from '../serve/gpu';
import { loadServeProfiles, type ServedModel, startServedModel } from '../serve/serve';
import type { RunnerContext } from './context';
import { JobError } from './job-error';
import { isQueueUnreachable, untilReachable } from './outage';
import { PREFLIGHT_DEFAULT_SIDE, preflightRequest, runPreflight } from './preflight';
import type { JobAnswer, JobEpisode, JobInput, JobSubmission } from './queue';

/** What a baseline's adapter config names instead of a URL: the platform's reference server. */
export { JobError, REFERENCE_SERVER };

interface PreparedAdapter {
  adapter: Adapter;
  /**
   * The same model reached through another encoder (the preflight's generated images), with the
   * preflight's shorter retries; absent for adapters that ask no model.
   */
  preflight?: (encoder: ImageEncoder) => Adapter;
  /** The engine a served model runs on, where it says (vLLM's `/version`). */
  engine?: { name: string; version: string } | null;
  /** What the adapter records of itself in the run's provenance (never its key). */
  facts: AdapterFacts;
  close(): Promise<void>;
  telemetry?: () => unknown;
}

/**
 * The submission's adapter config, typed. A row that does not parse cannot run on any attempt:
 * the job fails for good, naming the submission and the field.
 */
export function submissionAdapterConfig(
  sub: Pick<JobSubmission, 'id' | 'adapter' | 'adapterConfig'>,
) {
  try {
    return parseAdapterConfig(
      sub.adapterConfig,
      `submission ${sub.id}'s adapter config`,
      sub.adapter,
    );
  } catch (error) {
    if (error instanceof AdapterConfigError) throw new JobError('bad-config', error.message);
    throw error;
  }
}

/**
 * Where the job's images come from: the store, or for a ranked draw rendered from their ids as
 * its requests need them (none is stored); for a job the site prepared, read under its lease,
 * none kept when they are a ranked draw's (each is shown once).
 */
function jobEncoder(ctx: RunnerContext, input: JobInput, maxSide: number | undefined) {
  if (input.manifest === null)
    return new ImageEncoder(input.prepared, input.prepared, maxSide, !input.benchmark.rankedDraw);
  return isRankedDraw(input.manifest)
    ? rankedEncoder({ images: rankedImagesOf(input.manifest) }, maxSide)
    : new ImageEncoder(ctx.queue.images, input.manifest, maxSide);
}

function maxImageSideOf(sub: JobSubmission): number | undefined {
  const config = submissionAdapterConfig(sub);
  return 'maxImageSide' in config ? config.maxImageSide : undefined;
}

async function prepareAdapter(
  ctx: RunnerContext,
  input: JobInput,
  episodes: readonly JobEpisode[],
  signal: AbortSignal,
): Promise<PreparedAdapter> {
  const sub = input.submission;
  const config = submissionAdapterConfig(sub);
  const maxSide = maxImageSideOf(sub);
  // How the model generates, sent with every request and recorded with the run's facts (the
  // adapters that ask a model, whose generation is never null).
  const generation = generationOf(config);
  const settingsFacts = { generation, maxImageSide: maxSide ?? null };
  const encoder = jobEncoder(ctx, input, maxSide);
  const apiKey = sub.apiKey;
  switch (config.adapter) {
    case 'builtin': {
      const name = config.name;
      if (!isBuiltinName(name)) throw new JobError('client-error', unknownBuiltin(name));
      // The baselines tell the familiar name by the manifest's pairs, which a prepared job lacks
      // (the site hands such jobs only to endpoint adapters: see claimJob's preparedRanked).
      if (input.manifest === null)
        throw new JobError(
          'client-error',
          `builtin:${name} needs the benchmark's manifest, which the site keeps for submission ${sub.id}; it runs on a runner on the database`,
        );
      return {
        adapter: builtinAdapter(name, encoder, familiarFromPairs(input.manifest.pairs)),
        facts: { adapter: 'builtin', name },
        close: async () => {},
      };
    }
    case 'openai':
    case 'anthropic':
    case 'gemini': {
      // The baselines that `start` seeds reach its reference server by this internal name, which
      // no submission can give (the site accepts URLs only): the operator's own server, on the
      // loopback port the operator chose, whatever the policy says of loopback endpoints.
      const internal = config.adapter === 'openai' && config.internal === REFERENCE_SERVER;
      const referenceHost = `127.0.0.1:${ctx.env.LINKBOARD_REFERENCE_PORT}`;
      const endpoint = internal ? `http://${referenceHost}/v1` : (config.endpoint as string);
      const policy = internal
        ? { ...ctx.env.endpoints, allowed: [referenceHost] }
        : ctx.env.endpoints;
      let pinned: Awaited<ReturnType<typeof pinEndpoint>>;
      try {
        pinned = await pinEndpoint(endpoint, policy);
      } catch (error) {
        throw new JobError('endpoint-refused', (error as Error).message);
      }
      const api = config.adapter;
      const reach = (through: ImageEncoder, tuning: Partial<EndpointAdapterOptions> = {}) =>
        endpointAdapter(
          api,
          {
            timeoutMs: config.timeoutMs,
            retries: config.retries,
            endpoint: pinned.url.href,
            model: config.model,
            apiKey,
            dispatcher: pinned.dispatcher,
            ...generation,
            ...tuning,
          },
          through,
        );
      return {
        adapter: reach(encoder),
        preflight: (through) => reach(through, PREFLIGHT_TUNING),
        facts: {
          adapter: config.adapter,
          endpoint: internal ? REFERENCE_SERVER : pinned.url.origin + pinned.url.pathname,
          model: config.model,
          address: pinned.address,
          ...settingsFacts,
        },
        close: () => pinned.dispatcher.close(),
      };
    }
    case 'predictions':
      return {
        adapter: predictionsAdapter(await ctx.queue.predictions(sub.id, episodes)),
        facts: { adapter: 'predictions', predictions: config.count },
        close: async () => {},
      };
    case 'serve': {
      const profiles = await loadServeProfiles(ctx.env.LINKBOARD_SERVE_PROFILES);
      const profile = profiles[config.profile];
      if (!profile)
        throw new JobError(
          'client-error',
          `serve profile "${config.profile}" is not registered on this runner`,
        );
      let gpus: number[] = [];
      if (profile.gpus > 0) {
        const picked = pickFreeGpus(await listGpus(), profile.gpus, {
          allowed: ctx.gpus,
          busy: ctx.busyGpus,
        });
        if (!picked)
          throw new JobError(
            'no-gpu',
            `no ${profile.gpus} free GPU(s) on ${os.hostname()} right now`,
          );
        gpus = picked;
      }
      for (const g of gpus) ctx.busyGpus.add(g);
      let served: ServedModel;
      try {
        served = await startServedModel(profile, config.model, gpus, {
          log: ctx.log,
          baseEnv: ctx.env.secrets,
          signal,
          // The server is started for the run's largest episode (vLLM's multi-image limit).
          maxShots: Math.max(0, ...sub.shots),
          completionTokens: generation?.maxTokens,
          name: config.profile,
        });
      } catch (error) {
        for (const g of gpus) ctx.busyGpus.delete(g);
        throw new JobError('server-start', (error as Error).message);
      }
      // A served model speaks the OpenAI API.
      const reach = (through: ImageEncoder, tuning: Partial<EndpointAdapterOptions> = {}) =>
        endpointAdapter(
          'openai',
          {
            timeoutMs: config.timeoutMs,
            retries: config.retries,
            endpoint: served.url,
            model: config.model,
            ...generation,
            ...tuning,
          },
          through,
        );
      return {
        adapter: reach(encoder),
        preflight: (through) => reach(through, PREFLIGHT_TUNING),
        engine: served.engine,
        facts: {
          adapter: 'serve',
          profile: config.profile,
          model: config.model,
          gpus,
          ...settingsFacts,
        },
        telemetry: () => served.telemetry(),
        close: async () => {
          await served.stop();
          for (const g of gpus) ctx.busyGpus.delete(g);
        },
      };
    }
  }
}

export interface JobOutcome {
  answered: number;
  errors: Record<string, number>;
  /** True when every episode the job asked ended in error. */
  allFailed: boolean;
  /**
   * Every error the job met was of one class, and one that says the endpoint cannot serve the run
   * as configured (core's `isSystematic`): with `allFailed`, the run stops instead of retrying.
   */
  systematic: boolean;
  firstError?: { errorClass: string; message: string };
  /** The run reached its cost cap (what it had spent, in words): it stops, its answers kept. */
  costCap?: string;
}

/** The preflight's retries: enough to ride out a blip, few enough to fail a dead endpoint in seconds. */
const PREFLIGHT_TUNING: Partial<EndpointAdapterOptions> = { retries: 3, backoffCapMs: 5_000 };

/** The largest side of the benchmark's images, which the preflight's generated images take. */
function preflightSide(input: JobInput): number {
  if (input.manifest === null) return PREFLIGHT_DEFAULT_SIDE;
  let side = 0;
  for (const image of input.manifest.images) side = Math.max(side, image.width, image.height);
  return side || PREFLIGHT_DEFAULT_SIDE;
}

/**
 * Runs one claimed job: its episodes through the submission's adapter, every answer scored by both
 * scorers and written in batches under the lease, heartbeats all along. Returns when done, or
 * throws LeaseLostError / JobError; `stopping` makes it finish what is in flight and return early.
 */
export async function runJob(
  ctx: RunnerContext,
  lease: Lease,
  stopping: AbortSignal,
): Promise<JobOutcome & { finished: boolean; timedOut: boolean; episodeIds: string[] }> {
  // Resume: the queue says what is answered, and clears the errors of the last attempt to ask again.
  let input: Awaited<ReturnType<RunnerContext['queue']['begin']>>;
  try {
    input = await ctx.queue.begin(lease);
  } catch (error) {
    if (error instanceof LeaseLostError || isQueueUnreachable(error)) throw error;
    throw new JobError('client-error', rootMessage(error));
  }
  const { submission: sub, benchmark, episodes, answered: kept } = input;
  const policies = sub.policies;
  const todo = episodes.filter((e) => !kept.has(e.id));

  // Aborted when the lease is lost or the stop deadline passes: in-flight requests end at once.
  const hard = new AbortController();
  // Every request in flight listens to it: that many listeners is the design, not a leak.
  setMaxListeners(ctx.concurrency + 16, hard.signal);
  const onStop = () => {
    setTimeout(() => hard.abort(new Error('stop deadline passed')), ctx.stopDeadlineMs).unref();
  };
  stopping.addEventListener('abort', onStop, { once: true });

  const prepared = await prepareAdapter(ctx, input, todo, hard.signal);
  const errors: Record<string, number> = {};
  const log: string[] = [];
  const note = (line: string) => {
    log.push(`${new Date().toISOString()} ${line}`);
    if (log.length > 20) log.shift();
    ctx.log(`job ${lease.jobId}: ${line}`);
  };
  let answered = 0;
  let failed = 0;
  let firstError: JobOutcome['firstError'];
  // What answered, as the replies name it (recorded with the run when the job ends).
  const servedBy = new ServedByTally(prepared.engine ?? null);
  // The cost cap: tokens of this job's answers (all, and those written), beside what the run's
  // other answers had spent when last read (refreshed at each heartbeat).
  const prices = sub.prices ?? null;
  const capUsd = prices ? (sub.maxCostUsd ?? null) : null;
  const mine = { promptTokens: 0, completionTokens: 0 };
  const mineWritten = { promptTokens: 0, completionTokens: 0 };
  let others = { promptTokens: 0, completionTokens: 0 };
  const readSpent = async () => {
    if (capUsd === null) return;
    const spent = await ctx.queue.spent(lease);
    others = {
      promptTokens: spent.promptTokens - mineWritten.promptTokens,
      completionTokens: spent.completionTokens - mineWritten.completionTokens,
    };
  };
  const spentUsd = () =>
    costOf(
      {
        promptTokens: others.promptTokens + mine.promptTokens,
        completionTokens: others.completionTokens + mine.completionTokens,
      },
      prices,
    ) ?? 0;
  const capReached = () => capUsd !== null && spentUsd() >= capUsd;
  let pending: JobAnswer[] = [];
  let leaseLost: LeaseLostError | null = null;
  const startedAt = Date.now();
  const runInfo = () => ({
    runner: ctx.worker,
    done: kept.size + answered + failed,
    total: episodes.length,
    episodesPerSecond: (answered + failed) / Math.max(1, (Date.now() - startedAt) / 1000),
    errorsByClass: errors,
    log,
    gpu: prepared.telemetry?.(),
  });

  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      await ctx.queue.write(lease, batch, sub.benchmarkVersionId);
      for (const answer of batch) {
        mineWritten.promptTokens += answer.promptTokens ?? 0;
        mineWritten.completionTokens += answer.completionTokens ?? 0;
      }
    } catch (error) {
      // The batch goes back in front of what arrived meanwhile: the next flush writes it, or the
      // last one fails the attempt with it unwritten (and the job cannot complete without it).
      pending = batch.concat(pending);
      throw error;
    }
  };
  let beatFailing = false;
  const beat = setInterval(
    () => {
      void ctx.queue
        .heartbeat(lease, { leaseMs: ctx.leaseMs, runInfo: runInfo() })
        .then(flush)
        .then(readSpent)
        .then(() => {
          if (beatFailing) note('heartbeat and writes work again');
          beatFailing = false;
        })
        .catch((error: unknown) => {
          if (error instanceof LeaseLostError) {
            leaseLost = error;
            hard.abort(error);
          } else if (!beatFailing) {
            // Once per failing spell: a database outage would otherwise write a line a beat.
            beatFailing = true;
            note(`heartbeat or write failed, results kept for the next one: ${rootMessage(error)}`);
          }
        });
    },
    Math.max(200, Math.floor(ctx.leaseMs / 3)),
  );
  // The wall-clock limit of an attempt: a model that is merely slow keeps its slot no longer.
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    hard.abort(new Error('attempt time limit'));
  }, ctx.attemptLimitMs);

  const stoppedEarly = () => ({
    answered: 0,
    errors: {},
    allFailed: false,
    systematic: false,
    finished: false,
    timedOut,
    episodeIds: episodes.map((e) => e.id),
  });

  try {
    const facts: ProvenanceFacts = {
      schema: PROVENANCE_SCHEMA,
      benchmark: {
        name: benchmark.name,
        version: benchmark.version,
        manifestHash: benchmark.manifestHash,
      },
      shots: sub.shots,
      policies,
      draws: sub.draws,
      scorers: scorerVersions(),
      episodeSeed: benchmark.rankedDraw
        ? 'fixed by the ranked draw (a keyed PRF; the seed is committed to on the submission and revealed when it ends)'
        : 'SHA-256("<manifest hash>|<query image id>|<shots>|<draw>")',
      runner: ctx.provenance,
      ...prepared.facts,
    };
    await ctx.queue.recordProvenance(lease, facts);
    if (prepared.preflight && sub.preflightPassed === false) {
      // Before any episode: one request as large as the run's largest episode, so an endpoint
      // that cannot take the protocol fails the run now, with its own words, and no episode
      // (of a ranked draw least of all) is spent on it.
      const request = preflightRequest(policies, sub.shots, {
        side: preflightSide(input),
        maxSide: maxImageSideOf(sub),
      });
      note(`preflight: one request with ${request.images} images`);
      const passed = await runPreflight(
        prepared.preflight(request.encoder),
        request,
        { shots: Math.max(0, ...sub.shots) },
        hard.signal,
      );
      if (passed === 'stopped') return stoppedEarly();
      await ctx.queue.passPreflight(lease, passed);
      note(`preflight passed in ${passed.latencyMs} ms`);
    }
    await readSpent();
    note(
      `started: ${todo.length} of ${episodes.length} episodes to ask (${prepared.adapter.label})`,
    );
    let consecutiveFailures = 0;
    await inPool(
      todo,
      {
        concurrency: ctx.concurrency,
        stop: () =>
          stopping.aborted ||
          hard.signal.aborted ||
          // A dead endpoint fails fast: after 8 errors in a row with no answer at all, stop asking.
          (answered === 0 && consecutiveFailures >= 8) ||
          // Checked before each request: what is in flight when the cap is reached still lands.
          capReached(),
      },
      async (episode) => {
        // Taken as the request goes out: the exposure check orders a submission's episodes by it.
        const sentAt = new Date();
        const result = await prepared.adapter.answer(episode, hard.signal);
        if (hard.signal.aborted && result.errorClass === 'aborted') return;
        if (result.errorClass) {
          failed++;
          consecutiveFailures++;
          errors[result.errorClass] = (errors[result.errorClass] ?? 0) + 1;
          firstError ??= {
            errorClass: result.errorClass,
            message: result.error ?? result.errorClass,
          };
          if (failed <= 3)
            note(`episode ${episode.id}: ${result.errorClass}: ${result.error ?? ''}`);
        } else {
          answered++;
          consecutiveFailures = 0;
        }
        if (result.servedBy) servedBy.note(result.servedBy);
        mine.promptTokens += result.usage?.promptTokens ?? 0;
        mine.completionTokens += result.usage?.completionTokens ?? 0;
        pending.push({
          episode,
          rawAnswer: result.answer,
          answerTruncated: result.truncated,
          reasoning: result.reasoning,
          errorClass: (result.errorClass as ErrorClass | undefined) ?? null,
          latencyMs: result.latencyMs,
          promptTokens: result.usage?.promptTokens,
          completionTokens: result.usage?.completionTokens,
          attempts: result.attempts,
          // An uploaded answer was not asked in this order: no send time, no exposure check.
          sentAt: sub.adapter === 'predictions' ? undefined : sentAt,
        });
        // Large batches keep the database work per answer small; the heartbeat flushes the rest.
        // A database that is down keeps the batch pending (flush puts it back) and the answers
        // coming: they are written when it is back.
        if (pending.length >= 200)
          await flush().catch((error: unknown) => {
            if (!isQueueUnreachable(error)) throw error;
          });
      },
    );
    if (leaseLost) throw leaseLost;
    // The answers in hand are worth waiting for the database a while (the lease's length: after
    // that another runner may hold the job, and the lease check refuses these writes anyway).
    const written = await untilReachable(
      async () => {
        await flush();
        await ctx.queue.heartbeat(lease, { leaseMs: ctx.leaseMs, runInfo: runInfo() });
        return true;
      },
      { signal: stopping, giveUpMs: ctx.leaseMs },
    );
    if (!written)
      throw new Error(
        'stopped while the database was unreachable; the unwritten answers are asked again when the job resumes',
      );
    if (!servedBy.empty)
      await ctx.queue.recordServedBy(lease, servedBy.toJSON()).catch((error: unknown) => {
        if (error instanceof LeaseLostError) throw error;
        note(`what answered was not recorded: ${rootMessage(error)}`);
      });
    const finished = answered + failed === todo.length;
    const errorClasses = Object.keys(errors);
    const costCap =
      capUsd !== null && capReached() && !finished
        ? `stopped at its cost cap of $${capUsd}: $${spentUsd().toFixed(4)} spent (${others.promptTokens + mine.promptTokens} prompt and ${others.completionTokens + mine.completionTokens} completion tokens at $${prices?.inputUsdPerMTok} and $${prices?.outputUsdPerMTok} per million); the ${answered} answers of this attempt are kept`
        : undefined;
    note(
      finished
        ? `finished: ${answered} answered, ${failed} errors`
        : `stopped early: ${answered + failed} of ${todo.length} asked`,
    );
    return {
      answered,
      errors,
      allFailed: todo.length > 0 && answered === 0 && failed > 0,
      systematic: errorClasses.length === 1 && isSystematic(errorClasses[0] as string),
      firstError,
      costCap,
      finished,
      timedOut,
      episodeIds: episodes.map((e) => e.id),
    };
  } finally {
    clearInterval(beat);
    clearTimeout(limit);
    stopping.removeEventListener('abort', onStop);
    await prepared.close();
  }
}
