import { createServer, type Socket } from 'node:net';
import { fixtureProvenanceFacts } from '@linkboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  claimJob,
  createSubmission,
  heartbeat,
  LEADERBOARD_CHANNEL,
  type LeaderboardWatch,
  recordProvenance,
  registerModel,
  setVisibility,
  watchLeaderboard,
} from '../../src';
import { jobFinisher, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const watches: LeaderboardWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.close()));
});

/**
 * Records what the watch hears, once it listens; `until` waits for a reason to arrive (tests
 * time out otherwise); `heardBefore` sends a marker and returns what arrived before it, sorted
 * (notifications arrive in commit order, so that is all there was).
 */
async function listen(pool: import('pg').Pool) {
  const url = pool.options.connectionString as string;
  const heard: string[] = [];
  const waiting: { reason: string; resolve: () => void }[] = [];
  const watch = watchLeaderboard(url, (reason) => {
    heard.push(reason);
    for (const w of waiting.filter((w) => w.reason === reason)) w.resolve();
  });
  watches.push(watch);
  const until = (reason: string) =>
    heard.includes(reason)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.push({ reason, resolve }));
  await until('listening');
  const heardBefore = async (marker: string) => {
    await pool.query('SELECT pg_notify($1, $2)', [LEADERBOARD_CHANNEL, marker]);
    await until(marker);
    return heard.splice(0).slice(0, -1).sort();
  };
  return { heard, until, watch, heardBefore };
}

describe('leaderboard change events', () => {
  it('speak when a submission finishes or changes visibility, not on claims, progress or provenance', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { shardSize: 8 });
    const { submissionId, modelId } = seeded;
    const finish = await jobFinisher(db, seeded, { shots: [2, 4] });
    const { heard, heardBefore } = await listen(pool);
    heard.length = 0;

    const leases = [];
    for (let lease = await claimJob(db, { worker: 'w', leaseMs: 30_000 }); lease; ) {
      leases.push(lease);
      await heartbeat(db, lease, { leaseMs: 30_000, runInfo: { done: 1 } });
      lease = await claimJob(db, { worker: 'w', leaseMs: 30_000 });
    }
    expect(leases.length).toBeGreaterThan(1); // the second claim's status update is a no-op
    await recordProvenance(db, submissionId, fixtureProvenanceFacts());
    await registerModel(db, { name: 'model-b' });
    expect(await heardBefore('after-claims')).toEqual([]);

    for (const lease of leases.slice(0, -1)) await finish(db, lease);
    expect(await heardBefore('after-partial-completion')).toEqual([]);

    await finish(db, leases.at(-1)!);
    expect(await heardBefore('after-done')).toEqual(['submissions']);
    // The runner's aggregates land before the status flips; new ones for a listed run speak.
    await pool.query(
      `INSERT INTO submission_summaries VALUES ($1, 'official', 'icl', 10, 5, 0, 0, 0, '{}')`,
      [submissionId],
    );
    expect(await heardBefore('after-new-summary')).toEqual(['submission_summaries']);

    expect(await setVisibility(db, submissionId, 'withdrawn')).toBe(true);
    expect(await heardBefore('after-withdraw')).toEqual(['submissions']);

    await pool.query('UPDATE models SET organisation = $1 WHERE id = $2', ['renamed lab', modelId]);
    expect(await heardBefore('after-rename')).toEqual(['models']);
  });

  it('stay quiet while a private run finishes, and speak when it is published', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { shardSize: 1000 });
    const { benchmarkVersionId } = seeded;
    const modelId = await registerModel(db, { name: 'private-model' });
    const { submissionId } = await createSubmission(db, {
      modelId,
      benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: [2],
      policies: ['lcl'],
      visibility: 'private',
    });
    const finishPublic = await jobFinisher(db, seeded, { shots: [2, 4] });
    const finishPrivate = await jobFinisher(db, seeded, { shots: [2] });
    const { heard, heardBefore } = await listen(pool);
    heard.length = 0;
    // The public seed's job is claimed first; finish both, the private one last.
    for (let lease = await claimJob(db, { worker: 'w', leaseMs: 30_000 }); lease; ) {
      if (lease.submissionId === submissionId) {
        expect(await heardBefore('before-private-done')).toEqual(['submissions']);
      }
      await (lease.submissionId === submissionId ? finishPrivate : finishPublic)(db, lease);
      lease = await claimJob(db, { worker: 'w', leaseMs: 30_000 });
    }
    expect(await heardBefore('after-private-done')).toEqual([]);
    expect(await setVisibility(db, submissionId, 'public')).toBe(true);
    expect(await heardBefore('after-publish')).toEqual(['submissions']);
  });

  it('re-listens after losing its connection, and says so, since changes in between went unheard', async () => {
    const { pool } = await freshDatabase();
    const { heard, until, watch } = await listen(pool);
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
      [`LISTEN ${LEADERBOARD_CHANNEL}`],
    );
    await expect.poll(() => heard.filter((r) => r === 'listening').length).toBe(2);
    expect(watch.listening).toBe(true);
    await pool.query('SELECT pg_notify($1, $2)', [LEADERBOARD_CHANNEL, 'after-reconnect']);
    await until('after-reconnect');
  });

  it('never hangs on a server that accepts but never answers: gives up, and closes mid-connect', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `postgres://u:p@127.0.0.1:${(silent.address() as { port: number }).port}/db`;
    try {
      const errors: string[] = [];
      const watch = watchLeaderboard(url, () => {}, {
        timeoutMs: 200,
        onError: (error) => errors.push(error.message),
      });
      watches.push(watch);
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatch(/timeout/i);
      expect(watch.listening).toBe(false);

      // Closing while a connection attempt waits on the silent server returns all the same.
      const second = watchLeaderboard(url, () => {}, { timeoutMs: 60_000 });
      await expect.poll(() => sockets.length).toBeGreaterThan(1);
      const started = performance.now();
      await Promise.race([
        second.close(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('close() hung')), 20_000)),
      ]);
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
