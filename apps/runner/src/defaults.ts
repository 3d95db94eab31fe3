import path from 'node:path';
import {
  checkDatasetOutput,
  type DatasetDir,
  generateSynth,
  loadDataset,
  writeDataset,
} from '@linkboard/datasets';
import type { Env } from './env';
import type { Io } from './io';
import { createProgress } from './progress';

/** Where the embedded default benchmark lives. */
export const defaultBenchmarkDir = (env: Env) =>
  path.join(env.dataDir, 'benchmarks', 'isekai-synth');

/** The embedded default benchmark, generated on first use (about half a minute, with progress). */
export async function ensureDefaultBenchmark(env: Env, io: Io): Promise<DatasetDir> {
  const dir = defaultBenchmarkDir(env);
  const existing = await loadDataset(dir).catch(() => null);
  if (existing) return existing;
  await checkDatasetOutput(dir, { force: true });
  io.stderr.write(`generating the default benchmark (isekai-synth) into ${dir}\n`);
  const progress = createProgress(io.stderr, 'isekai-synth', !env.CI);
  try {
    return await writeDataset(
      dir,
      await generateSynth({ onProgress: (d, t) => progress.update(d, t) }),
      { force: true },
    );
  } finally {
    progress.stop();
  }
}
