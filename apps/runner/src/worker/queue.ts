import {
  type BenchmarkIndex,
  type Episode,
  episodeRange,
  indexBenchmark,
  isRetryable,
  type JobBenchmark,
  jobBenchmarkOf,
  type Manifest,
  POLICY_NAMES,
  type PolicyName,
  type PreflightFacts,
  type PreparedEpisode,
  type PreparedImage,
  type Prices,
  type ProvenanceFacts,
  type ServedBy,
} from '@linkboard/core';
import { nodeSha256Hex } from '@linkboard/datasets';
import {
  type AnswerInput,
  claimJob,
  completeJob,
  decryptSecret,
  failJob,
  heartbeat,
  JobWaiter,
  jobStarter,
  type Lease,
  loadSecretKey,
  passPreflight,
  predictionsFor,
  reapExpiredJobs,
  recordProvenance,
  recordServedBy,
  releaseJob,
  runnableSubmission,
  spentTokens,
  writeAnswers,
} from '@linkboard/db';
import type { OpenDatabase } from '../database';
import type { Env } from '../env';
import { platformStore } from './images';

/** A job's submission as the runner needs it; the key decrypted only where the runner holds it. */
export interface JobSubmission {
  id: number;
  benchmarkVersionId: number;
  adapter: string;
  adapterConfig: unknown;
  shots: number[];
  policies: PolicyName[];
  draws: number;
  /** The send order's seed (core's `episodeOrder`); null for a submission cut in the fixed order. */
  orderSeed?: number | null;
  apiKey?: string;
  /** A preflight passed already (see core's preflightPrompt); absent: it did (older sites). */
  preflightPassed?: boolean;
  /** Prices per million tokens stated with it, and the cost at which the run stops. */
  prices?: Prices | null;
  maxCostUsd?: number | null;
}

/**
 * An episode as a job holds it: what the model is sent (core's `PreparedEpisode`). A runner on the
 * database holds whole episodes, labels and all; one given a ranked run by the site holds only
 * this, so the job path is written against it.
 */
export type JobEpisode = PreparedEpisode;

/** A job the site prepared: no manifest; its images read under the lease, each with its media type. */
export interface PreparedJob {
  manifest: null;
  prepared: {
    images: readonly PreparedImage[];
    read(imageId: string): Promise<Buffer>;
  };
}

/**
 * What a claimed job is: its submission, its episodes, which of them are answered already, and
 * where its images come from: the version's manifest where the runner may hold it, or, for a
 * ranked run through the site (whose manifest labels every query), the site's prepared images.
 */
export type JobInput = {
  submission: JobSubmission;
  benchmark: JobBenchmark;
  episodes: JobEpisode[];
  /** Episodes with a kept answer; those that ended in error were cleared, to be asked again. */
  answered: ReadonlySet<string>;
} & ({ manifest: Manifest } | PreparedJob);

/** An answer as a job hands it back: for one of the episodes its queue's `begin` gave it. */
export type JobAnswer = Omit<AnswerInput, 'episode'> & { episode: JobEpisode };

export interface Claimed {
  lease: Lease | null;
  waitFrom?: string;
}

export interface ClaimOptions {
  worker: string;
  leaseMs: number;
  excludeAdapters: readonly string[];
  onlyAdapters?: readonly string[];
  excludeOwners: readonly string[];
}

/**
 * Where a runner takes its jobs and puts its results: the database itself, or the site's runner
 * API (for hosts that hold no database credentials). Both present the same lease on every step,
 * so a runner behaves the same on either; see `databaseQueue` and `siteQueue`.
 */
export interface Queue {
  /** What the runner depends on: said when it cannot be reached. */
  kind: 'database' | 'site';
  /** Where, safe to print. */
  where: string;
  /** A job, or none with where a wait should start from (see `wait`). */
  claim(options: ClaimOptions): Promise<Claimed>;
  /** Fails jobs whose runners died on their last attempt. */
  reap(): Promise<void>;
  /**
   * Sleeps until work may be ready (an announcement, the timeout, or the signal); at once if work
   * was announced since `from`, the mark of the claim that found none.
   */
  wait(timeoutMs: number, signal: AbortSignal, from?: string): Promise<void>;
  wakeAll(): void;
  begin(lease: Lease): Promise<JobInput>;
  heartbeat(lease: Lease, options: { leaseMs: number; runInfo?: unknown }): Promise<void>;
  /** Scored by the platform (`writeAnswers`): a runner never decides a verdict. */
  write(lease: Lease, answers: readonly JobAnswer[], benchmarkVersionId: number): Promise<void>;
  /** Merged into the submission's provenance (core's `ProvenanceFacts`, checked by the site's API). */
  recordProvenance(lease: Lease, facts: ProvenanceFacts): Promise<void>;
  /** The run's preflight passed: its facts are kept and the submission moves on to running. */
  passPreflight(lease: Lease, facts: PreflightFacts): Promise<void>;
  /** What answered this job's requests, added to the run's tally. */
  recordServedBy(lease: Lease, servedBy: ServedBy): Promise<void>;
  /** Tokens the run's stored answers used so far, over all its jobs (its cost cap). */
  spent(lease: Lease): Promise<{ promptTokens: number; completionTokens: number }>;
  complete(lease: Lease, episodeIds: readonly string[]): Promise<void>;
  fail(
    lease: Lease,
    failure: { error: string; errorClass: string },
  ): Promise<{ willRetry: boolean }>;
  release(lease: Lease): Promise<void>;
  /** Uploaded answers of these episodes (only the database holds them). */
  predictions(
    submissionId: number,
    episodes: readonly Pick<Episode, 'id'>[],
  ): Promise<Map<string, string | null>>;
  /** The images the job's episodes show, by content hash. */
  images: { read(imageId: string): Promise<Buffer> };
  close(): Promise<void>;
}

// A benchmark version never changes: its index is built once per manifest object a queue holds.
const indexes = new WeakMap<Manifest, BenchmarkIndex>();

/**
 * The job's slice of the submission's episodes, in the seeded order the jobs were cut from (the
 * fixed order for a submission without a seed).
 */
export function jobEpisodes(
  manifest: Manifest,
  spec: { shots: number[]; policies: PolicyName[]; draws: number; orderSeed?: number | null },
  lease: Pick<Lease, 'firstEpisode' | 'episodeCount'>,
): Episode[] {
  let index = indexes.get(manifest);
  if (!index) {
    index = indexBenchmark(manifest, { sha256Hex: nodeSha256Hex });
    indexes.set(manifest, index);
  }
  return episodeRange(index, spec, lease.firstEpisode, lease.episodeCount);
}

export const knownPolicies = (policies: readonly string[]): PolicyName[] =>
  policies.filter((p): p is PolicyName => (POLICY_NAMES as readonly string[]).includes(p));

/** The queue in PostgreSQL, reached directly: the site's own runners and any trusted host. */
export function databaseQueue(database: OpenDatabase, env: Env): Queue {
  const { db } = database;
  const waiter = new JobWaiter(database.pool);
  // The job's episodes as the site's runner API derives them: one derivation, in db.
  const jobs = jobStarter(db);
  let secretKey: Promise<Buffer> | undefined;
  const images = platformStore(env);
  // The whole episodes this queue handed out, by the object the job holds: the job hands back
  // the very objects `begin` gave it, and the scorer wants what they are (labels and all).
  const whole = new WeakMap<JobEpisode, Episode>();
  const wholeOf = (answer: JobAnswer): AnswerInput => {
    const episode = whole.get(answer.episode);
    if (!episode)
      throw new Error(
        `episode ${answer.episode.id}: not one this queue's begin gave out, so it cannot be scored here`,
      );
    return { ...answer, episode };
  };
  return {
    kind: 'database',
    where: database.where,
    async claim(options) {
      // Taken before the claim, so that a job announced while it runs is not slept through.
      const mark = await waiter.mark();
      return { lease: await claimJob(db, options), waitFrom: String(mark) };
    },
    reap: async () => {
      await reapExpiredJobs(db);
    },
    wait: (timeoutMs, signal, from) =>
      waiter.wait(timeoutMs, signal, from === undefined ? undefined : Number(from)),
    wakeAll: () => waiter.wakeAll(),
    async begin(lease) {
      const job = await jobs.start(lease);
      const secret = job.submission.secret;
      secretKey ??= loadSecretKey({ fromEnv: env.LINKBOARD_SECRET_KEY, dataDir: env.dataDir });
      return {
        submission: {
          ...runnableSubmission(job),
          apiKey: secret ? decryptSecret(await secretKey, secret) : undefined,
        },
        benchmark: jobBenchmarkOf(job.manifest),
        manifest: job.manifest,
        episodes: job.episodes.map((e) => {
          whole.set(e, e);
          return e;
        }),
        answered: job.answered,
      };
    },
    heartbeat: (lease, options) => heartbeat(db, lease, options),
    write: async (lease, answers, benchmarkVersionId) => {
      await writeAnswers(db, lease, answers.map(wholeOf), benchmarkVersionId);
    },
    recordProvenance: (lease, facts) => recordProvenance(db, lease.submissionId, facts),
    passPreflight: (lease, facts) => passPreflight(db, lease, facts),
    recordServedBy: (lease, servedBy) => recordServedBy(db, lease, servedBy),
    spent: (lease) => spentTokens(db, lease.submissionId),
    complete: async (lease, episodeIds) => {
      await completeJob(db, lease, episodeIds);
    },
    fail: (lease, { error, errorClass }) =>
      failJob(db, lease, { error, errorClass, retryable: isRetryable(errorClass) }),
    release: (lease) => releaseJob(db, lease),
    predictions: (submissionId, episodes) =>
      predictionsFor(
        db,
        submissionId,
        episodes.map((e) => e.id),
      ),
    images,
    close: () => waiter.close(),
  };
}
