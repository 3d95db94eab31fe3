import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type Database } from './client';
import { startEmbeddedPostgres } from './embedded';
import { migrateDatabase } from './migrate';

/** Test support for packages that use the database: a real PostgreSQL and a database per test. */

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

/**
 * A vitest globalSetup: one real PostgreSQL for the run, its URL provided as `pgUrl`; tests make
 * a database each with `createTestDatabase(inject('pgUrl'))`.
 */
export async function provideTestServer(project: {
  provide: (key: 'pgUrl', value: string) => void;
}) {
  const server = await startTestServer();
  project.provide('pgUrl', server.url);
  return server.stop;
}

/**
 * Starts an embedded PostgreSQL in a temporary folder with a migrated template database, for a
 * vitest globalSetup. Returns its URL and a stop function.
 */
export async function startTestServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-db-test-'));
  await chmod(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const admin = connect(server.url.replace(/\/linkboard$/, '/postgres'));
  await admin.pool.query('CREATE DATABASE linkboard_template');
  await admin.close();
  const template = connect(server.url.replace(/\/linkboard$/, '/linkboard_template'));
  await migrateDatabase(template.db);
  await template.close();
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A database of its own, cloned from the migrated template; `drop` removes it. */
export async function createTestDatabase(
  serverUrl: string,
  options: { max?: number } = {},
): Promise<Database & { drop: () => Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = connect(serverUrl.replace(/\/linkboard$/, '/postgres'), { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name} TEMPLATE linkboard_template`);
  await admin.close();
  const database = connect(serverUrl.replace(/\/linkboard$/, `/${name}`), options);
  return {
    ...database,
    async drop() {
      await database.close();
      const again = connect(serverUrl.replace(/\/linkboard$/, '/postgres'), { max: 1 });
      await again.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.close();
    },
  };
}
