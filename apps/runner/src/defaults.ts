import path from 'node:path';
import type { Writable } from 'node:stream';
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
 * Whether `asked` names `version`: exactly, or as its leading parts, so `isekai-synth@3` is v3 with
 * the default seed ("3.1") while "3.12" is not "3.1" and "3-test" is not "3".
 */
const versionMatches = (version: string, asked: string) =>
  version === asked || version.startsWith(`${asked}.`);

/** `name` or `name@version`, as a benchmark version is named everywhere on the command line. */
export function parseBenchmarkName(spec: string): { name: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  const name = (at < 0 ? spec : spec.slice(0, at)).trim();
  const version = at < 0 ? null : spec.slice(at + 1).trim() || null;
  return { name, version };
}

/**
 * The one of `candidates` that `spec` (`name` or `name@version`, names in any case, a version by
 * its leading parts) names. With no version: `preferred` where it is among them, else the only
 * version of that name. Anything else is an error listing what `where` holds.
 */
export function pickBenchmark<T extends { name: string; version: string }>(
  spec: string,
  candidates: readonly T[],
  where: string,
  options: { describe?: (c: T) => string; preferred?: (c: T) => boolean } = {},
): T {
  const { name, version } = parseBenchmarkName(spec);
  const describe = options.describe ?? ((c: T) => `${c.name}@${c.version}`);
  const known = candidates.map(describe).join('; ') || 'none';
  const byName = candidates.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (byName.length === 0)
    throw new CliError(`unknown benchmark "${name}"; the benchmarks ${where} are: ${known}`);
  const matching = byName.filter((c) => version === null || versionMatches(c.version, version));
  if (matching.length === 0)
    throw new CliError(
      `benchmark ${byName[0]?.name} has no version "${version}" ${where}; the benchmarks ${where} are: ${known}`,
    );
  const exact = matching.find((c) => c.version === version);
  if (exact) return exact;
  const preferred = options.preferred ? matching.filter(options.preferred) : [];
  if (preferred.length === 1) return preferred[0] as T;
  if (matching.length === 1) return matching[0] as T;
  throw new CliError(
    `"${spec}" names ${matching.length} benchmarks ${where}: ${matching.map(describe).join('; ')}; say which with name@version`,
  );
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
