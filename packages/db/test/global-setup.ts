import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connect, startEmbeddedPostgres } from '../src';
import { migrateDatabase } from '../src/migrate';

async function freePort(): Promise<number> {
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

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-db-test-'));
  await chmod(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const template = server.url.replace(/\/linkboard$/, '/linkboard_template');
  const admin = connect(server.url.replace(/\/linkboard$/, '/postgres'));
  await admin.pool.query('CREATE DATABASE linkboard_template');
  await admin.close();
  const migrated = connect(template);
  await migrateDatabase(migrated.db);
  await migrated.close();
  project.provide('pgUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
