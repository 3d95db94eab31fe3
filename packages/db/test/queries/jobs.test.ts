import { describe, expect, it } from 'vitest';
import {
  cancelSubmission,
  claimJob,
  completeJob,
  failJob,
  heartbeat,
  IncompleteJobError,
  JobWaiter,
  LEASE_LOSSES_PER_ATTEMPT,
  LeaseLostError,
  leaseOf,
  reapExpiredJobs,
  releaseJob,
  retryDelayMs,
  writeResults,
} from '../../src';
import { fixtureManifest, jobFinisher, resultRows, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const jobRow = async (pool: import('pg').Pool, id: number) =>
  (await pool.query('SELECT * FROM jobs WHERE id = $1', [id])).rows[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the job queue', () => {
  it('lets 4 workers drain 1,000 jobs in parallel, each job done exactly once', async () => {
    const { db, pool } = await freshDatabase();
    // 5 pairs × 2 concepts × 10 queries × 2 shot counts × 5 draws = 1,000 episodes, one job each.
    const manifest = fixtureManifest({ pairs: 5, support: 4, queries: 10 });
    const seeded = await seedSubmission(db, {
      manifest,
      shots: [2, 4],
      draws: 5,
      shardSize: 1,
    });
    const { submissionId, jobs } = seeded;
    expect(jobs).toBe(1000);
    const finish = await jobFinisher(db, seeded, { shots: [2, 4], draws: 5 });
    const runs = new Map<number, number>();
    const workers = await Promise.all(Array.from({ length: 4 }, () => freshConnection(pool)));
    await Promise.all(
      workers.map(async (worker, w) => {
        for (;;) {
          const lease = await claimJob(worker.db, { worker: `w${w}`, leaseMs: 30_000 });
          if (!lease) break;
          runs.set(lease.jobId, (runs.get(lease.jobId) ?? 0) + 1);
          await finish(worker.db, lease);
        }
      }),
    );
    await Promise.all(workers.map((w) => w.close()));
    expect(runs.size).toBe(1000);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const { rows } = await pool.query(
      'SELECT status, count(*)::int AS n FROM jobs GROUP BY status',
    );
    expect(rows).toEqual([{ status: 'done', n: 1000 }]);
    expect(
      (await pool.query('SELECT status FROM submissions WHERE id = $1', [submissionId])).rows[0]
        .status,
    ).toBe('done');
  });

  it('hands the job of a worker that stops heart-beating to another, and locks the first out', async () => {
    const { db, pool } = await freshDatabase();
    const finish = await jobFinisher(db, await seedSubmission(db), { shots: [2, 4] });
    const first = await claimJob(db, { worker: 'a', leaseMs: 200 });
    expect(first).not.toBeNull();
    expect(await claimJob(db, { worker: 'b', leaseMs: 200 })).toBeNull();
    await heartbeat(db, first!, { leaseMs: 200 });
    await sleep(300);
    const second = await claimJob(db, { worker: 'b', leaseMs: 30_000 });
    expect(second?.jobId).toBe(first!.jobId);
    // The same attempt, taken over: a lease lost to a silent worker spends none of the job's.
    expect(second?.attempts).toBe(1);
    await expect(heartbeat(db, first!, { leaseMs: 200 })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(finish(db, first!)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      failJob(db, first!, { error: 'x', errorClass: 'x', retryable: true }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await finish(db, second!);
    expect((await jobRow(pool, second!.jobId)).lease_owner).toBe('b');
  });

  it("reads a runner token's lease only for that token: another runner's, and a database runner's, are lost to it", async () => {
    const { db } = await freshDatabase();
    await seedSubmission(db, { shardSize: 2 });
    // As the runner API claims: `<runner token's name>/<worker>`.
    const api = (await claimJob(db, { worker: 'lab-a/gpu-host:1', leaseMs: 30_000 }))!;
    const local = (await claimJob(db, { worker: 'gpu-host:2', leaseMs: 30_000 }))!;
    expect(await leaseOf(db, api.jobId, api.token, { runner: 'lab-a' })).toEqual(api);
    for (const runner of ['lab-b', 'lab', 'lab-a/gpu-host:1', 'gpu-host'])
      await expect(leaseOf(db, api.jobId, api.token, { runner })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
    await expect(leaseOf(db, local.jobId, local.token, { runner: 'gpu-host:2' })).rejects.toThrow(
      `job ${local.jobId}: lease lost`,
    );
    // A database runner presents no runner token: its leases read as before, whoever holds them.
    expect(await leaseOf(db, local.jobId, local.token)).toEqual(local);
    expect(await leaseOf(db, api.jobId, api.token)).toEqual(api);
  });

  it('refuses to complete a job while any of its episodes lacks a stored result', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db);
    const rows = await resultRows(
      db,
      seeded.manifest,
      seeded.benchmarkVersionId,
      { shots: [2, 4] },
      () => 'x',
    );
    const lease = (await claimJob(db, { worker: 'a', leaseMs: 30_000 }))!;
    expect(lease.episodeCount).toBe(rows.length);
    const ids = rows.map((r) => r.episode.id);
    // One batch of the job's results never reached the database (a failed write).
    await writeResults(db, lease, rows.slice(0, -3), seeded.benchmarkVersionId);
    const refused = await completeJob(db, lease, ids).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IncompleteJobError);
    expect(refused).toMatchObject({ stored: rows.length - 3, expected: rows.length });
    // Nothing changed: the job is still running under the same lease, the submission unfinished.
    expect((await jobRow(pool, lease.jobId)).status).toBe('running');
    await heartbeat(db, lease, { leaseMs: 30_000 });
    const submission = await pool.query('SELECT status FROM submissions WHERE id = $1', [
      seeded.submissionId,
    ]);
    expect(submission.rows[0].status).toBe('running');
    // Ids that do not match the job's episode count are a caller's mistake, refused up front.
    await expect(completeJob(db, lease, ids.slice(1))).rejects.toThrow(/holds \d+ episodes/);
    await writeResults(db, lease, rows.slice(-3), seeded.benchmarkVersionId);
    expect(await completeJob(db, lease, ids)).toEqual({ submissionDone: true });
  });

  it('never runs a cancelled job, and a running one loses its lease', async () => {
    const { db } = await freshDatabase();
    const { submissionId } = await seedSubmission(db, { shardSize: 4 });
    const running = await claimJob(db, { worker: 'a', leaseMs: 30_000 });
    expect(await cancelSubmission(db, submissionId)).toBe(true);
    expect(await claimJob(db, { worker: 'a', leaseMs: 30_000 })).toBeNull();
    await expect(heartbeat(db, running!, { leaseMs: 1000 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await cancelSubmission(db, submissionId)).toBe(false);
  });

  it('retries a failed attempt after a backoff, then fails the job and its submission for good', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId } = await seedSubmission(db, { maxAttempts: 2 });
    const a = await claimJob(db, { worker: 'a', leaseMs: 30_000 });
    expect(
      await failJob(db, a!, {
        error: 'HTTP 503',
        errorClass: 'server-error',
        retryable: true,
        delayMs: 150,
      }),
    ).toEqual({ willRetry: true });
    expect(await claimJob(db, { worker: 'a', leaseMs: 30_000 })).toBeNull();
    await sleep(200);
    const b = await claimJob(db, { worker: 'a', leaseMs: 30_000 });
    expect(b?.attempts).toBe(2);
    expect(
      await failJob(db, b!, { error: 'HTTP 503', errorClass: 'server-error', retryable: true }),
    ).toEqual({ willRetry: false });
    const sub = (
      await pool.query('SELECT status, last_error FROM submissions WHERE id = $1', [submissionId])
    ).rows[0];
    expect(sub).toEqual({ status: 'failed', last_error: 'server-error: HTTP 503' });
  });

  it('fails at once on an error not worth retrying', async () => {
    const { db } = await freshDatabase();
    await seedSubmission(db);
    const lease = await claimJob(db, { worker: 'a', leaseMs: 30_000 });
    expect(
      await failJob(db, lease!, {
        error: 'HTTP 401: bad key',
        errorClass: 'client-error',
        retryable: false,
      }),
    ).toEqual({ willRetry: false });
  });

  it('takes a released job back without counting the attempt', async () => {
    const { db } = await freshDatabase();
    await seedSubmission(db);
    const lease = await claimJob(db, { worker: 'a', leaseMs: 30_000 });
    await releaseJob(db, lease!);
    const again = await claimJob(db, { worker: 'b', leaseMs: 30_000 });
    expect(again).toMatchObject({ jobId: lease!.jobId, attempts: 1 });
  });

  it("takes over a dead runner's job without spending an attempt; fails one that keeps losing its runner", async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId } = await seedSubmission(db, { maxAttempts: 1 });
    const first = await claimJob(db, { worker: 'a', leaseMs: 50 });
    expect(first?.attempts).toBe(1);
    // Its runner dies (the lease expires) four times: each takeover goes on with attempt 1.
    for (let lost = 1; lost <= LEASE_LOSSES_PER_ATTEMPT; lost++) {
      await sleep(80);
      const taken = await claimJob(db, { worker: `b${lost}`, leaseMs: 50 });
      expect(taken, `takeover ${lost}`).toMatchObject({ jobId: first?.jobId, attempts: 1 });
    }
    const { rows } = await pool.query('SELECT attempts, lease_losses FROM jobs');
    expect(rows).toEqual([{ attempts: 1, lease_losses: LEASE_LOSSES_PER_ATTEMPT }]);
    await sleep(80);
    // No takeover left (max_attempts × LEASE_LOSSES_PER_ATTEMPT): the job ends.
    expect(await claimJob(db, { worker: 'c', leaseMs: 50 })).toBeNull();
    expect(await reapExpiredJobs(db)).toBe(1);
    const { rows: ended } = await pool.query(
      'SELECT s.status, s.last_error, j.last_error AS job_error FROM submissions s JOIN jobs j ON j.submission_id = s.id WHERE s.id = $1',
      [submissionId],
    );
    expect(ended[0]).toMatchObject({
      status: 'failed',
      last_error: expect.stringMatching(/^lease-expired: a job kept losing its runner/),
      job_error: `its runners stopped responding ${LEASE_LOSSES_PER_ATTEMPT + 1} times: the job may be killing them`,
    });
  });

  it('wakes a waiting runner when work arrives (LISTEN/NOTIFY), without polling', async () => {
    const { db, pool } = await freshDatabase();
    const waiter = new JobWaiter(pool);
    await waiter.wait(1); // subscribes
    const started = Date.now();
    const woke = waiter.wait(10_000);
    setTimeout(() => void seedSubmission(db), 100);
    await woke;
    expect(Date.now() - started).toBeLessThan(5_000);
    await waiter.close();
  });

  it('spreads retry delays: capped, exponential, jittered', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(retryDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

async function freshConnection(pool: import('pg').Pool) {
  const { connect } = await import('../../src');
  const url = `postgres://${pool.options.user}:${encodeURIComponent(String(pool.options.password))}@${pool.options.host}:${pool.options.port}/${pool.options.database}`;
  return connect((pool.options as { connectionString?: string }).connectionString ?? url, {
    max: 2,
  });
}
