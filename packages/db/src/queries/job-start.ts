import { hash } from 'node:crypto';
import {
  type BenchmarkIndex,
  type Episode,
  episodeRange,
  indexBenchmark,
  type Manifest,
  POLICY_NAMES,
  type PolicyName,
} from '@linkboard/core';
import type { Db } from '../client';
import { getBenchmarkVersion } from './benchmarks';
import type { Lease } from './lease';
import { answeredEpisodes, clearErrorResults } from './results';
import { submissionForRunner } from './submissions';

/** A job the database knows: its submission row (encrypted key included), its episodes. */
export interface JobOfLease {
  submission: NonNullable<Awaited<ReturnType<typeof submissionForRunner>>>;
  /** The submission's policies that core knows. */
  policies: PolicyName[];
  manifest: Manifest;
  /** The version's index: its images by id, among others. */
  index: BenchmarkIndex;
  /** The job's slice of the submission's send order. */
  episodes: Episode[];
}

export class JobVanishedError extends Error {
  override name = 'JobVanishedError';
}

const sha256Hex = (data: string) => hash('sha256', data, 'hex');

/**
 * What a claimed job is and where it stands, for the runner on the database and for the site's
 * runner API alike (one derivation of a job's episodes). Benchmark versions never change once
 * imported, so each one's manifest and index are read and built once per starter.
 */
export function jobStarter(db: Db) {
  const versions = new Map<number, Promise<{ manifest: Manifest; index: BenchmarkIndex }>>();
  const versionOf = (id: number) => {
    let version = versions.get(id);
    if (!version) {
      version = getBenchmarkVersion(db, id).then((row) => {
        if (!row) throw new JobVanishedError(`benchmark version ${id} vanished`);
        return { manifest: row.manifest, index: indexBenchmark(row.manifest, { sha256Hex }) };
      });
      version.catch(() => versions.delete(id));
      versions.set(id, version);
    }
    return version;
  };

  /** The job's submission and its episodes. */
  async function jobOf(lease: Lease): Promise<JobOfLease> {
    const submission = await submissionForRunner(db, lease.submissionId);
    if (!submission) throw new JobVanishedError(`submission ${lease.submissionId} vanished`);
    const policies = submission.policies.filter((p): p is PolicyName =>
      (POLICY_NAMES as readonly string[]).includes(p),
    );
    const { manifest, index } = await versionOf(submission.benchmarkVersionId);
    const episodes = episodeRange(
      index,
      {
        shots: submission.shots,
        policies,
        draws: submission.draws,
        orderSeed: submission.orderSeed,
      },
      lease.firstEpisode,
      lease.episodeCount,
    );
    return { submission, policies, manifest, index, episodes };
  }

  /**
   * Starts (or resumes) a job under its lease: what is answered is kept, and the errors of the
   * last attempt are cleared so that they are asked again.
   */
  async function start(lease: Lease): Promise<JobOfLease & { answered: Set<string> }> {
    const job = await jobOf(lease);
    const states = await answeredEpisodes(
      db,
      lease.submissionId,
      job.episodes.map((e) => e.id),
    );
    await clearErrorResults(
      db,
      lease,
      [...states].filter(([, error]) => error !== null).map(([id]) => id),
    );
    return {
      ...job,
      answered: new Set([...states].filter(([, error]) => error === null).map(([id]) => id)),
    };
  }

  return { jobOf, start };
}

/** What a runner is told of a job's submission: how to run it, never its encrypted key. */
export function runnableSubmission(job: JobOfLease) {
  const sub = job.submission;
  return {
    id: sub.id,
    benchmarkVersionId: sub.benchmarkVersionId,
    adapter: sub.adapter,
    adapterConfig: sub.adapterConfig,
    shots: sub.shots,
    policies: job.policies,
    draws: sub.draws,
    orderSeed: sub.orderSeed,
    /** Whether a preflight passed already: the first job of a run sends one before any episode. */
    preflightPassed: sub.preflight !== null,
    /** Prices per million tokens stated with it (null: none), and the cost to stop at. */
    prices:
      sub.inputUsdPerMTok === null && sub.outputUsdPerMTok === null
        ? null
        : {
            inputUsdPerMTok: sub.inputUsdPerMTok ?? 0,
            outputUsdPerMTok: sub.outputUsdPerMTok ?? 0,
          },
    maxCostUsd: sub.maxCostUsd,
  };
}
