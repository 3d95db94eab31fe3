import type { Db } from '@linkboard/db';
import type { Env } from '../env';

/** What a runner process shares between its jobs. */
export interface RunnerContext {
  db: Db;
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
  secretKey: () => Promise<Buffer>;
  provenance: Record<string, unknown>;
  log: (line: string) => void;
}
