import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ADAPTERS_WITHOUT_MODEL_CALLS, type RunnerFacts } from '@linkboard/core';
import { IncompleteJobError, type Lease, LeaseLostError, loadSecretKey } from '@linkboard/db';
import type { OpenDatabase } from '../database';
import type { Env } from '../env';
import { rootMessage } from '../errors';
import type { RunnerContext } from './context';
import { JobError, runJob } from './job';
import { isQueueUnreachable, untilReachable } from './outage';
import { type Claimed, databaseQueue, type Queue } from './queue';
import { deliverDueWebhooks, runWebhookDeliveries } from './webhooks';

let provenance: RunnerFacts | undefined;

/**
 * What ran a submission: stored in its provenance. Read once per process, as the code a process
 * runs does not change under it: git is a child process waited for synchronously, which a process
 * that runs the runner loop more than once (tests, the benchmarks) paid on every loop, its event
 * loop held meanwhile.
 */
export function runnerProvenance(): RunnerFacts {
  provenance ??= readProvenance();
  return provenance;
}

function readProvenance(): RunnerFacts {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: new URL('.', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {}
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return { version: pkg.version, commit, host: os.hostname(), node: process.version };
}

export interface RunnerOptions {
  /** Requests in flight per job. */
  concurrency: number;
  /**
   * Jobs with model calls worked at once (default 1). One submitter holds at most all but one of
   * them, so another submitter's job always finds a slot; jobs that make no model calls (uploaded
   * predictions, built-in baselines) have a lane of their own besides.
   */
  jobs?: number;
  gpus: readonly number[] | 'auto' | 'none';
  /** Exit when the queue is empty instead of waiting for work. */
  once?: boolean;
  stopDeadlineMs?: number;
  /** An attempt that runs longer stops, keeps its results and is retried (default 30 min). */
  attemptLimitMs?: number;
  log: (line: string) => void;
  onJob?: (event: {
    jobId: number;
    submissionId: number;
    state: 'claimed' | 'done' | 'failed' | 'released' | 'lost';
  }) => void;
}

/**
 * `linkboard runner`: claims jobs, runs them, completes or fails them, and sleeps on LISTEN when
 * the queue is empty. Several job slots work at once (see RunnerOptions.jobs). `stop` (SIGTERM)
 * stops it taking work; jobs in hand finish their in-flight requests up to a deadline, write what
 * they have and give the rest back. A database outage is ridden out: the runner says so once,
 * retries with backoff, and carries on when the database is back.
 */
export async function runRunner(
  database: OpenDatabase,
  env: Env,
  options: RunnerOptions,
  stop: AbortSignal,
  queue: Queue = databaseQueue(database, env),
): Promise<void> {
  // Webhooks go out from runners on the database only (the outbox and the key are there), in a
  // loop of their own: a slow receiver never holds a job slot.
  const webhooks = new AbortController();
  const onStop = () => webhooks.abort();
  stop.addEventListener('abort', onStop, { once: true });
  const settings = {
    policy: env.endpoints,
    secretKey: await loadSecretKey({ fromEnv: env.LINKBOARD_SECRET_KEY, dataDir: env.dataDir }),
    siteUrl: env.siteUrl,
  };
  const delivering = runWebhookDeliveries(database.db, settings, {
    stop: webhooks.signal,
    log: options.log,
  });
  try {
    await runQueue(queue, env, options, stop);
  } finally {
    webhooks.abort();
    stop.removeEventListener('abort', onStop);
    await delivering;
  }
  // --once: what the finished work announced goes out before the runner ends.
  if (options.once && !stop.aborted)
    await deliverDueWebhooks(database.db, settings, { signal: stop, log: options.log }).catch(
      (error) => options.log(`webhook delivery: ${rootMessage(error)}`),
    );
}

/**
 * The runner's loop over any queue: the database (`runRunner`) or the site's runner API
 * (`linkboard runner --site`). Closes the queue when it ends.
 */
export async function runQueue(
  queue: Queue,
  env: Env,
  options: RunnerOptions,
  stop: AbortSignal,
): Promise<void> {
  const ctx: RunnerContext = {
    queue,
    env,
    worker: `${os.hostname()}:${process.pid}`,
    leaseMs: env.LINKBOARD_LEASE_MS,
    concurrency: options.concurrency,
    gpus: options.gpus === 'none' ? [] : options.gpus,
    busyGpus: new Set(),
    stopDeadlineMs: options.stopDeadlineMs ?? 30_000,
    attemptLimitMs: options.attemptLimitMs ?? 30 * 60_000,
    provenance: runnerProvenance(),
    log: options.log,
  };
  const excludeAdapters = options.gpus === 'none' ? ['serve'] : [];
  const slots = Math.max(1, options.jobs ?? 1);
  // Jobs this runner holds per submitter; at the cap, that submitter's jobs are left to others.
  const held = new Map<string, number>();
  const share = Math.max(1, slots - 1);
  const what = queue.kind;
  // Every slot meets the same outage: it is said once, when the first notices and the first is through.
  let outageSince: number | null = null;
  /** Runs a queue step, riding out a database outage: one line when it starts, one when it ends. */
  const ridingOutages = <T>(step: () => Promise<T>) =>
    untilReachable(step, {
      signal: stop,
      onOutage: (error) => {
        if (outageSince !== null) return;
        outageSince = Date.now();
        options.log(`${what} unreachable (${rootMessage(error)}); retrying with backoff`);
      },
      onBack: () => {
        if (outageSince === null) return;
        options.log(
          `${what} reachable again after ${Math.round((Date.now() - outageSince) / 1000)} s; carrying on`,
        );
        outageSince = null;
      },
    });
  /** Jobs in hand across the slots: with --once, the runner ends when none is left to claim. */
  let busy = 0;

  async function work(lease: Lease) {
    const event = (state: Parameters<NonNullable<RunnerOptions['onJob']>>[0]['state']) =>
      options.onJob?.({ jobId: lease.jobId, submissionId: lease.submissionId, state });
    event('claimed');
    try {
      const outcome = await runJob(ctx, lease, stop);
      if (outcome.costCap) {
        await queue.fail(lease, { error: outcome.costCap, errorClass: 'cost-cap' });
        options.log(`job ${lease.jobId}: ${outcome.costCap}`);
        event('failed');
      } else if (outcome.allFailed && outcome.firstError) {
        const { errorClass: first, message: firstMessage } = outcome.firstError;
        // Every answer failed one way that asking again will not change: the run stops now,
        // saying how, instead of waiting out its attempts' backoff.
        const failing = outcome.systematic;
        const errorClass = failing ? 'endpoint-failing' : first;
        const failedCount = Object.values(outcome.errors).reduce((a, b) => a + b, 0);
        const message = failing
          ? `its first ${failedCount} requests all failed with ${first}: ${firstMessage}`
          : firstMessage;
        const { willRetry } = await queue.fail(lease, { error: message, errorClass });
        options.log(
          `job ${lease.jobId}: every episode failed (${errorClass}); ${willRetry ? 'will retry' : 'failed'}`,
        );
        event('failed');
      } else if (outcome.timedOut) {
        const { willRetry } = await queue.fail(lease, {
          error: `the attempt ran past ${ctx.attemptLimitMs < 120_000 ? `${Math.round(ctx.attemptLimitMs / 1000)} s` : `${Math.round(ctx.attemptLimitMs / 60_000)} min`}; its ${outcome.answered} answers are kept and the rest are asked on the next attempt`,
          errorClass: 'attempt-time-limit',
        });
        options.log(
          `job ${lease.jobId}: stopped at the attempt time limit; ${willRetry ? 'will resume' : 'failed'}`,
        );
        event('failed');
      } else if (!outcome.finished) {
        await queue.release(lease);
        event('released');
      } else {
        const completed = await untilReachable(
          async () => {
            await queue.complete(lease, outcome.episodeIds);
            return true;
          },
          { signal: stop, giveUpMs: ctx.leaseMs },
        );
        if (completed) event('done');
        else {
          // Stopped while the database was away: the results are stored, so the job completes
          // at once when it is claimed again.
          await queue.release(lease).catch(() => {});
          event('released');
        }
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        options.log(error.message);
        event('lost');
        return;
      }
      if (stop.aborted || isQueueUnreachable(error)) {
        // Ctrl-C reaches the embedded PostgreSQL too, and it may shut down before this job has
        // written its last batch; or the database is down. Nothing is lost: written results
        // stay, and the job resumes from them once its lease expires. Say so in a line.
        options.log(
          `job ${lease.jobId}: stopped before its last write (${rootMessage(error)}); written results are kept, the rest resumes when its lease expires (${Math.round(ctx.leaseMs / 1000)} s)`,
        );
        await queue.release(lease).catch(() => {});
        event('released');
        return;
      }
      const jobError =
        error instanceof JobError
          ? error
          : error instanceof IncompleteJobError
            ? new JobError('results-incomplete', error.message)
            : new JobError('runner-error', rootMessage(error));
      options.log(`job ${lease.jobId}: ${jobError.errorClass}: ${jobError.message}`);
      await queue
        .fail(lease, { error: jobError.message, errorClass: jobError.errorClass })
        .catch(() => {});
      event('failed');
    }
  }

  /**
   * Claims run one at a time within this runner: slots that woke together would otherwise both
   * see a submitter below its share and both take that submitter's jobs, leaving no slot for
   * anyone else. The held count is raised inside the same turn.
   */
  let claimTurn: Promise<unknown> = Promise.resolve();
  function claimInTurn(lane: 'models' | 'no-model-calls'): Promise<Claimed | undefined> {
    const claimed = claimTurn.then(async () => {
      const got = await ridingOutages(() =>
        queue.claim({
          worker: ctx.worker,
          leaseMs: ctx.leaseMs,
          excludeAdapters,
          onlyAdapters: lane === 'no-model-calls' ? ADAPTERS_WITHOUT_MODEL_CALLS : undefined,
          excludeOwners:
            lane === 'models'
              ? [...held].filter(([, n]) => n >= share).map(([owner]) => owner)
              : [],
        }),
      );
      const lease = got?.lease;
      if (lease && lane === 'models') held.set(lease.owner, (held.get(lease.owner) ?? 0) + 1);
      return got;
    });
    claimTurn = claimed.catch(() => {});
    return claimed;
  }

  /** One slot: claims a job it may take, works it, and sleeps when there is none. */
  async function slot(lane: 'models' | 'no-model-calls', reaps: boolean) {
    while (!stop.aborted) {
      if (reaps) await ridingOutages(() => queue.reap());
      const claimed = await claimInTurn(lane);
      const lease = claimed?.lease;
      if (stop.aborted) {
        if (lease) await queue.release(lease).catch(() => {});
        break;
      }
      if (!lease) {
        if (options.once && busy === 0) break;
        await ridingOutages(() => queue.wait(options.once ? 200 : 5_000, stop, claimed?.waitFrom));
        continue;
      }
      busy++;
      try {
        await work(lease);
      } finally {
        busy--;
        if (lane === 'models') held.set(lease.owner, (held.get(lease.owner) ?? 1) - 1);
        // A freed share may let another slot claim what it had to leave.
        queue.wakeAll();
      }
    }
  }

  try {
    await Promise.all([
      ...Array.from({ length: slots }, (_, i) => slot('models', i === 0)),
      slot('no-model-calls', false),
    ]);
  } finally {
    await queue.close();
  }
}
