import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import {
  claimJob,
  completeJob,
  failJob,
  IncompleteJobError,
  JobWaiter,
  LeaseLostError,
  loadSecretKey,
  reapExpiredJobs,
  releaseJob,
} from '@linkboard/db';
import type { OpenDatabase } from '../database';
import type { Env } from '../env';
import { rootMessage } from '../errors';
import type { RunnerContext } from './context';
import { isTransient, JobError, runJob } from './job';

/** What ran a submission: stored in its provenance. Read once per process. */
export function runnerProvenance(): Record<string, unknown> {
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
  concurrency: number;
  gpus: readonly number[] | 'auto' | 'none';
  /** Exit when the queue is empty instead of waiting for work. */
  once?: boolean;
  stopDeadlineMs?: number;
  log: (line: string) => void;
  onJob?: (event: {
    jobId: number;
    submissionId: number;
    state: 'claimed' | 'done' | 'failed' | 'released' | 'lost';
  }) => void;
}

/**
 * `linkboard runner`: claims jobs, runs them, completes or fails them, and sleeps on LISTEN when
 * the queue is empty. `stop` (SIGTERM) stops it taking work; the job in hand finishes its
 * in-flight requests up to a deadline, writes what it has and gives the rest back.
 */
export async function runRunner(
  database: OpenDatabase,
  env: Env,
  options: RunnerOptions,
  stop: AbortSignal,
): Promise<void> {
  const ctx: RunnerContext = {
    db: database.db,
    env,
    worker: `${os.hostname()}:${process.pid}`,
    leaseMs: env.LINKBOARD_LEASE_MS,
    concurrency: options.concurrency,
    gpus: options.gpus === 'none' ? [] : options.gpus,
    busyGpus: new Set(),
    stopDeadlineMs: options.stopDeadlineMs ?? 30_000,
    secretKey: (() => {
      let key: Promise<Buffer> | undefined;
      return () =>
        (key ??= loadSecretKey({ fromEnv: env.LINKBOARD_SECRET_KEY, dataDir: env.dataDir }));
    })(),
    provenance: runnerProvenance(),
    log: options.log,
  };
  const waiter = new JobWaiter(database.pool);
  const excludeAdapters = options.gpus === 'none' ? ['serve'] : [];
  try {
    while (!stop.aborted) {
      await reapExpiredJobs(ctx.db);
      const lease = await claimJob(ctx.db, {
        worker: ctx.worker,
        leaseMs: ctx.leaseMs,
        excludeAdapters,
      });
      if (!lease) {
        if (options.once) break;
        await waiter.wait(5_000, stop);
        continue;
      }
      const event = (state: Parameters<NonNullable<RunnerOptions['onJob']>>[0]['state']) =>
        options.onJob?.({ jobId: lease.jobId, submissionId: lease.submissionId, state });
      event('claimed');
      try {
        const outcome = await runJob(ctx, lease, stop);
        if (outcome.allFailed && outcome.firstError) {
          const { errorClass, message } = outcome.firstError;
          const { willRetry } = await failJob(ctx.db, lease, {
            error: message,
            errorClass,
            retryable: isTransient(errorClass),
          });
          options.log(
            `job ${lease.jobId}: every episode failed (${errorClass}); ${willRetry ? 'will retry' : 'failed'}`,
          );
          event('failed');
        } else if (!outcome.finished) {
          await releaseJob(ctx.db, lease);
          event('released');
        } else {
          await completeJob(ctx.db, lease, outcome.episodeIds);
          event('done');
        }
      } catch (error) {
        if (error instanceof LeaseLostError) {
          options.log(error.message);
          event('lost');
          continue;
        }
        if (stop.aborted) {
          // Ctrl-C reaches the embedded PostgreSQL too, and it may shut down before this job has
          // written its last batch. Nothing is lost: written results stay, and the job resumes
          // from them once its lease expires. Say so in a line, not a stack trace.
          options.log(
            `job ${lease.jobId}: stopped before its last write (${rootMessage(error)}); written results are kept, the rest resumes when its lease expires (${Math.round(ctx.leaseMs / 1000)} s)`,
          );
          await releaseJob(ctx.db, lease).catch(() => {});
          event('released');
          break;
        }
        const jobError =
          error instanceof JobError
            ? error
            : error instanceof IncompleteJobError
              ? new JobError('results-incomplete', error.message, true)
              : new JobError('runner-error', rootMessage(error), true);
        options.log(`job ${lease.jobId}: ${jobError.errorClass}: ${jobError.message}`);
        await failJob(ctx.db, lease, {
          error: jobError.message,
          errorClass: jobError.errorClass,
          retryable: jobError.retryable,
        }).catch(() => {});
        event('failed');
      }
    }
  } finally {
    await waiter.close();
  }
}
