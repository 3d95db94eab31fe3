import path from 'node:path';
import type { Writable } from 'node:stream';
import { BenchmarkNameError, pickBenchmark as pickNamed } from '@linkboard/core';
import {
  checkDatasetOutput,
  type DatasetDir,
  GENERATOR_VERSION,
  generateSynth,
  ISEKAI_SAMPLE,
  importDataset,
  loadDataset,
  rankedKey,
  SecretFileError,
  SYNTH_DEFAULTS,
  synthVersion,
  writeDataset,
} from '@linkboard/datasets';
import type { Env } from './env';
import { CliError } from './errors';
import type { Io } from './io';
import { createProgress } from './progress';

/** Where isekai-synth v2 lives (the folder the default had while it was v2). */
export const synthV2BenchmarkDir = (env: Env) =>
  path.join(env.dataDir, 'benchmarks', 'isekai-synth');

/**
 * isekai-synth v2, generated on first use (about half a minute, with progress): selectable, no
 * longer the default (its names spell the trait, so a lookup of names scores 100 %).
 */
export async function ensureSynthV2Benchmark(env: Env, io: Io): Promise<DatasetDir> {
  const dir = synthV2BenchmarkDir(env);
  const existing = await loadDataset(dir).catch(() => null);
  if (existing) return existing;
  await checkDatasetOutput(dir, { force: true });
  io.stderr.write(`generating isekai-synth v2 into ${dir}\n`);
  const progress = createProgress(io.stderr, 'isekai-synth v2', !env.CI);
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

/** Where isekai-synth v3 (default seed, nonce names) is generated, beside the default. */
export const synthV3BenchmarkDir = (env: Env) =>
  path.join(env.dataDir, 'benchmarks', 'isekai-synth-v3');

/**
 * The embedded default benchmark, isekai-synth v3 (palette traits, hard negatives, nonce names),
 * generated on first use (about half a minute, with progress).
 */
export async function ensureDefaultBenchmark(env: Env, io: Io): Promise<DatasetDir> {
  const dir = synthV3BenchmarkDir(env);
  const existing = await loadDataset(dir).catch(() => null);
  if (existing) return existing;
  await checkDatasetOutput(dir, { force: true });
  io.stderr.write(`generating isekai-synth v3 into ${dir}\n`);
  const progress = createProgress(io.stderr, 'isekai-synth v3', !env.CI);
  try {
    return await writeDataset(
      dir,
      await generateSynth({ version: 3, onProgress: (d, t) => progress.update(d, t) }),
      { force: true },
    );
  } finally {
    progress.stop();
  }
}

/** Work that reads a deployment secret, a bad secret file a usage error naming it. */
export async function withSecretFiles<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SecretFileError) throw new CliError(error.message);
    throw error;
  }
}

/** The key every ranked draw of this deployment is derived from (datasets' `rankedKey`). */
export const ensureRankedKey = (env: Env): Promise<{ key: string; keyId: string }> =>
  withSecretFiles(() => rankedKey(env.dataDir));

/** Where the ISEKAI sample that ships with linkboard is imported to. */
export const sampleBenchmarkDir = (env: Env) =>
  path.join(env.dataDir, 'benchmarks', 'isekai-sample');

/**
 * The shipped ISEKAI sample (3 pairs, one image per class), imported on first use; says so on
 * `log` (stderr, where a command's stdout is its result).
 */
export async function ensureSampleBenchmark(
  env: Env,
  io: Io,
  log: Writable = io.stderr,
): Promise<DatasetDir> {
  const dir = sampleBenchmarkDir(env);
  const existing = await loadDataset(dir).catch(() => null);
  if (existing) return existing;
  log.write(`importing the ISEKAI sample into ${dir}\n`);
  return importDataset({
    format: 'isekai',
    input: ISEKAI_SAMPLE.records,
    images: ISEKAI_SAMPLE.images,
    out: dir,
    force: true,
  });
}

/**
 * The benchmarks the CLI can build or load with no database, by the name and version their
 * manifests carry. isekai-synth's version is its generator version and seed: the CLI generates the
 * default seed only. The sample's name and version are what `dataset import` gives it by default.
 */
export const LOCAL_BENCHMARKS: readonly {
  name: string;
  version: string;
  what: string;
  load(env: Env, io: Io): Promise<DatasetDir>;
}[] = [
  {
    name: 'isekai-synth',
    version: synthVersion(3, SYNTH_DEFAULTS.seed),
    what: 'the embedded default (v3: palette traits, hard negatives, nonce names), generated on first use',
    load: ensureDefaultBenchmark,
  },
  {
    name: 'isekai-synth',
    version: `${GENERATOR_VERSION}.${SYNTH_DEFAULTS.seed}`,
    what: 'v2 (names spell the trait), generated on first use',
    load: ensureSynthV2Benchmark,
  },
  {
    name: 'ISEKAI-sample',
    version: '1',
    what: 'the ISEKAI sample that ships with linkboard',
    load: (env, io) => ensureSampleBenchmark(env, io),
  },
];

/**
 * The one of `candidates` that `spec` (`name` or `name@version`) names: core's `pickBenchmark`,
 * the one rule every door uses, its refusal (which lists what `where` holds) a usage error.
 */
export function pickBenchmark<T extends { name: string; version: string }>(
  spec: string,
  candidates: readonly T[],
  where: string,
  options: { describe?: (c: T) => string; preferred?: (c: T) => boolean } = {},
): T {
  try {
    return pickNamed(spec, candidates, where, options);
  } catch (error) {
    if (error instanceof BenchmarkNameError) throw new CliError(error.message);
    throw error;
  }
}

/** The embedded default benchmark's name and version (`isekai-synth@3.1`). */
export const DEFAULT_BENCHMARK = LOCAL_BENCHMARKS[0] as (typeof LOCAL_BENCHMARKS)[number];

/**
 * A local benchmark by `name` or `name@version`. With no version, the first listed: the embedded
 * default. An unknown name or version is an error that lists what there is; so is a folder that
 * holds another version than its name says (e.g. generated by an older linkboard).
 */
export async function resolveLocalBenchmark(spec: string, env: Env, io: Io): Promise<DatasetDir> {
  const found = pickBenchmark(spec, LOCAL_BENCHMARKS, 'here', {
    describe: (b) => `${b.name}@${b.version} (${b.what})`,
    // The first listed of a name is its default (isekai-synth: the embedded one).
    preferred: (b) => LOCAL_BENCHMARKS.find((d) => d.name === b.name) === b,
  });
  const dataset = await found.load(env, io);
  const { name: gotName, version: gotVersion } = dataset.manifest.benchmark;
  if (gotName !== found.name || gotVersion !== found.version)
    throw new CliError(
      `${dataset.dir} holds ${gotName}@${gotVersion}, not ${found.name}@${found.version}; remove that folder to build it again`,
    );
  return dataset;
}
