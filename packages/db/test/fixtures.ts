import {
  buildEpisodes,
  indexBenchmark,
  type Manifest,
  type PolicyName,
  scoreAll,
} from '@linkboard/core';
import { fixtureManifest as coreFixture } from '@linkboard/core/testing';
import type { Db, Lease, ResultInput } from '../src';
import {
  completeJob,
  conceptIdsByKey,
  createSubmission,
  importBenchmark,
  registerModel,
  writeResults,
} from '../src';

/** A benchmark of names (no image bytes needed by the database), from core's test support. */
export function fixtureManifest(
  options: { pairs?: number; support?: number; queries?: number; version?: string } = {},
): Manifest {
  return coreFixture({
    pairs: options.pairs,
    supportPerConcept: options.support,
    queriesPerConcept: options.queries,
    version: options.version,
  });
}

/** Imports a fixture benchmark and creates a submission for a new model. */
export async function seedSubmission(
  db: Db,
  options: {
    manifest?: Manifest;
    model?: string;
    shots?: number[];
    draws?: number;
    shardSize?: number;
    maxAttempts?: number;
    policies?: PolicyName[];
    webhook?: { url: string; sealedSecret: string };
  } = {},
) {
  const manifest = options.manifest ?? fixtureManifest();
  // The version ranks what these submissions run, so that they rank.
  const { benchmarkVersionId } = await importBenchmark(db, manifest, {
    shots: options.shots ?? [2, 4],
    draws: options.draws ?? 1,
    policy: 'lcl',
    scorer: 'strict',
  });
  const modelId = await registerModel(db, {
    name: options.model ?? 'model-a',
    organisation: 'lab',
  });
  const created = await createSubmission(db, {
    modelId,
    benchmarkVersionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: options.shots ?? [2, 4],
    policies: options.policies ?? ['lcl'],
    draws: options.draws ?? 1,
    shardSize: options.shardSize ?? 1000,
    maxAttempts: options.maxAttempts,
    webhook: options.webhook,
  });
  return { manifest, benchmarkVersionId, modelId, ...created };
}

/** Result rows for every episode of a submission, answered by `answer(episode index)`. */
export async function resultRows(
  db: Db,
  manifest: Manifest,
  benchmarkVersionId: number,
  spec: { shots: number[]; draws?: number; policies?: PolicyName[] },
  answer: (i: number) => string | null,
): Promise<ResultInput[]> {
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const episodes = [
    ...buildEpisodes(indexBenchmark(manifest), {
      shots: spec.shots,
      policies: spec.policies ?? ['lcl'],
      draws: spec.draws ?? 1,
    }),
  ];
  return episodes.map((episode, i) => {
    const raw = answer(i);
    const { label, other } = episode.query;
    return {
      episode,
      conceptId: conceptIds.get(episode.query.conceptId) as number,
      rawAnswer: raw,
      errorClass: raw === null ? 'timeout' : null,
      verdicts: scoreAll(raw, label, other),
      latencyMs: 10 + i,
    };
  });
}

/**
 * Finishes claimed jobs of one submission as a runner does: writes a result for each of the job's
 * episodes, then completes it (completion refuses a job with results missing).
 */
export async function jobFinisher(
  db: Db,
  seeded: { manifest: Manifest; benchmarkVersionId: number },
  spec: { shots: number[]; draws?: number; policies?: PolicyName[] },
) {
  const rows = await resultRows(db, seeded.manifest, seeded.benchmarkVersionId, spec, (i) =>
    i % 2 === 0 ? 'an answer' : null,
  );
  return async (runnerDb: Db, lease: Lease) => {
    const slice = rows.slice(lease.firstEpisode, lease.firstEpisode + lease.episodeCount);
    await writeResults(runnerDb, lease, slice, seeded.benchmarkVersionId);
    return completeJob(
      runnerDb,
      lease,
      slice.map((r) => r.episode.id),
    );
  };
}
