import path from 'node:path';
import { startEmbeddedPostgres } from '@linkboard/db';
import type { Command } from 'commander';
import { maskUrl, openDatabase } from '../database';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
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
  db.command('migrate')
    .description(
      'apply the committed migrations (starting the embedded server for the purpose if needed)',
    )
    .action(async () => {
      const started = performance.now();
      const database = await openDatabase(env);
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
      const server = await startEmbeddedPostgres({
        dataDir: env.dataDir,
        port: env.LINKBOARD_PG_PORT,
      });
      const database = await openDatabase(env);
      await database.close();
      io.stdout.write(
        `embedded PostgreSQL running at ${maskUrl(server.url)} (credentials in ${path.join(env.dataDir, 'postgres.json')}); Ctrl-C stops it\n`,
      );
      const signal = await untilSignal();
      await server.stop();
      io.stdout.write(`stopped (${signal})\n`);
    });
}
