import { type ChildProcess, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_SCORER,
  LINK_GAIN_POLICIES,
  localAuthority,
  parseAdapterConfig,
  REFERENCE_SERVER,
} from '@linkboard/core';
import { loadDataset, rankedFamiliarOf } from '@linkboard/datasets';
import { embeddedUrl, getBenchmarkVersion, rankedRunCount, submissionCount } from '@linkboard/db';
import { type Submitter, submit } from '@linkboard/platform';
import type { Command } from 'commander';
import { familiarFromPairs } from '../adapters/builtin';
import { answerKeyOf, BUILTIN_MODELS, LOOKUP, QUERY_ONLY } from '../baselines';
import { noticeTo, type OpenDatabase, openDatabase } from '../database';
import {
  ensureDefaultBenchmark,
  ensureSampleBenchmark,
  synthV2BenchmarkDir,
  withSecretFiles,
} from '../defaults';
import type { Env } from '../env';
import { CliError } from '../errors';
import { type Io, processLog } from '../io';
import { startReferenceServer } from '../server/reference-server';
import { publishDataset } from '../worker/images';
import { runRunner } from '../worker/runner';
import { untilSignal } from './db';

/** The repository root: the site is its workspace `@linkboard/web`, run by its own npm scripts. */
const ROOT_DIR = fileURLToPath(new URL('../../../..', import.meta.url));
const WEB_DIR = path.join(ROOT_DIR, 'apps', 'web');
const SITE_WORKSPACE = '@linkboard/web';
/** After SIGTERM, how long the site may take to close before it is killed. */
const SITE_STOP_MS = 10_000;

/** The platform's own operator: start's seeds go through the same door as everyone's runs. */
const OPERATOR: Submitter = { kind: 'operator' };

/** A baseline as a request of the operator's: a model of the reference server, public. */
const baseline = (name: string) => ({
  name,
  organisation: 'linkboard baselines',
  private: false,
  kind: 'internal' as const,
  adapterConfig: parseAdapterConfig(
    { adapter: 'openai', internal: REFERENCE_SERVER, model: name },
    `the ${name} baseline`,
  ),
});

/**
 * Submits the three baselines once, through the reference server, so the real HTTP path runs:
 * on the version's ranked setting, so they rank, with ICL besides for their link gain.
 */
async function seedBaselines(database: OpenDatabase, env: Env, benchmarkVersionId: number) {
  if ((await submissionCount(database.db, benchmarkVersionId)) > 0) return 0;
  const version = await getBenchmarkVersion(database.db, benchmarkVersionId);
  if (!version) return 0;
  const { shots, draws, policy, scorer } = version.rankedSetting;
  for (const name of BUILTIN_MODELS)
    await submit(database.db, env.platform, OPERATOR, {
      ...baseline(name),
      benchmarkVersionId,
      ranked: false,
      shots,
      policies: [...new Set([policy, LINK_GAIN_POLICIES.linked, LINK_GAIN_POLICIES.plain])],
      draws,
      scorer,
    });
  return BUILTIN_MODELS.length;
}

/**
 * Submits the three baselines, the lookup and query-only once as ranked runs, each on a fresh draw of its own, through the
 * reference server (the draw's size: LINKBOARD_RANKED_PER_POLICY).
 */
async function seedRankedBaselines(database: OpenDatabase, env: Env) {
  if ((await rankedRunCount(database.db)) > 0) return 0;
  // And the two adversaries, listed beside them, never ranked: the lookup (an answer key from the
  // public benchmarks) and query-only (the query image alone, trained on public seeds).
  const models = [...BUILTIN_MODELS, LOOKUP, QUERY_ONLY];
  for (const name of models)
    await withSecretFiles(() =>
      submit(database.db, env.platform, OPERATOR, {
        ...baseline(name),
        ranked: true,
        draws: 1,
        scorer: DEFAULT_SCORER,
      }),
    );
  return models.length;
}

/** host:port of the site, as a browser on this machine reaches it. */
function siteAuthority(env: Env): string {
  return localAuthority(env.LINKBOARD_HOST, env.LINKBOARD_PORT);
}

/**
 * The site as a process: `npm run <script> -w @linkboard/web`, in a process group of its own
 * (npm, its shell and the server), so that stopping it stops all of them.
 */
export interface SiteProcess {
  readonly child: ChildProcess;
  /** SIGTERM to the group, SIGKILL after `SITE_STOP_MS`; resolves once the group is gone. */
  stop(): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

/**
 * What the site needs to know from the platform, as the variables apps/web/src/env.ts reads;
 * everything else of the site's environment (its defaults, BETTER_AUTH_URL…) is the site's.
 */
export function sitePlatformEnv(env: Env, databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    // Absolute: npm runs the site's scripts in apps/web.
    LINKBOARD_DATA_DIR: env.dataDir,
    LINKBOARD_HOST: env.LINKBOARD_HOST,
    LINKBOARD_PORT: String(env.LINKBOARD_PORT),
    // The site checks endpoints at submit as the runner does: the same policy, decided here.
    LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: env.endpoints.allowPrivate ? '1' : '0',
    // The platform's limits, as the CLI's submissions on an account's behalf are held to them.
    LINKBOARD_DAILY_QUOTA: String(env.platform.dailyQuota),
    LINKBOARD_MAX_EPISODES: String(env.platform.maxEpisodes),
    LINKBOARD_DAILY_CONNECTION_TESTS: String(env.platform.dailyConnectionTests),
    LINKBOARD_RANKED_OPEN: env.platform.rankedOpen ? '1' : '0',
    ...(env.platform.rankedPerPolicy !== undefined && {
      LINKBOARD_RANKED_PER_POLICY: String(env.platform.rankedPerPolicy),
    }),
  };
}

function runSiteScript(
  script: 'build' | 'start',
  env: Env,
  databaseUrl: string,
  /** Each line the script prints (the build's own progress); absent: its output is dropped. */
  onLine?: (line: string) => void,
): SiteProcess {
  const child = spawn(
    'npm',
    ['run', script, '--silent', '--no-update-notifier', '-w', SITE_WORKSPACE],
    {
      cwd: ROOT_DIR,
      env: { ...env.secrets, ...sitePlatformEnv(env, databaseUrl) },
      stdio: ['ignore', onLine ? 'pipe' : 'ignore', 'inherit'],
      detached: true,
    },
  );
  if (onLine && child.stdout) {
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line.trimEnd());
    });
  }
  const pid = child.pid;
  // However this process ends (a second Ctrl-C exits at once), the site does not outlive it.
  const orphaned = () => pid !== undefined && signalGroup(pid, 'SIGKILL');
  process.once('exit', orphaned);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('error', () => {});
  return {
    child,
    async stop() {
      if (pid === undefined) return;
      signalGroup(pid, 'SIGTERM');
      const deadline = Date.now() + SITE_STOP_MS;
      // npm and its shell may be gone before the server has closed: wait for the whole group.
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      signalGroup(pid, 'SIGKILL');
      await exited;
      process.off('exit', orphaned);
    },
  };
}

async function startSite(env: Env, databaseUrl: string, io: Io): Promise<SiteProcess> {
  const built = await access(path.join(WEB_DIR, '.next', 'BUILD_ID')).then(
    () => true,
    () => false,
  );
  if (!built) {
    io.stdout.write('building the site (first start only; `npm run build` rebuilds it)…\n');
    // The build's own progress, indented: it is the longest phase of a first start.
    const build = runSiteScript('build', env, databaseUrl, (line) =>
      io.stdout.write(`  build │ ${line}\n`),
    );
    const code = await new Promise<number | null>((resolve) =>
      build.child.once('close', (exitCode) => resolve(exitCode)),
    );
    if (code !== 0)
      throw new CliError(
        `building the site failed (exit ${code}); run \`npm run build\` to see why`,
      );
  }
  const site = runSiteScript('start', env, databaseUrl);
  const url = `http://${siteAuthority(env)}/`;
  for (let i = 0; i < 300; i++) {
    if (site.child.exitCode !== null)
      throw new CliError(
        `the site exited (code ${site.child.exitCode}); is port ${env.LINKBOARD_PORT} taken? Set LINKBOARD_PORT`,
      );
    const up = await fetch(`${url}queue`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return site;
    await new Promise((r) => setTimeout(r, 200));
  }
  // The caller never got hold of it: stop it here, or it would outlive this command.
  await site.stop();
  throw new CliError('the site did not answer within a minute');
}

/**
 * `linkboard start`: the whole platform on the embedded defaults. The embedded PostgreSQL
 * (migrated), the default benchmark (generated if missing) and the ISEKAI sample, the reference
 * server with the baselines submitted through it, a runner, and the site. Ctrl-C stops it all.
 */
export function registerStart(program: Command, io: Io, env: Env): void {
  program
    .command('start')
    .description(
      'start linkboard on its embedded defaults: database, benchmarks, baselines, runner and site',
    )
    .option('--no-web', 'everything but the site')
    .action(async (flags: { web: boolean }) => {
      if (!env.DATABASE_URL && (await embeddedUrl(env.dataDir))) {
        throw new CliError(
          `linkboard is already running on ${env.dataDir} (its PostgreSQL is up); use that one, or stop it with Ctrl-C in its terminal first`,
        );
      }
      const started = performance.now();
      // One line per phase with its time, so a slow first start says where it spends it.
      const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
        const from = performance.now();
        const result = await work();
        io.stdout.write(`${name}: ${((performance.now() - from) / 1000).toFixed(1)} s\n`);
        return result;
      };
      const { sample, dataset, v2 } = await phase('benchmarks ready', async () => ({
        sample: await ensureSampleBenchmark(env, io, io.stdout),
        dataset: await ensureDefaultBenchmark(env, io),
        // v2, the default before v3, stays on the site where it was generated before (its board
        // is history); a fresh start does not make it.
        v2: await loadDataset(synthV2BenchmarkDir(env)).catch(() => null),
      }));
      // From here on Ctrl-C is ours: the runner finishes and gives its jobs back, and only then
      // does the embedded PostgreSQL stop (it no longer hears the terminal's Ctrl-C itself).
      let ready = false;
      const signalled = untilSignal(io);
      void signalled.then((signal) => {
        if (!ready)
          io.stdout.write(`${signal}: stopping once started (Ctrl-C again to stop now)\n`);
      });
      const database = await phase('database started and migrated', () =>
        openDatabase(env, { callerStops: true, notice: noticeTo(io) }),
      );
      const stop = new AbortController();
      let reference: Awaited<ReturnType<typeof startReferenceServer>> | undefined;
      let site: SiteProcess | undefined;
      let runner: Promise<void> | undefined;
      try {
        const { benchmarkVersionId } = await phase('benchmarks published', async () => {
          await publishDataset(database.db, env, sample);
          if (v2) await publishDataset(database.db, env, v2);
          return publishDataset(database.db, env, dataset);
        });
        reference = await startReferenceServer({
          port: env.LINKBOARD_REFERENCE_PORT,
          familiarOf: (
            (known) => (candidates: readonly string[]) =>
              known(candidates) ?? rankedFamiliarOf(candidates)
          )(
            familiarFromPairs([
              ...dataset.manifest.pairs,
              ...sample.manifest.pairs,
              ...(v2?.manifest.pairs ?? []),
            ]),
          ),
          // The lookup reference model's key: the public benchmarks' query labels.
          answerKey: answerKeyOf([dataset.manifest, sample.manifest, ...(v2 ? [v2.manifest] : [])]),
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EADDRINUSE') throw error;
          throw new CliError(
            `the reference server cannot listen on port ${env.LINKBOARD_REFERENCE_PORT}: it is taken (another linkboard start?); set LINKBOARD_REFERENCE_PORT to a free one`,
          );
        });
        // The public benchmark's first: its drill-down is what a newcomer explores first.
        const seeded = await phase(
          'baselines queued',
          async () =>
            (await seedBaselines(database, env, benchmarkVersionId)) +
            (await seedRankedBaselines(database, env)),
        );
        if (seeded)
          io.stdout.write(
            `submitted ${seeded} baseline runs through the reference server at ${reference.url}\n`,
          );
        const log = processLog(io, 'runner');
        runner = runRunner(
          database,
          env,
          {
            concurrency: 8,
            jobs: 4,
            gpus: 'none',
            attemptLimitMs: env.LINKBOARD_ATTEMPT_LIMIT_MS,
            log: (line) => log.info(line),
          },
          stop.signal,
        );
        runner.catch((error: unknown) => log.error(`stopped: ${(error as Error).message}`));
        const url = env.DATABASE_URL ?? (await embeddedUrl(env.dataDir));
        if (flags.web && url) site = await phase('site up', () => startSite(env, url, io));
        io.stdout.write(
          [
            `linkboard is running (ready in ${((performance.now() - started) / 1000).toFixed(1)} s):`,
            flags.web ? `  site      http://${siteAuthority(env)}/` : '  site      off (--no-web)',
            `  database  ${database.where}`,
            `  models    reference server ${reference.url}`,
            `  data      ${env.dataDir}`,
            'Ctrl-C stops it.',
            '',
          ].join('\n'),
        );
        ready = true;
        const signal = await signalled;
        io.stdout.write(`stopping (${signal})\n`);
      } finally {
        const stopping = performance.now();
        stop.abort();
        await site?.stop();
        await runner?.catch(() => {});
        await reference?.close();
        await database.shutdown();
        io.stdout.write(
          `stopped: site, runner, reference server and database (${((performance.now() - stopping) / 1000).toFixed(1)} s)\n`,
        );
      }
    });
}
