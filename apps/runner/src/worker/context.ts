import type { RunnerFacts } from '@linkboard/core';
import type { Env } from '../env';
import type { Queue } from './queue';

/** What a runner process shares between its jobs. */
export interface RunnerContext {
  /** Where jobs come from and results go: the database, or the site's runner API. */
  queue: Queue;
  env: Env;
  worker: string;
  leaseMs: number;
  /** Requests in flight per job. */
  concurrency: number;
  gpus: readonly number[] | 'auto';
  busyGpus: Set<number>;
  /** How long in-flight requests may finish after a stop request. */
  stopDeadlineMs: number;
  /** How long one attempt of a job may run before it stops, keeps its results and is retried. */
  attemptLimitMs: number;
  /** The process, as each job's provenance names it (`runnerProvenance`). */
  provenance: RunnerFacts;
  log: (line: string) => void;
}
