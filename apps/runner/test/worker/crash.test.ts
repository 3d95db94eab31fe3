import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Prng } from '@linkboard/core';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunner } from '../../src/worker/runner';
import { tempDir, testPlatformWithServer } from '../helpers';
import { startRunnerApi } from '../platform';

const BIN = fileURLToPath(new URL('../../bin/linkboard.js', import.meta.url));
const LEASE_MS = 1000;

let platform: Awaited<ReturnType<typeof testPlatformWithServer>>;
beforeAll(async () => {
  // A little latency so that a kill lands in the middle of a job, not after it.
  platform = await testPlatformWithServer(
    { LINKBOARD_LEASE_MS: String(LEASE_MS) },
    { latencyMs: 20 },
  );
});
afterAll(() => platform.shutdown());

/** `linkboard runner` as a process: on the database, or on a site's runner API (`site`). */
function runnerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...Object.fromEntries(
      Object.entries(platform.env.secrets).filter(
        ([k]) => k.startsWith('LINKBOARD_') || k === 'DATABASE_URL',
      ),
    ),
    CI: 'true',
  };
}

const spec = { shots: [2, 4, 6, 8], policies: ['lcl' as const], draws: 24 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function submit(name: string) {
  const modelId = await registerModel(platform.database.db, { name });
  return createSubmission(platform.database.db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: { adapter: 'openai', endpoint: platform.server.url, model: 'prototype' },
    ...spec,
    shardSize: 200,
    // The default attempts (5): a killed runner's lease is taken over, not spent as an attempt,
    // so ten kills still end in \`done\`.
  });
}

/**
 * `linkboard runner --once` as a process, on the database or (with `site`) on a site's runner API
 * with no database credentials at all. `working` resolves when it has started a job.
 */
function startRunner(site?: { url: string; token: string; cacheDir: string }) {
  const args = ['runner', '--once', '--concurrency', '2', '--gpus', 'none'];
  const { DATABASE_URL: _, ...withoutDatabase } = runnerEnv();
  const child: ChildProcess = site
    ? spawn(
        process.execPath,
        [BIN, ...args, '--site', site.url, '--token-env', 'LB_RUNNER_TOKEN'],
        {
          env: {
            ...withoutDatabase,
            LINKBOARD_DATA_DIR: site.cacheDir,
            LB_RUNNER_TOKEN: site.token,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      )
    : spawn(process.execPath, [BIN, ...args], {
        env: runnerEnv(),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
  let said = '';
  const working = new Promise<void>((resolve) => {
    child.stderr?.on('data', (chunk) => {
      said += chunk;
      if (said.includes('started: ')) resolve();
    });
  });
  return { child, working };
}

const aggregates = async (id: number) =>
  (
    await platform.database.pool.query(
      `SELECT scorer, shots, policy, n, correct, other_label, "both", neither, empty, error FROM submission_scores WHERE submission_id = $1 ORDER BY scorer, shots, policy`,
      [id],
    )
  ).rows;

/**
 * Kills runners at random moments until ten died mid-work, then lets one finish: every episode must
 * end with exactly one result, and the aggregates must equal those of an uninterrupted run.
 */
async function killTenTimes(name: string, site?: Parameters<typeof startRunner>[0]) {
  const crashed = await submit(name);
  const rng = Prng.fromKey(`crash-test-${name}`);
  let kills = 0;
  for (let round = 0; round < 40 && kills < 10; round++) {
    const { child, working } = startRunner(site);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Kill somewhere in the work, however long the process took to start (a busy CI machine
    // can take seconds): after it has started a job, at a random moment of the next 1.2 s.
    const started = await Promise.race([
      working.then(() => true),
      exited.then(() => false),
      sleep(30_000).then(() => false),
    ]);
    if (started) await Promise.race([sleep(rng.nextInt(1200)), exited]);
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      // Only a kill in the middle of a job counts.
      if (started) kills++;
    }
    await exited;
    // The dead runner's lease must expire before another runner can take its job over.
    await sleep(LEASE_MS + 100);
  }
  expect(kills).toBeGreaterThanOrEqual(10);
  const { rows: before } = await platform.database.pool.query(
    'SELECT count(*)::int AS n FROM results WHERE submission_id = $1',
    [crashed.submissionId],
  );
  // The killed runners did part of the work: what they wrote is what must not be lost or doubled.
  expect(before[0].n).toBeGreaterThan(0);
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 4, gpus: 'none', once: true, log: () => {} },
    new AbortController().signal,
  );

  const [state] = (
    await platform.database.pool.query(
      'SELECT s.status, s.total_episodes, count(r.*)::int AS results, count(DISTINCT r.episode_id)::int AS episodes, count(r.error_class)::int AS errors FROM submissions s LEFT JOIN results r ON r.submission_id = s.id WHERE s.id = $1 GROUP BY s.id',
      [crashed.submissionId],
    )
  ).rows;
  expect(state).toEqual({
    status: 'done',
    total_episodes: crashed.episodes,
    results: crashed.episodes,
    episodes: crashed.episodes,
    errors: 0,
  });
  // The dead runners' leases were taken over, not spent as attempts.
  const { rows: jobs } = await platform.database.pool.query(
    'SELECT max(attempts)::int AS attempts, sum(lease_losses)::int AS lost FROM jobs WHERE submission_id = $1',
    [crashed.submissionId],
  );
  expect(jobs[0].lost).toBeGreaterThan(0);
  expect(jobs[0].attempts).toBeLessThanOrEqual(5);

  const clean = await submit(`${name}-steady`);
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 4, gpus: 'none', once: true, log: () => {} },
    new AbortController().signal,
  );
  expect(await aggregates(crashed.submissionId)).toEqual(await aggregates(clean.submissionId));
  return crashed;
}

describe('a runner killed with SIGKILL at random moments', () => {
  it('loses nothing: every episode ends with one result, and the aggregates equal an uninterrupted run', async () => {
    await killTenTimes('crashy');
  }, 240_000);

  it("loses nothing either when it works through the site's runner API", async () => {
    const api = await startRunnerApi(platform, { tokenName: 'crash-lab' });
    try {
      const crashed = await killTenTimes('crashy-http', {
        url: api.url,
        token: api.token,
        cacheDir: await tempDir(),
      });
      // The killed runners worked through the API: their jobs' provenance names the token.
      const { rows } = await platform.database.pool.query(
        'SELECT provenance FROM submissions WHERE id = $1',
        [crashed.submissionId],
      );
      expect(rows[0].provenance.runnerToken).toBe('crash-lab');
    } finally {
      await api.close();
    }
  }, 240_000);

  it('on SIGTERM stops taking work, writes what it has and gives the job back untouched', async () => {
    const job = await submit('graceful');
    const child = spawn(process.execPath, [BIN, 'runner', '--concurrency', '2', '--gpus', 'none'], {
      env: runnerEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (c) => {
      err += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 100 && !/started: /.test(err); i++) await sleep(100);
    await sleep(500);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGTERM: finishing in-flight requests/);
    const { rows } = await platform.database.pool.query(
      `SELECT j.status, j.attempts, j.lease_token, (SELECT count(*)::int FROM results r WHERE r.submission_id = j.submission_id) AS results
       FROM jobs j WHERE j.submission_id = $1 ORDER BY j.id LIMIT 1`,
      [job.submissionId],
    );
    expect(rows[0]).toMatchObject({ status: 'queued', attempts: 0, lease_token: null });
    expect(rows[0].results).toBeGreaterThan(0);
    expect(rows[0].results).toBeLessThan(job.episodes);
    await platform.database.pool.query(
      `UPDATE jobs SET status = 'cancelled' WHERE submission_id = $1`,
      [job.submissionId],
    );
  }, 60_000);
});
