import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openDatabase } from '../database';
import type { Env } from '../env';
import { type Io, processLog } from '../io';
import { parsePositiveInt } from '../options';
import { runRunner } from '../worker/runner';

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
    .action(
      async (flags: {
        concurrency: number;
        jobs: number;
        gpus: number[] | 'auto' | 'none';
        once?: boolean;
      }) => {
        const log = processLog(io, 'runner');
        const database = await openDatabase(env, { notice: (line) => log.info(line) });
        const stop = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          log.info(`${signal}: finishing in-flight requests, then giving the job back`);
          stop.abort();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        log.info(
          `working on ${database.where} (${flags.jobs} job(s) at once, concurrency ${flags.concurrency} each, GPUs ${Array.isArray(flags.gpus) ? flags.gpus.join(',') : flags.gpus})`,
        );
        try {
          await runRunner(
            database,
            env,
            {
              concurrency: flags.concurrency,
              jobs: flags.jobs,
              gpus: flags.gpus,
              once: flags.once,
              attemptLimitMs: env.LINKBOARD_ATTEMPT_LIMIT_MS,
              log: (line) => log.info(line),
            },
            stop.signal,
          );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await database.shutdown();
        }
      },
    );
}
