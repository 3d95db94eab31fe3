import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildEpisodes,
  type Episode,
  type EpisodeSetSpec,
  indexBenchmark,
  type Manifest,
  scoreAll,
} from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import {
  claimJob,
  completeJob,
  conceptIdsByKey,
  type Db,
  importBenchmark,
  users,
  writeResults,
} from '@linkboard/db';
import { createTestDatabase } from '@linkboard/db/testing';
import { inject } from 'vitest';
import type { Viewer } from '../src/server/trpc';

export const alice = { id: 'user-alice', role: 'submitter' as const, via: 'session' as const };
export const bob = { id: 'user-bob', role: 'submitter' as const, via: 'session' as const };
export const admin = { id: 'user-admin', role: 'admin' as const, via: 'session' as const };

/** A viewer as the site's context holds one (a key's viewer carries its scopes). */
export type TestViewer = Viewer;

/**
 * The site's routers on a database of their own, as a server started with `settings` has them
 * (the site reads its settings once, at import, so call this before anything imports it): a
 * one-pair benchmark and the users alice, bob and admin.
 */
export async function openTestSite(benchmark: string, settings: Record<string, string> = {}) {
  // As `linkboard start` passes it on a personal install (private endpoints allowed, said
  // explicitly: a site given only DATABASE_URL is a shared one and refuses them by default).
  Object.assign(process.env, { LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' }, settings, {
    LINKBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'linkboard-web-test-')),
  });
  const database = await createTestDatabase(inject('pgUrl'));
  process.env.DATABASE_URL = database.pool.options.connectionString ?? '';
  const routers = await import('../src/server/routers');
  const trpc = await import('../src/server/trpc');
  const manifest = fixtureManifest({ name: benchmark, pairs: 1, supportPerConcept: 4 });
  const { benchmarkVersionId: versionId } = await importBenchmark(database.db, manifest);
  await database.db.insert(users).values([
    { id: alice.id, name: 'Alice', email: 'alice@example.com' },
    { id: bob.id, name: 'Bob', email: 'bob@example.com' },
    { id: admin.id, name: 'Admin', email: 'admin@example.com', role: 'admin' },
  ]);
  const caller = (viewer: TestViewer | null) =>
    trpc.createCallerFactory(routers.appRouter)({ db: database.db, viewer, fill: false });
  // The version by its one name, as a request names it; `versionId` is for the site's own
  // procedures and the database.
  const named = `${manifest.benchmark.name}@${manifest.benchmark.version}`;
  return { database, versionId, benchmark: named, caller, trpc };
}

/**
 * Works the one queued job of a submission as a runner would (claim, write every answer, complete):
 * `answer(episode, i)` is what the model said to episode i, null for no answer (a timeout). The
 * submission must be the only thing queued, and fit one job (its `shardSize`).
 */
export async function answerQueuedJob(
  db: Db,
  options: {
    benchmarkVersionId: number;
    manifest: Manifest;
    spec: EpisodeSetSpec;
    answer: (episode: Episode, i: number) => string | null;
  },
) {
  const { benchmarkVersionId, manifest, spec, answer } = options;
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const episodes = [...buildEpisodes(indexBenchmark(manifest), spec)];
  const lease = await claimJob(db, { worker: 'test', leaseMs: 30_000 });
  if (!lease) throw new Error('no job was queued');
  await writeResults(
    db,
    lease,
    episodes.map((episode, i) => {
      const raw = answer(episode, i);
      return {
        episode,
        conceptId: conceptIds.get(episode.query.conceptId) as number,
        rawAnswer: raw,
        errorClass: raw === null ? 'timeout' : null,
        verdicts: scoreAll(raw, episode.query.label, episode.query.other),
        latencyMs: 100 + i,
      };
    }),
    benchmarkVersionId,
  );
  const completed = await completeJob(
    db,
    lease,
    episodes.map((e) => e.id),
  );
  return { episodes, conceptIds, completed };
}

/**
 * A real session, signed up through better-auth's route as the site's form does it (from `origin`,
 * the site's own): the new user's id and the Cookie header that carries the session.
 */
export async function signUpSession(origin: string, name: string, email: string) {
  const { POST } = await import('../src/app/api/auth/[...all]/route');
  const signedUp = await POST(
    new Request(`${origin}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ name, email, password: 'a-good-password' }),
    }),
  );
  if (signedUp.status !== 200) throw new Error(`sign-up answered ${signedUp.status}`);
  const userId = ((await signedUp.json()) as { user: { id: string } }).user.id;
  const cookie = signedUp.headers
    .getSetCookie()
    .map((c) => c.split(';', 1)[0])
    .join('; ');
  return { userId, cookie };
}
