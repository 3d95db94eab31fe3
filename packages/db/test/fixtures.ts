import {
  buildEpisodes,
  createManifest,
  indexBenchmark,
  type Manifest,
  type ManifestDraft,
  SCORERS,
  sha256Hex,
} from '@linkboard/core';
import type { Db, ResultInput } from '../src';
import { conceptIdsByKey, createSubmission, importBenchmark, registerModel } from '../src';

/** A benchmark whose image ids are hashes of names: the database never needs the bytes. */
export function fixtureManifest(
  options: { pairs?: number; support?: number; queries?: number; version?: string } = {},
): Manifest {
  const { pairs = 2, support = 8, queries = 2 } = options;
  const draft: ManifestDraft = {
    schema: 'linkboard.manifest/1',
    benchmark: { name: 'fixture', version: options.version ?? '1' },
    pairs: [],
    images: [],
  };
  for (let p = 0; p < pairs; p++) {
    const novel = { id: `novel-${p}`, name: `blorp${p}` };
    const familiar = { id: `familiar-${p}`, name: `teapot${p}` };
    draft.pairs.push({ id: `pair-${p}`, novel, familiar });
    for (const c of [novel, familiar]) {
      for (const [role, count] of [
        ['support', support],
        ['query', queries],
      ] as const) {
        for (let i = 0; i < count; i++) {
          draft.images.push({
            id: sha256Hex(`${options.version ?? 1}/${c.id}/${role}/${i}`),
            concept: c.id,
            role,
            width: 8,
            height: 8,
            mediaType: 'image/png',
          });
        }
      }
    }
  }
  return createManifest(draft);
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
  } = {},
) {
  const manifest = options.manifest ?? fixtureManifest();
  const { benchmarkVersionId } = await importBenchmark(db, manifest);
  const modelId = await registerModel(db, {
    name: options.model ?? 'model-a',
    organisation: 'lab',
  });
  const created = await createSubmission(db, {
    modelId,
    benchmarkVersionId,
    adapter: 'builtin',
    adapterConfig: { name: 'random' },
    shots: options.shots ?? [2, 4],
    policies: ['lcl'],
    draws: options.draws ?? 1,
    shardSize: options.shardSize ?? 1000,
    maxAttempts: options.maxAttempts,
  });
  return { manifest, benchmarkVersionId, modelId, ...created };
}

/** Result rows for every episode of a submission, answered by `answer(episode index)`. */
export async function resultRows(
  db: Db,
  manifest: Manifest,
  benchmarkVersionId: number,
  spec: { shots: number[]; draws?: number },
  answer: (i: number) => string | null,
): Promise<ResultInput[]> {
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const episodes = [
    ...buildEpisodes(indexBenchmark(manifest), {
      shots: spec.shots,
      policies: ['lcl'],
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
      verdicts: {
        official: SCORERS.official.score(raw, label, other),
        strict: SCORERS.strict.score(raw, label, other),
      },
      latencyMs: 10 + i,
    };
  });
}
