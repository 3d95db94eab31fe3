import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSubmission, registerModel, revokeRunnerToken } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQueue, runRunner } from '../../src/worker/runner';
import { siteQueue } from '../../src/worker/site-queue';
import { run, tempDir, testPlatformWithServer } from '../helpers';
import { startRunnerApi } from '../platform';

const LEASE_MS = 1000;
let platform: Awaited<ReturnType<typeof testPlatformWithServer>>;
let api: Awaited<ReturnType<typeof startRunnerApi>>;
beforeAll(async () => {
  platform = await testPlatformWithServer(
    { LINKBOARD_LEASE_MS: String(LEASE_MS) },
    { latencyMs: 20 },
  );
  api = await startRunnerApi(platform, { tokenName: 'lab-a' });
});
afterAll(async () => {
  await api.close();
  await platform.shutdown();
});

const spec = { shots: [2, 4], policies: ['lcl' as const], draws: 3 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function submit(name: string) {
  const modelId = await registerModel(platform.database.db, { name });
  return createSubmission(platform.database.db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: { adapter: 'openai', endpoint: platform.server.url, model: 'prototype' },
    ...spec,
    shardSize: 20,
  });
}

const query = async (text: string, values: unknown[]) =>
  (await platform.database.pool.query(text, values)).rows;
const aggregates = (id: number) =>
  query(
    `SELECT scorer, shots, policy, n, correct, other_label, "both", neither, empty, error FROM submission_scores WHERE submission_id = $1 ORDER BY scorer, shots, policy`,
    [id],
  );
const state = async (id: number) =>
  (
    await query(
      `SELECT s.status, count(r.*)::int AS results, count(DISTINCT r.episode_id)::int AS episodes, count(r.error_class)::int AS errors
       FROM submissions s LEFT JOIN results r ON r.submission_id = s.id WHERE s.id = $1 GROUP BY s.id`,
      [id],
    )
  )[0];

/** A runner on the site's API, in this process, until the queue is empty. */
async function drainOverHttp(cacheDir: string, log: string[] = []) {
  await runQueue(
    siteQueue({ site: api.url, token: api.token, cacheDir }),
    platform.env,
    { concurrency: 4, jobs: 2, gpus: 'none', once: true, log: (line) => log.push(line) },
    new AbortController().signal,
  );
  return log;
}

describe("a runner on the site's runner API", () => {
  it('gets exactly what a runner on the database gets, under its token, scored by the site', async () => {
    const overHttp = await submit('over-http');
    const cacheDir = await tempDir();
    await drainOverHttp(cacheDir);
    const onDatabase = await submit('on-database');
    await runRunner(
      platform.database,
      platform.env,
      { concurrency: 4, gpus: 'none', once: true, log: () => {} },
      new AbortController().signal,
    );

    expect(await state(overHttp.submissionId)).toEqual({
      status: 'done',
      results: overHttp.episodes,
      episodes: overHttp.episodes,
      errors: 0,
    });
    const scores = await aggregates(overHttp.submissionId);
    expect(scores.length).toBeGreaterThan(0);
    expect(scores).toEqual(await aggregates(onDatabase.submissionId));

    const jobs = await query(
      'SELECT DISTINCT split_part(lease_owner, $2, 1) AS token FROM jobs WHERE submission_id = $1',
      [overHttp.submissionId, '/'],
    );
    expect(jobs).toEqual([{ token: 'lab-a' }]);
    const [{ provenance }] = await query('SELECT provenance FROM submissions WHERE id = $1', [
      overHttp.submissionId,
    ]);
    expect(provenance).toMatchObject({
      runnerToken: 'lab-a',
      adapter: 'openai',
      model: 'prototype',
    });

    // The images came from the site into the runner's cache, each file under its own hash.
    const files = (await readdir(path.join(cacheDir, 'images'), { recursive: true })).filter((f) =>
      /^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(f),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(path.join(cacheDir, 'images', file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.replace('/', ''));
    }
  }, 120_000);

  it('rides out the site going away mid-job and finishes with every result once', async () => {
    const job = await submit('site-outage');
    const log: string[] = [];
    const running = drainOverHttp(await tempDir(), log);
    for (let i = 0; i < 100 && (await state(job.submissionId)).results < 10; i++) await sleep(50);
    await api.stop();
    await sleep(2500);
    await api.restart();
    await running;
    expect(log.join('\n')).toMatch(/site unreachable \(.*\); retrying with backoff/);
    expect(log.join('\n')).toMatch(/site reachable again after \d+ s; carrying on/);
    expect(await state(job.submissionId)).toEqual({
      status: 'done',
      results: job.episodes,
      episodes: job.episodes,
      errors: 0,
    });
  }, 120_000);

  it('stops with a one-line error when the site refuses its token', async () => {
    const other = await startRunnerApi(platform, { tokenName: 'lab-revoked' });
    try {
      await revokeRunnerToken(platform.database.db, 'lab-revoked');
      const env = { LB_TOKEN: other.token, LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' };
      const refused = await run(
        ['runner', '--site', other.url, '--token-env', 'LB_TOKEN', '--once', '--gpus', 'none'],
        { env },
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^linkboard: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/runner\/claim: a valid runner token is required/m,
      );
      expect(refused.stderr).not.toContain(other.token);
      const noToken = await run(['runner', '--site', other.url, '--once'], { env });
      expect(noToken).toMatchObject({ code: 1 });
      expect(noToken.stderr).toMatch(/--site needs --token-env/);
    } finally {
      await other.close();
    }
  });
});
