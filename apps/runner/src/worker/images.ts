import path from 'node:path';
import type { Manifest } from '@linkboard/core';
import { type DatasetDir, ImageStore } from '@linkboard/datasets';
import { type Db, importBenchmark } from '@linkboard/db';
import type { Env } from '../env';

/** The platform's content-addressed image store: one for every benchmark, under the data folder. */
export const platformStore = (env: Env) => new ImageStore(path.join(env.dataDir, 'images'));

/**
 * Makes a dataset available to runners and the site: its images into the platform store (by hash,
 * so shared images are stored once), its manifest into the database (idempotent by hash).
 */
export async function publishDataset(
  db: Db,
  env: Env,
  dataset: DatasetDir,
): Promise<{ benchmarkVersionId: number; manifest: Manifest }> {
  const store = platformStore(env);
  for (const image of dataset.manifest.images)
    await store.putFile(image.id, dataset.store.pathOf(image.id));
  const { benchmarkVersionId } = await importBenchmark(db, dataset.manifest);
  return { benchmarkVersionId, manifest: dataset.manifest };
}
