import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runRunner } from '../../src/worker/runner';
import { testPlatformWithServer } from '../helpers';

// A short lease makes the runner heartbeat (and flush its pending results) every 200 ms.
let platform: Awaited<ReturnType<typeof testPlatformWithServer>>;
beforeAll(async () => {
  platform = await testPlatformWithServer({ LINKBOARD_LEASE_MS: '600' }, { latencyMs: 100 });
});
afterAll(() => platform.shutdown());

const query = async (text: string, params: unknown[] = []) =>
  (await platform.database.pool.query(text, params)).rows;

/**
 * Makes the database refuse the first `failures` statements that insert results, as a lost
 * connection or a full disk would: a real error from PostgreSQL in the runner's write path. The
 * count lives in a sequence because sequences are not rolled back with the failed transaction.
 */
async function failResultWrites(failures: number) {
  await query('CREATE SEQUENCE IF NOT EXISTS injected_write_failures');
  await query(`CREATE OR REPLACE FUNCTION inject_write_failure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('injected_write_failures') <= ${failures} THEN
        RAISE EXCEPTION 'injected failure: results not written';
      END IF;
      RETURN NULL;
    END $$`);
  await query(`CREATE OR REPLACE TRIGGER inject_write_failure BEFORE INSERT ON results
    FOR EACH STATEMENT EXECUTE FUNCTION inject_write_failure()`);
}
const injectedSoFar = async () =>
  Number((await query('SELECT last_value FROM injected_write_failures'))[0].last_value);
afterEach(async () => {
  await query('DROP TRIGGER IF EXISTS inject_write_failure ON results');
  await query('DROP SEQUENCE IF EXISTS injected_write_failures');
});

async function submitOneJob(name: string) {
  const modelId = await registerModel(platform.database.db, { name });
  return createSubmission(platform.database.db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: { adapter: 'openai', endpoint: platform.server.url, model: 'prototype' },
    shots: [2, 4],
    policies: ['lcl'],
    draws: 2,
    shardSize: 1000,
  });
}

async function drain(log: string[]) {
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 1, gpus: 'none', once: true, log: (l) => log.push(l) },
    new AbortController().signal,
  );
}

const stored = async (submissionId: number) =>
  (
    await query(
      'SELECT count(*)::int AS n, count(error_class)::int AS errors FROM results WHERE submission_id = $1',
      [submissionId],
    )
  )[0];

describe('a job’s result writes', () => {
  it('keep a batch whose write failed and write it later: every episode stored, once', async () => {
    const { submissionId, episodes, jobs } = await submitOneJob('write-fails-twice');
    expect(jobs).toBe(1);
    await failResultWrites(2);
    const log: string[] = [];
    await drain(log);
    expect(await injectedSoFar()).toBeGreaterThan(2);
    expect(log.join('\n')).toMatch(
      /heartbeat or write failed, results kept for the next one: injected failure/,
    );
    expect(await stored(submissionId)).toEqual({ n: episodes, errors: 0 });
    const [job] = await query('SELECT status, progress_done FROM jobs WHERE submission_id = $1', [
      submissionId,
    ]);
    expect(job).toEqual({ status: 'done', progress_done: episodes });
    const [sub] = await query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
    expect(sub.status).toBe('done');
  }, 60_000);

  it('that keep failing fail the attempt instead of completing the job; the retry finishes it', async () => {
    const { submissionId, episodes } = await submitOneJob('write-fails-always');
    await failResultWrites(1_000_000);
    const log: string[] = [];
    await drain(log);
    const [job] = await query(
      'SELECT status, error_class, last_error FROM jobs WHERE submission_id = $1',
      [submissionId],
    );
    expect(job.status).toBe('queued');
    expect(job.error_class).toBe('runner-error');
    expect(job.last_error).toMatch(/injected failure/);
    expect((await stored(submissionId)).n).toBe(0);
    const [sub] = await query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
    expect(sub.status).toBe('running');

    await query('DROP TRIGGER inject_write_failure ON results');
    await query('UPDATE jobs SET run_after = now() WHERE submission_id = $1', [submissionId]);
    await drain(log);
    expect(await stored(submissionId)).toEqual({ n: episodes, errors: 0 });
    const [done] = await query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
    expect(done.status).toBe('done');
  }, 60_000);
});
