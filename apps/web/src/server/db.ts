import 'server-only';
import { connect, type Database, embeddedUrl } from '@linkboard/db';
import { env } from '~/env';

let database: Promise<Database> | undefined;

/** One pool per server process: DATABASE_URL, or the embedded server of the data folder. */
export function getDatabase(): Promise<Database> {
  database ??= (async () => {
    const url = env.DATABASE_URL ?? (await embeddedUrl(env.dataDir));
    if (!url)
      throw new Error(
        `no database: set DATABASE_URL, or start linkboard (npm start) on ${env.dataDir}`,
      );
    return connect(url, { max: 10 });
  })();
  return database;
}
