import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** One pool per process; the same driver and SQL for the embedded server and any PostgreSQL ≥ 15. */
export function connect(
  url: string,
  options: {
    max?: number;
    /** Give up on a new connection after this (default: wait). */
    connectTimeoutMs?: number;
    /** Give up on a query's answer after this (default: wait). */
    queryTimeoutMs?: number;
  } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 0,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
  });
  // An idle client's error (a restarted server) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor one that arrives on a client after its query already failed and it went back to the pool
  // (a server shutting down sends "terminating connection", then closes the socket: two errors,
  // the second with nobody left listening). The failed query has reported the outage already.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzle(pool, { schema }) as Db;
  return { db, pool, close: () => pool.end() };
}

/**
 * Whether PostgreSQL at `url` answers a query within `timeoutMs`, on a connection of its own
 * (a pool's would wait in its queue): how the site tells an outage from a failing page.
 */
export async function databaseReachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
