import { randomBytes, randomInt } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { rankedKeyId, SECRET_HEX } from '@linkboard/core';
import {
  checkDatasetOutput,
  type DatasetDir,
  GENERATOR_VERSION,
  generateHiddenSplit,
  generateSynth,
  ISEKAI_SAMPLE,
  importDataset,
  loadDataset,
  SYNTH_DEFAULTS,
  synthVersion,
  writeDataset,
} from '@linkboard/datasets';
import type { Env } from './env';
import { CliError } from './errors';
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

/** Where isekai-synth v3 (default seed, nonce names) is generated, beside the default. */
export const synthV3BenchmarkDir = (env: Env) =>
  path.join(env.dataDir, 'benchmarks', 'isekai-synth-v3');

/**
 * isekai-synth v3, generated on first use like the default; not the default itself, which stays
 * v2 so that results already on the leaderboard keep their benchmark.
 */
export async function ensureSynthV3Benchmark(env: Env, io: Io): Promise<DatasetDir> {
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

/** Where a deployment keeps what must not leave it (mode 0700; its files 0600). */
export const secretsDir = (env: Env) => path.join(env.dataDir, 'secrets');

/** The file of the hidden test split's seed. */
export const hiddenSplitSeedFile = (env: Env) =>
  path.join(secretsDir(env), 'isekai-synth-test.seed');

/**
 * A secret of this deployment in `<data>/secrets` (a folder only its owner may enter), made once
 * by `make` and read back as text. 'wx': two starts at once cannot both make one; the second reads
 * the first's. A file others can read is tightened, not trusted less: whoever could read it
 * already has. `problem` says what is wrong with a file's text, or null.
 */
async function deploymentSecret(
  env: Env,
  file: string,
  make: () => string,
  problem: (text: string) => string | null,
): Promise<string> {
  const dir = secretsDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  try {
    await writeFile(file, `${make()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const text = (await readFile(file, 'utf8')).trim();
  const wrong = problem(text);
  if (wrong) throw new CliError(`${file} ${wrong}`);
  return text;
}

/**
 * The seed of this deployment's hidden test split: drawn once at random (from 2^31), kept in the
 * data folder, readable by its owner only.
 */
export async function hiddenSplitSeed(env: Env): Promise<number> {
  const text = await deploymentSecret(
    env,
    hiddenSplitSeedFile(env),
    () => String(randomInt(1, 2 ** 31 - 1)),
    (t) =>
      /^[0-9]+$/.test(t) && Number.isSafeInteger(Number(t)) && Number(t) >= 1
        ? null
        : 'does not hold a seed (a positive whole number); restore it from a backup, or remove it to draw a new hidden split (its results would then be on a different benchmark)',
  );
  return Number(text);
}

/** The file of the ranked draw's key. */
export const rankedKeyFile = (env: Env) => path.join(secretsDir(env), 'ranked.key');

/**
 * The key every ranked draw of this deployment is derived from (core's `drawSeed`): 32 bytes
 * from the operating system's CSPRNG as 64 hex characters, made on first use, never logged or
 * served. Its id (core's `rankedKeyId`) is stored with each ranked run; a new key (the file
 * removed) gets a new id, and runs drawn under the old one keep theirs.
 */
export async function ensureRankedKey(env: Env): Promise<{ key: string; keyId: string }> {
  const key = await deploymentSecret(
    env,
    rankedKeyFile(env),
    () => randomBytes(32).toString('hex'),
    (t) =>
      SECRET_HEX.test(t)
        ? null
        : 'does not hold a ranked-draw key (64 lower-case hex characters); restore it from a backup, or remove it to make a new key (runs drawn under the old one keep its id)',
  );
  return { key, keyId: rankedKeyId(key) };
}

/** Where the hidden test split is generated (mode 0700: its manifest labels every query). */
export const hiddenSplitDir = (env: Env) =>
  path.join(env.dataDir, 'benchmarks', 'isekai-synth-test');

/**
 * isekai-synth's hidden test split, generated on first use from the deployment's secret seed,
 * or given sizes (the same as `dataset generate`'s) when generated by hand.
 */
export async function ensureHiddenSplit(
  env: Env,
  io: Io,
  sizes: { pairs?: number; perConcept?: number; queriesPerConcept?: number } = {},
): Promise<DatasetDir> {
  const dir = hiddenSplitDir(env);
  const existing = await loadDataset(dir).catch(() => null);
  if (existing) return existing;
  await checkDatasetOutput(dir, { force: true });
  io.stderr.write(`generating the hidden test split (isekai-synth, secret seed) into ${dir}\n`);
  const progress = createProgress(io.stderr, 'hidden test split', !env.CI);
  try {
    const written = await writeDataset(
      dir,
      await generateHiddenSplit({
        ...sizes,
        secretSeed: await hiddenSplitSeed(env),
        onProgress: (d, t) => progress.update(d, t),
      }),
      { force: true },
    );
    await chmod(dir, 0o700);
    return written;
  } finally {
    progress.stop();
  }
}

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
    version: `${GENERATOR_VERSION}.${SYNTH_DEFAULTS.seed}`,
    what: 'the embedded default, generated on first use',
    load: ensureDefaultBenchmark,
  },
  {
    name: 'isekai-synth',
    version: synthVersion(3, SYNTH_DEFAULTS.seed),
    what: 'v3: palette traits, hard negatives, nonce names; generated on first use',
    load: ensureSynthV3Benchmark,
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

/** The embedded default benchmark's name and version (`isekai-synth@2.1`). */
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
