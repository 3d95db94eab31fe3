import { type ChildProcess, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexBenchmark, maxShots, parseAdapterConfig, REFERENCE_SERVER } from '@linkboard/core';
import { type DatasetDir, ISEKAI_SAMPLE, importDataset, loadDataset } from '@linkboard/datasets';
import { createSubmission, embeddedUrl, submissionCount } from '@linkboard/db';
import type { Command } from 'commander';
import { familiarFromPairs } from '../adapters/builtin';
import { BUILTIN_MODELS } from '../baselines';
import { noticeTo, type OpenDatabase, openDatabase } from '../database';
import { ensureDefaultBenchmark } from '../defaults';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import { startReferenceServer } from '../server/reference-server';
import { publishDataset } from '../worker/images';
import { runRunner } from '../worker/runner';
import { untilSignal } from './db';

const WEB_DIR = fileURLToPath(new URL('../../../web', import.meta.url));
const NEXT_BIN = fileURLToPath(
  new URL('../../../../node_modules/next/dist/bin/next', import.meta.url),
);
/** The site's server: Next.js behind the leaderboard page cache (apps/web/src/front). */
const SITE_SERVER = path.join(WEB_DIR, 'src', 'front', 'server.ts');

/** Submits the three baselines once, through the reference server, so the real HTTP path runs. */
async function seedBaselines(
  database: OpenDatabase,
  benchmarkVersionId: number,
  dataset: DatasetDir,
) {
  if ((await submissionCount(database.db, benchmarkVersionId)) > 0) return 0;
  const shots = [2, 4, 8, 16].filter((n) => n <= maxShots(indexBenchmark(dataset.manifest)));
  for (const name of BUILTIN_MODELS) {
    await createSubmission(database.db, {
      model: { name, organisation: 'linkboard baselines' },
      benchmarkVersionId,
      adapterConfig: parseAdapterConfig(
        { adapter: 'openai', internal: REFERENCE_SERVER, model: name },
        `the ${name} baseline`,
      ),
      shots,
      policies: ['lcl', 'icl'],
      draws: 1,
    });
  }
  return BUILTIN_MODELS.length;
}

/** host:port of the site, as a browser on this machine reaches it. */
function siteAuthority(env: Env): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(env.LINKBOARD_HOST)
    ? '127.0.0.1'
    : env.LINKBOARD_HOST.includes(':') && !env.LINKBOARD_HOST.startsWith('[')
      ? `[${env.LINKBOARD_HOST}]`
      : env.LINKBOARD_HOST;
  return `${host}:${env.LINKBOARD_PORT}`;
}

async function startSite(env: Env, databaseUrl: string, io: Io): Promise<ChildProcess> {
  const siteEnv = {
    ...env.secrets,
    DATABASE_URL: databaseUrl,
    LINKBOARD_DATA_DIR: env.dataDir,
    BETTER_AUTH_URL: env.secrets.BETTER_AUTH_URL ?? `http://${siteAuthority(env)}`,
    LINKBOARD_HOST: env.LINKBOARD_HOST,
    LINKBOARD_PORT: String(env.LINKBOARD_PORT),
    // The site checks endpoints at submit as the runner does: the same policy, decided here.
    LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: env.endpoints.allowPrivate ? '1' : '0',
    LINKBOARD_ALLOWED_ENDPOINTS: env.endpoints.allowed.join(','),
    NEXT_TELEMETRY_DISABLED: '1',
  };
  const built = await access(path.join(WEB_DIR, '.next', 'BUILD_ID')).then(
    () => true,
    () => false,
  );
  if (!built) {
    io.stdout.write('building the site (first start only; `npm run build` rebuilds it)…\n');
    const build = spawn(process.execPath, [NEXT_BIN, 'build'], {
      cwd: WEB_DIR,
      env: siteEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => build.on('exit', resolve));
    if (code !== 0)
      throw new CliError(
        `building the site failed (exit ${code}); run \`npm run build\` to see why`,
      );
  }
  const site = spawn(process.execPath, ['--import', 'tsx', SITE_SERVER], {
    cwd: WEB_DIR,
    env: siteEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://${siteAuthority(env)}/`;
  for (let i = 0; i < 300; i++) {
    if (site.exitCode !== null)
      throw new CliError(
        `the site exited (code ${site.exitCode}); is port ${env.LINKBOARD_PORT} taken? Set LINKBOARD_PORT`,
      );
    const up = await fetch(`${url}queue`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return site;
    await new Promise((r) => setTimeout(r, 200));
  }
  // The caller never got hold of it: stop it here, or it would outlive this command.
  site.kill('SIGTERM');
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
      const sampleDir = path.join(env.dataDir, 'benchmarks', 'isekai-sample');
      let sample = await loadDataset(sampleDir).catch(() => null);
      if (!sample) {
        io.stdout.write(`importing the ISEKAI sample into ${sampleDir}\n`);
        sample = await importDataset({
          format: 'isekai',
          input: ISEKAI_SAMPLE.records,
          images: ISEKAI_SAMPLE.images,
          out: sampleDir,
          force: true,
        });
      }
      const dataset = await ensureDefaultBenchmark(env, io);
      // From here on Ctrl-C is ours: the runner finishes and gives its jobs back, and only then
      // does the embedded PostgreSQL stop (it no longer hears the terminal's Ctrl-C itself).
      let ready = false;
      const signalled = untilSignal(io);
      void signalled.then((signal) => {
        if (!ready)
          io.stdout.write(`${signal}: stopping once started (Ctrl-C again to stop now)\n`);
      });
      const database = await openDatabase(env, {
        callerStops: true,
        notice: noticeTo(io),
      });
      const stop = new AbortController();
      let reference: Awaited<ReturnType<typeof startReferenceServer>> | undefined;
      let site: ChildProcess | undefined;
      let runner: Promise<void> | undefined;
      try {
        await publishDataset(database.db, env, sample);
        const { benchmarkVersionId } = await publishDataset(database.db, env, dataset);
        reference = await startReferenceServer({
          port: env.LINKBOARD_REFERENCE_PORT,
          familiarOf: familiarFromPairs([...dataset.manifest.pairs, ...sample.manifest.pairs]),
        });
        const seeded = await seedBaselines(database, benchmarkVersionId, dataset);
        if (seeded)
          io.stdout.write(
            `submitted the ${seeded} baselines through the reference server at ${reference.url}\n`,
          );
        runner = runRunner(
          database,
          env,
          {
            concurrency: 8,
            jobs: 4,
            gpus: 'none',
            attemptLimitMs: env.LINKBOARD_ATTEMPT_LIMIT_MS,
            log: (line) => io.stderr.write(`runner: ${line}\n`),
          },
          stop.signal,
        );
        runner.catch((error: unknown) =>
          io.stderr.write(`runner stopped: ${(error as Error).message}\n`),
        );
        const url = env.DATABASE_URL ?? (await embeddedUrl(env.dataDir));
        if (flags.web && url) site = await startSite(env, url, io);
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
        stop.abort();
        site?.kill('SIGTERM');
        await runner?.catch(() => {});
        await reference?.close();
        await database.shutdown();
      }
    });
}
