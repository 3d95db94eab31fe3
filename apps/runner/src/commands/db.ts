import path from 'node:path';
import { getScorer, scorerNames } from '@linkboard/core';
import { rescorableSubmissionIds, rescoreSubmission, startEmbeddedPostgres } from '@linkboard/db';
import type { Command } from 'commander';
import { maskUrl, noticeTo, openDatabase, withDatabase } from '../database';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import { parseScorer, scorerHelp } from '../options';

/**
 * Resolves on the first SIGINT or SIGTERM, from the moment it is called (call it before starting
 * anything that the stop must wait for). A second signal does not wait: it exits at once, which
 * still stops an embedded PostgreSQL through its exit hook.
 */
export function untilSignal(io?: Io): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const again = () => {
      io?.stderr.write('stopping now\n');
      process.exit(130);
    };
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function registerDb(program: Command, io: Io, env: Env): void {
  const db = program
    .command('db')
    .description('the PostgreSQL database: embedded by default, DATABASE_URL otherwise');
  db.command('rescore [ids...]')
    .description(
      "score finished submissions (and ranked runs that ended otherwise) again from their stored answers, no model calls: after a scorer's new version, say",
    )
    .option('--all', 'every finished submission, and every ranked run that ended')
    .option('--scorer <name>', `${scorerHelp()} (default: every registered scorer)`, parseScorer)
    .action(async (ids: string[], flags: { all?: boolean; scorer?: string }) => {
      if (Boolean(flags.all) === ids.length > 0)
        throw new CliError('name the submissions to re-score (ids), or give --all, not both');
      const bad = ids.find((id) => !/^\d{1,10}$/.test(id) || Number(id) < 1);
      if (bad !== undefined) throw new CliError(`"${bad}" is not a submission id`);
      const names = flags.scorer ? [flags.scorer] : scorerNames();
      await withDatabase(env, io, async ({ db: handle }) => {
        const rescorable = new Set(await rescorableSubmissionIds(handle));
        const targets = flags.all ? [...rescorable] : ids.map(Number);
        // Finished ones, and ranked runs that ended otherwise (the ranked board counts their
        // verdicts); a running one scores as it goes. All are checked before any is touched.
        const unfinished = targets.filter((id) => !rescorable.has(id));
        if (unfinished.length > 0)
          throw new CliError(
            `not finished (or not there): submission ${unfinished.join(', ')}; nothing was re-scored`,
          );
        for (const id of targets) {
          for (const name of names) {
            const n = await rescoreSubmission(handle, id, name);
            io.stdout.write(
              `submission ${id}: ${n} results re-scored with ${name} v${getScorer(name).version}\n`,
            );
          }
        }
        if (targets.length === 0) io.stdout.write('no finished submissions\n');
      });
    });
  db.command('migrate')
    .description(
      'apply the committed migrations (starting the embedded server for the purpose if needed)',
    )
    .action(async () => {
      const started = performance.now();
      const database = await openDatabase(env, { notice: noticeTo(io) });
      await database.shutdown();
      io.stdout.write(
        `migrated ${database.where} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
  db.command('start')
    .description('run the embedded PostgreSQL in the foreground until Ctrl-C, migrated')
    .action(async () => {
      if (env.DATABASE_URL)
        throw new CliError(
          'DATABASE_URL is set: linkboard uses that server and starts none of its own',
        );
      const signalled = untilSignal(io);
      const server = await startEmbeddedPostgres({
        dataDir: env.dataDir,
        port: env.LINKBOARD_PG_PORT,
        callerStops: true,
        notice: noticeTo(io),
      });
      let signal: NodeJS.Signals;
      try {
        const database = await openDatabase(env);
        await database.close();
        io.stdout.write(
          `embedded PostgreSQL running at ${maskUrl(server.url)} (credentials in ${path.join(env.dataDir, 'postgres.json')}); Ctrl-C stops it\n`,
        );
        const ended = await Promise.race([
          signalled.then((s) => ({ signal: s })),
          server.exited.then((how) => ({ died: how })),
        ]);
        if ('died' in ended)
          throw new CliError(
            `the embedded PostgreSQL stopped on its own (${ended.died}); its log lines are above, and its data in ${path.join(env.dataDir, 'postgres')}`,
          );
        signal = ended.signal;
      } finally {
        await server.stop();
      }
      io.stdout.write(`stopped (${signal})\n`);
    });
}
