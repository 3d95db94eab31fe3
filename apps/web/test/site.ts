import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureManifest } from '@linkboard/core/testing';
import { importBenchmark, users } from '@linkboard/db';
import { createTestDatabase } from '@linkboard/db/testing';
import { inject } from 'vitest';

export const alice = { id: 'user-alice', role: 'submitter' as const, via: 'session' as const };
export const bob = { id: 'user-bob', role: 'submitter' as const, via: 'session' as const };
export const admin = { id: 'user-admin', role: 'admin' as const, via: 'session' as const };

export type TestViewer = { id: string; role: 'submitter' | 'admin'; via: 'session' | 'token' };

/**
 * The site's routers on a database of their own, as a server started with `settings` has them
 * (the site reads its settings once, at import, so call this before anything imports it): a
 * one-pair benchmark and the users alice, bob and admin.
 */
export async function openTestSite(benchmark: string, settings: Record<string, string> = {}) {
  Object.assign(process.env, settings, {
    LINKBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'linkboard-web-test-')),
  });
  const database = await createTestDatabase(inject('pgUrl'));
  process.env.DATABASE_URL = database.pool.options.connectionString ?? '';
  const routers = await import('../src/server/routers');
  const trpc = await import('../src/server/trpc');
  const { benchmarkVersionId: versionId } = await importBenchmark(
    database.db,
    fixtureManifest({ name: benchmark, pairs: 1, supportPerConcept: 4 }),
  );
  await database.db.insert(users).values([
    { id: alice.id, name: 'Alice', email: 'alice@example.com' },
    { id: bob.id, name: 'Bob', email: 'bob@example.com' },
    { id: admin.id, name: 'Admin', email: 'admin@example.com', role: 'admin' },
  ]);
  const caller = (viewer: TestViewer | null) =>
    trpc.createCallerFactory(routers.appRouter)({ db: database.db, viewer, fill: false });
  return { database, versionId, caller, trpc };
}
