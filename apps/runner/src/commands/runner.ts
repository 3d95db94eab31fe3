import path from 'node:path';
import { createRunnerToken, listRunnerTokens, revokeRunnerToken } from '@linkboard/db';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type OpenDatabase, openDatabase, withDatabase } from '../database';
import type { Env } from '../env';
import { CliError } from '../errors';
import { type Io, processLog } from '../io';
import { parsePositiveInt, secretFromEnv } from '../options';
import { databaseQueue, type Queue } from '../worker/queue';
import { runQueue, runRunner } from '../worker/runner';
import { siteQueue } from '../worker/site-queue';

function parseGpus(value: string): number[] | 'auto' | 'none' {
  if (value === 'auto' || value === 'none') return value;
  const list = value.split(',').map((v) => v.trim());
  if (!list.every((v) => /^\d+$/.test(v)))
    throw new InvalidArgumentError(
      `"${value}" is not auto, none or a list of GPU indices like 0,1`,
    );
  return list.map(Number);
}

export function registerRunner(program: Command, io: Io, env: Env): void {
  program
    .command('runner')
    .description(
      'claim and run submission jobs until stopped (SIGTERM/Ctrl-C finishes in-flight work and gives the rest back)',
    )
    .option('--concurrency <n>', 'requests in flight per job', parsePositiveInt, 8)
    .option(
      '--jobs <n>',
      'jobs with model calls worked at once (one submitter gets at most all but one; uploads have a lane of their own)',
      parsePositiveInt,
      2,
    )
    .option(
      '--gpus <list>',
      'GPUs for serve jobs: auto, none, or indices like 0,1',
      parseGpus,
      'auto' as const,
    )
    .option('--once', 'exit when the queue is empty')
    .option(
      '--site <url>',
      "take jobs through a linkboard site's runner API (with --token-env) instead of the database",
    )
    .option(
      '--token-env <var>',
      'environment variable holding the runner token (an operator creates one: linkboard runner-token create)',
    )
    .action(
      async (flags: {
        concurrency: number;
        jobs: number;
        gpus: number[] | 'auto' | 'none';
        once?: boolean;
        site?: string;
        tokenEnv?: string;
      }) => {
        const log = processLog(io, 'runner');
        let queue: Queue;
        let database: OpenDatabase | undefined;
        let runEnv = env;
        let shutdown = async () => {};
        if (flags.site) {
          if (!flags.tokenEnv)
            throw new CliError(
              '--site needs --token-env naming an environment variable that holds a runner token',
            );
          let site: URL;
          try {
            site = new URL(flags.site);
          } catch {
            throw new CliError(`--site ${flags.site}: not a URL`);
          }
          if (site.protocol !== 'https:' && site.protocol !== 'http:')
            throw new CliError(`--site ${flags.site}: use an http(s) URL`);
          queue = siteQueue({
            site: site.href,
            token: secretFromEnv(env.secrets, '--token-env', flags.tokenEnv),
            cacheDir: path.join(env.dataDir, 'runner-cache'),
          });
          // A host lent to a site runs endpoints other people name: its own network stays out of
          // reach unless its operator says otherwise.
          if (env.LINKBOARD_ALLOW_PRIVATE_ENDPOINTS === undefined) {
            const endpoints = { ...env.endpoints, allowPrivate: false };
            runEnv = { ...env, endpoints, platform: { ...env.platform, endpoints } };
          }
        } else {
          if (flags.tokenEnv) throw new CliError('--token-env goes with --site');
          const opened = await openDatabase(env, { notice: (line) => log.info(line) });
          database = opened;
          queue = databaseQueue(opened, env);
          shutdown = () => opened.shutdown();
        }
        const stop = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          log.info(`${signal}: finishing in-flight requests, then giving the job back`);
          stop.abort();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        log.info(
          `working on ${queue.where} (${flags.jobs} job(s) at once, concurrency ${flags.concurrency} each, GPUs ${Array.isArray(flags.gpus) ? flags.gpus.join(',') : flags.gpus})`,
        );
        const options = {
          concurrency: flags.concurrency,
          jobs: flags.jobs,
          gpus: flags.gpus,
          once: flags.once,
          attemptLimitMs: env.LINKBOARD_ATTEMPT_LIMIT_MS,
          log: (line: string) => log.info(line),
        };
        try {
          // On the database, the runner also delivers the webhook outbox (runRunner).
          if (database) await runRunner(database, runEnv, options, stop.signal, queue);
          else await runQueue(queue, runEnv, options, stop.signal);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await shutdown();
        }
      },
    );

  const tokens = program
    .command('runner-token')
    .description(
      "runner tokens: what a runner on another host presents to the site's runner API (operator only: needs the database)",
    );
  tokens
    .command('create')
    .description('create a runner token; it is printed once and stored only as its hash')
    .requiredOption('--name <name>', 'which host or lab holds it (shown in every lease it takes)')
    .action(async (flags: { name: string }) => {
      await withDatabase(env, io, async (database) => {
        const created = await createRunnerToken(database.db, flags.name);
        io.stderr.write(
          `linkboard: runner token "${created.name}" created; it is shown this once. Run a runner with it:\n  LINKBOARD_RUNNER_TOKEN=<token> linkboard runner --site <site URL> --token-env LINKBOARD_RUNNER_TOKEN\n`,
        );
        io.stdout.write(`${created.token}\n`);
      });
    });
  tokens
    .command('list')
    .description('list runner tokens (names and use, never the tokens)')
    .action(async () => {
      await withDatabase(env, io, async (database) => {
        const rows = await listRunnerTokens(database.db);
        if (rows.length === 0) io.stdout.write('no runner tokens\n');
        for (const t of rows)
          io.stdout.write(
            `${t.name}\tcreated ${t.createdAt.toISOString()}\tlast used ${t.lastUsedAt?.toISOString() ?? 'never'}\t${t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'active'}\n`,
          );
      });
    });
  tokens
    .command('revoke <name>')
    .description("revoke a runner token: its runner's next request is refused")
    .action(async (name: string) => {
      await withDatabase(env, io, async (database) => {
        if (!(await revokeRunnerToken(database.db, name)))
          throw new CliError(
            `no active runner token named "${name}" (see linkboard runner-token list)`,
          );
        io.stderr.write(
          `linkboard: runner token "${name}" revoked; jobs it held resume elsewhere once their leases expire\n`,
        );
      });
    });
}
