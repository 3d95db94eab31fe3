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

/** The URL of the database `name` on the server that `url` points at. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** The name of the database that `url` points at. */
const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The migrated template database of the run's server (its URL names it);
     * `createTestDatabase` clones it.
     */
    pgUrl: string;
    /**
     * A running PostgreSQL (≥ 15) to test on instead of an embedded one: a superuser URL, set by
     * a vitest project (LINKBOARD_TEST_DATABASE_URL); absent for the embedded server.
     */
    pgServer?: string;
  }
}

/**
 * A vitest globalSetup: one real PostgreSQL for the run, the URL of its migrated template
 * database provided as `pgUrl`; tests make a database each with
 * `createTestDatabase(inject('pgUrl'))`. The server is the project's `pgServer` if it provides
 * one, else an embedded PostgreSQL started for the run.
 */
export async function provideTestServer(project: {
  provide: (key: 'pgUrl', value: string) => void;
  getProvidedContext: () => { pgServer?: string };
}) {
  const external = project.getProvidedContext().pgServer;
  const server = external ? await useExternalServer(external) : await startTestServer();
  project.provide('pgUrl', server.url);
  return server.stop;
}

/** Makes a migrated template database of `name` on the server at `adminUrl`; returns its URL. */
async function createTemplate(adminUrl: string, name: string): Promise<string> {
  const admin = connect(databaseUrl(adminUrl, 'postgres'), { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = databaseUrl(adminUrl, name);
  const template = connect(url);
  await migrateDatabase(template.db);
  await template.close();
  return url;
}

/**
 * A template database of its own on a running server that others may share (another run, other
 * data): a random name, dropped at the end with whatever the run's tests left.
 */
export async function useExternalServer(
  serverUrl: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const name = `linkboard_template_${randomBytes(6).toString('hex')}`;
  const url = await createTemplate(serverUrl, name);
  return {
    url,
    stop: async () => {
      const admin = connect(databaseUrl(serverUrl, 'postgres'), { max: 1 });
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

/**
 * Starts an embedded PostgreSQL in a temporary folder with a migrated template database, for a
 * vitest globalSetup. Returns the template's URL and a stop function.
 */
export async function startTestServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-db-test-'));
  await chmod(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const url = await createTemplate(server.url, 'linkboard_template');
  return {
    url,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A database of its own, cloned from the template database `templateUrl` names; `url` is where it
 * is, `drop` removes it.
 */
export async function createTestDatabase(
  templateUrl: string,
  options: { max?: number } = {},
): Promise<Database & { url: string; drop: () => Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = connect(databaseUrl(templateUrl, 'postgres'), { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name} TEMPLATE ${databaseName(templateUrl)}`);
  await admin.close();
  const url = databaseUrl(templateUrl, name);
  const database = connect(url, options);
  return {
    ...database,
    url,
    async drop() {
      await database.close();
      const again = connect(databaseUrl(templateUrl, 'postgres'), { max: 1 });
      await again.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.close();
    },
  };
}

export { seedRankedBoard } from '../test/board-fixture';
// Fixture benchmarks and seeded submissions, for the packages above the database's tests.
export { fixtureManifest, jobFinisher, resultRows, seedSubmission } from '../test/fixtures';
