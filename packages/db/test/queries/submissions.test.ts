import { buildEpisodes, episodeRange, indexBenchmark } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  answeredEpisodes,
  claimJob,
  clearErrorResults,
  completeJob,
  createSubmission,
  failJob,
  importBenchmark,
  predictionsFor,
  probeResult,
  QuotaError,
  queueList,
  queueStatus,
  registerModel,
  rerunErroredEpisodes,
  submissionFailures,
  submissionsOf,
  users,
  writeResults,
} from '../../src';
import { fixtureManifest, jobFinisher, resultRows, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const spec = { shots: [2, 4], policies: ['lcl' as const], draws: 2 };

/** Claims and finishes the submission's jobs, one after another, as a runner would. */
async function finishEveryJob(
  db: Parameters<typeof jobFinisher>[0],
  seeded: Parameters<typeof jobFinisher>[1],
  finished: Parameters<typeof jobFinisher>[2],
) {
  const finish = await jobFinisher(db, seeded, finished);
  for (let lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 }); lease; ) {
    await finish(db, lease);
    lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
  }
}

describe('predictions submissions', () => {
  it('store the upload as rows of their own; a job reads only its slice', async () => {
    const { db, pool } = await freshDatabase();
    const manifest = fixtureManifest();
    const { benchmarkVersionId } = await importBenchmark(db, manifest);
    const episodes = [...buildEpisodes(indexBenchmark(manifest), spec)];
    // Every episode but the last has an answer; one of them is null.
    const answers = new Map<string, string | null>(
      episodes.slice(0, -1).map((e, i) => [e.id, i === 1 ? null : `answer ${i}`]),
    );
    const { submissionId, jobs } = await createSubmission(db, {
      modelId: await registerModel(db, { name: 'uploaded' }),
      benchmarkVersionId,
      adapterConfig: { adapter: 'predictions', file: 'p.jsonl', count: answers.size },
      predictions: answers,
      ...spec,
      shardSize: 5,
    });
    expect(jobs).toBeGreaterThan(2);
    const [row] = (
      await pool.query('SELECT adapter, adapter_config FROM submissions WHERE id = $1', [
        submissionId,
      ])
    ).rows;
    expect(row).toEqual({
      adapter: 'predictions',
      adapter_config: { file: 'p.jsonl', count: answers.size },
    });
    const [{ n }] = (
      await pool.query('SELECT count(*)::int AS n FROM predictions WHERE submission_id = $1', [
        submissionId,
      ])
    ).rows;
    expect(n).toBe(answers.size);

    // The second job's slice: its five episodes and nothing else.
    const slice = episodeRange(indexBenchmark(manifest), spec, 5, 5).map((e) => e.id);
    const read = await predictionsFor(db, submissionId, slice);
    expect([...read.keys()].sort()).toEqual([...slice].sort());
    for (const id of slice) expect(read.get(id)).toBe(answers.get(id));
    // The last episode has no upload: no row, so the adapter scores it missing.
    const last = (episodes.at(-1) as { id: string }).id;
    expect((await predictionsFor(db, submissionId, [last])).has(last)).toBe(false);
    expect(
      (await predictionsFor(db, submissionId, [episodes[1]?.id as string])).get(
        episodes[1]?.id as string,
      ),
    ).toBeNull();

    // Deleting the submission takes its predictions with it.
    await pool.query('DELETE FROM jobs WHERE submission_id = $1', [submissionId]);
    await pool.query('DELETE FROM submissions WHERE id = $1', [submissionId]);
    expect((await pool.query('SELECT count(*)::int AS n FROM predictions')).rows[0].n).toBe(0);
  });

  it('refuse an upload that does not match its config, writing nothing', async () => {
    const { db, pool } = await freshDatabase();
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const modelId = await registerModel(db, { name: 'm' });
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'predictions', count: 2 },
        predictions: new Map([['e', 'a']]),
        ...spec,
      }),
    ).rejects.toThrow(/counts 2 answers, 1 were given/);
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        predictions: new Map([['e', 'a']]),
        ...spec,
      }),
    ).rejects.toThrow(/takes no uploaded predictions/);
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'openai', endpoint: 'ftp://x/v1', model: 'm' },
        ...spec,
      }),
    ).rejects.toThrow(/field endpoint/);
    expect((await pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n).toBe(0);
  });
});

describe('connection tests', () => {
  it('are marked by the probe column, which the quotas count apart', async () => {
    const { db, pool } = await freshDatabase();
    await db.insert(users).values({ id: 'alice', name: 'Alice', email: 'a@example.com' });
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const modelId = await registerModel(db, { name: 'm' });
    const create = (probe: boolean) =>
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
        probe,
        shots: [2],
        policies: ['lcl'],
        episodeLimit: probe ? 1 : undefined,
        ownerId: 'alice',
        quota: { ownerId: 'alice', limit: 2, probes: probe },
      });
    const first = await create(true);
    await create(true);
    await expect(create(true)).rejects.toBeInstanceOf(QuotaError);
    // Submissions have a quota of their own, untouched by the tests.
    const real = await create(false);
    await create(false);
    await expect(create(false)).rejects.toBeInstanceOf(QuotaError);

    const { rows } = await pool.query('SELECT probe, adapter_config FROM submissions ORDER BY id');
    expect(rows.map((r) => r.probe)).toEqual([true, true, false, false]);
    expect(rows.every((r) => !('probe' in r.adapter_config))).toBe(true);
    expect(await probeResult(db, first.submissionId)).toMatchObject({ ownerId: 'alice' });
    expect(await probeResult(db, real.submissionId)).toBeNull();
  });
});

describe('a submission page’s figures', () => {
  it('counts every failure, not only the ones listed', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { shots: [2, 4], draws: 2 });
    await finishEveryJob(db, seeded, { shots: [2, 4], draws: 2 });
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM verdicts WHERE submission_id = $1 AND scorer = 'strict' AND outcome <> 'correct'`,
      [seeded.submissionId],
    );
    expect(rows[0].n).toBeGreaterThan(5);
    const failures = await submissionFailures(db, seeded.submissionId, 'strict', 5);
    expect(failures.episodes).toHaveLength(5);
    expect(failures.total).toBe(rows[0].n);
    expect(await submissionFailures(db, 999, 'strict')).toEqual({ total: 0, episodes: [] });
  });

  it('gives a finished submission’s rate over its run, not over the time since', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { shots: [2, 4], draws: 2 });
    await finishEveryJob(db, seeded, { shots: [2, 4], draws: 2 });
    // A run of exactly 10 s that ended a minute ago.
    await pool.query(
      `UPDATE submissions SET started_at = now() - interval '70 seconds', finished_at = now() - interval '60 seconds' WHERE id = $1`,
      [seeded.submissionId],
    );
    const status = await queueStatus(db, seeded.submissionId);
    expect(status?.status).toBe('done');
    expect(status?.episodesPerSecond).toBeCloseTo(seeded.episodes / 10, 5);
    expect(status?.etaSeconds).toBeNull();
  });
});

describe('a submission’s last error', () => {
  it('is its own (`<class>: <message>`), or else its latest job’s with the class beside it', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db, { maxAttempts: 2 });
    expect(await queueStatus(db, seeded.submissionId)).toMatchObject({
      lastError: null,
      lastErrorClass: null,
    });
    const reply = 'HTTP 404: <html>internal console</html>';
    const first = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    await failJob(db, first, { error: reply, errorClass: 'server-error', retryable: true });
    expect(await queueStatus(db, seeded.submissionId)).toMatchObject({
      status: 'running',
      lastError: reply,
      lastErrorClass: 'server-error',
    });
    await db.execute(sql`UPDATE jobs SET run_after = now() WHERE id = ${first.jobId}`);
    const second = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    await failJob(db, second, { error: reply, errorClass: 'client-error', retryable: false });
    expect(await queueStatus(db, seeded.submissionId)).toMatchObject({
      status: 'failed',
      lastError: `client-error: ${reply}`,
      lastErrorClass: null,
    });
  });
});

describe('the queue', () => {
  it('says who submitted what and when, hides private ones’ names, and estimates the end', async () => {
    const { db, pool } = await freshDatabase();
    await db.insert(users).values([
      { id: 'alice', name: 'Alice', email: 'a@example.com' },
      { id: 'bob', name: 'Bob', email: 'b@example.com' },
    ]);
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const submit = async (name: string, ownerId?: string, visibility?: 'private') =>
      createSubmission(db, {
        model: { name },
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        ...spec,
        ownerId,
        visibility,
      });
    const mine = await submit('alices-model', 'alice');
    await submit('from-the-cli');
    await submit('bobs-secret', 'bob', 'private');
    // Alice's has run 20 s and done a quarter: three times as long to go.
    await pool.query(
      `UPDATE submissions SET status = 'running', started_at = now() - interval '20 seconds' WHERE id = $1`,
      [mine.submissionId],
    );
    await pool.query(`UPDATE jobs SET progress_done = $2 WHERE submission_id = $1`, [
      mine.submissionId,
      mine.episodes / 4,
    ]);
    const queue = await queueList(db, 'alice');
    expect(queue.map((q) => [q.model, q.submitter])).toEqual([
      ['alices-model', 'Alice'],
      ['from-the-cli', 'the CLI'],
      [null, null],
    ]);
    expect(queue[0]?.etaSeconds).toBeGreaterThan(55);
    expect(queue[0]?.etaSeconds).toBeLessThan(65);
    expect(queue[1]?.etaSeconds).toBeNull();
    for (const q of queue) expect(q.submittedAt).toBeInstanceOf(Date);
    expect((await queueList(db, 'bob'))[2]).toMatchObject({
      model: 'bobs-secret',
      submitter: 'Bob',
    });
  });
});

describe('asking a finished submission’s errored episodes again', () => {
  it('requeues it, keeps its answers, and finishes with the errors answered', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, { shots: [2, 4], draws: 2, shardSize: 10 });
    const spec2 = { shots: [2, 4], draws: 2 };
    // First run: every other episode timed out.
    await finishEveryJob(db, seeded, spec2);
    const errors = async () =>
      (
        await pool.query(
          'SELECT count(*)::int AS n FROM results WHERE submission_id = $1 AND error_class IS NOT NULL',
          [seeded.submissionId],
        )
      ).rows[0].n as number;
    const before = await errors();
    expect(before).toBe(seeded.episodes / 2);

    expect(await rerunErroredEpisodes(db, seeded.submissionId)).toBe(before);
    const { rows } = await pool.query(
      'SELECT status FROM jobs WHERE submission_id = $1 GROUP BY status',
      [seeded.submissionId],
    );
    expect(rows).toEqual([{ status: 'queued' }]);
    expect((await queueStatus(db, seeded.submissionId))?.status).toBe('queued');
    // Asked again only while queued: a second request changes nothing.
    expect(await rerunErroredEpisodes(db, seeded.submissionId)).toBe(0);

    // The runner resumes each job: it clears the errors and answers them this time.
    const answers = await resultRows(
      db,
      seeded.manifest,
      seeded.benchmarkVersionId,
      spec2,
      () => 'x',
    );
    for (let lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 }); lease; ) {
      const slice = answers.slice(lease.firstEpisode, lease.firstEpisode + lease.episodeCount);
      const states = await answeredEpisodes(
        db,
        lease.submissionId,
        slice.map((r) => r.episode.id),
      );
      const errored = [...states].filter(([, e]) => e !== null).map(([id]) => id);
      await clearErrorResults(db, lease, errored);
      await writeResults(
        db,
        lease,
        slice.filter((r) => errored.includes(r.episode.id)),
        seeded.benchmarkVersionId,
      );
      await completeJob(
        db,
        lease,
        slice.map((r) => r.episode.id),
      );
      lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
    }
    expect(await errors()).toBe(0);
    const [after] = (
      await pool.query(
        `SELECT s.status, sum(sc.error)::int AS error, sum(sc.n)::int AS n FROM submissions s
         JOIN submission_scores sc ON sc.submission_id = s.id AND sc.scorer = 'strict' WHERE s.id = $1 GROUP BY s.status`,
        [seeded.submissionId],
      )
    ).rows;
    expect(after).toEqual({ status: 'done', error: 0, n: seeded.episodes });
  });

  it('does nothing to a submission without errors, or one that has not finished', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db);
    expect(await rerunErroredEpisodes(db, seeded.submissionId)).toBe(0);
    expect((await queueStatus(db, seeded.submissionId))?.status).toBe('queued');
  });
});

describe('my submissions', () => {
  it('lists one owner’s submissions in every state, newest first, connection tests left out', async () => {
    const { db, pool } = await freshDatabase();
    await db.insert(users).values({ id: 'carol', name: 'Carol', email: 'c@example.com' });
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const make = (name: string, ownerId?: string, probe = false) =>
      createSubmission(db, {
        model: { name },
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        ...spec,
        ownerId,
        probe,
      });
    const first = await make('first', 'carol');
    await make('a-connection-test', 'carol', true);
    await make('someone-elses');
    const second = await make('second', 'carol');
    await pool.query(
      `UPDATE submissions SET status = 'failed', last_error = 'boom' WHERE id = $1`,
      [first.submissionId],
    );
    const mine = await submissionsOf(db, 'carol');
    expect(mine.map((s) => [s.id, s.model, s.status])).toEqual([
      [second.submissionId, 'second', 'queued'],
      [first.submissionId, 'first', 'failed'],
    ]);
    expect(mine[1]).toMatchObject({ lastError: 'boom', benchmark: 'fixture@1', done: 0 });
  });
});

describe('the send order', () => {
  it('is seeded per submission and stored, and its jobs hold every episode once, each job mixed', async () => {
    const { db, pool } = await freshDatabase();
    const manifest = fixtureManifest();
    const { benchmarkVersionId } = await importBenchmark(db, manifest);
    const modelId = await registerModel(db, { name: 'ordered' });
    const make = (orderSeed?: number) =>
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        ...spec,
        shardSize: 6,
        orderSeed,
      });
    const given = await make(42);
    const drawn = await make();
    const seeds = (
      await pool.query('SELECT id, order_seed FROM submissions ORDER BY id', [])
    ).rows.map((r) => r.order_seed);
    expect(seeds[0]).toBe(42);
    expect(Number.isInteger(seeds[1])).toBe(true);

    // Any runner recomputes a job's episodes from the stored seed and the job's slice.
    const jobs = (
      await pool.query(
        'SELECT first_episode, episode_count FROM jobs WHERE submission_id = $1 ORDER BY first_episode',
        [given.submissionId],
      )
    ).rows;
    const index = indexBenchmark(manifest);
    const sliced = jobs.map((j) =>
      episodeRange(index, { ...spec, orderSeed: 42 }, j.first_episode, j.episode_count),
    );
    const all = [...buildEpisodes(index, spec)].map((e) => e.id);
    expect(
      sliced
        .flat()
        .map((e) => e.id)
        .sort(),
    ).toEqual([...all].sort());
    expect(sliced.flat().map((e) => e.id)).not.toEqual(all);
    expect(sliced.some((job) => new Set(job.map((e) => e.shots)).size > 1)).toBe(true);
    expect(drawn.episodes).toBe(given.episodes);
  });
});
