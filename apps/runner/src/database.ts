import { connect, type Database, embeddedUrl, startEmbeddedPostgres } from '@linkboard/db';
import { migrateDatabase } from '@linkboard/db/migrate';
import type { Env } from './env';
import type { Io } from './io';

/** Notices from opening the database, as a command prints them. */
export const noticeTo =
  (io: Io) =>
  (line: string): void => {
    io.stderr.write(`linkboard: ${line}\n`);
  };

export interface OpenDatabase extends Database {
  /** Where it is, with the password masked: safe to print. */
  where: string;
  /** Stops the embedded server if this process started it. */
  shutdown(): Promise<void>;
}

export const maskUrl = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/**
 * The database this process uses: DATABASE_URL if set; else the embedded server under the data
 * folder, joining it if another linkboard process runs it, starting it otherwise. Migrations are
 * applied either way. `callerStops`: the command handles SIGINT/SIGTERM (see `untilSignal`) and
 * calls `shutdown()` after its own work, so an embedded server it starts outlives the Ctrl-C.
 */
export async function openDatabase(
  env: Env,
  options: {
    callerStops?: boolean;
    /** False for commands that only read: an embedded cluster is never created for them. */
    create?: boolean;
    /** Where linkboard's own notices about the embedded server go (a line each). */
    notice?: (line: string) => void;
  } = {},
): Promise<OpenDatabase> {
  let url = env.DATABASE_URL ?? (await embeddedUrl(env.dataDir));
  let stopServer = async () => {};
  if (!url) {
    const server = await startEmbeddedPostgres({
      dataDir: env.dataDir,
      port: env.LINKBOARD_PG_PORT,
      callerStops: options.callerStops,
      create: options.create,
      notice: options.notice,
    });
    url = server.url;
    stopServer = () => server.stop();
  }
  const database = connect(url);
  try {
    await migrateDatabase(database.db);
  } catch (error) {
    await database.close();
    await stopServer();
    throw error;
  }
  return {
    ...database,
    where: maskUrl(url),
    async shutdown() {
      await database.close();
      await stopServer();
    },
  };
}

/** Runs one piece of work on the database (opened, migrated, and shut down after, whatever happens). */
export async function withDatabase<T>(
  env: Env,
  io: Io,
  work: (database: OpenDatabase) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(env, { notice: noticeTo(io) });
  try {
    return await work(database);
  } finally {
    await database.shutdown();
  }
}
