import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '@linkboard/datasets';
import { createSubmission, registerModel, startEmbeddedPostgres } from '@linkboard/db';
import { describe, expect, it } from 'vitest';
import { familiarFromPairs } from '../../src/adapters/builtin';
import { openDatabase } from '../../src/database';
import { loadEnv } from '../../src/env';
import { startReferenceServer } from '../../src/server/reference-server';
import { publishDataset } from '../../src/worker/images';
import { isQueueUnreachable } from '../../src/worker/outage';
import { freePort, smallSynth } from '../helpers';

const BIN = fileURLToPath(new URL('../../bin/linkboard.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('isQueueUnreachable', () => {
  it.each([
    ['Connection terminated unexpectedly', true], // the server went away mid-query
    ['Client has encountered a connection error and is not queryable', true], // a client held through it
    ['relation "jobs" does not exist', false], // a real error, not an outage
  ])('%s → %s', (message, unreachable) => {
    expect(isQueueUnreachable(new Error(message))).toBe(unreachable);
  });
});

describe('a database outage under a running job', () => {
  it('leaves the runner process alive, and the job completes with every result once', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-outage-'));
    const settings = {
      LINKBOARD_DATA_DIR: dataDir,
      LINKBOARD_PG_PORT: String(await freePort()),
      LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
      LINKBOARD_LEASE_MS: '3000',
      CI: 'true',
    };
    const env = loadEnv(settings);
    // The test holds the server, so that it can stop and start it under the runner.
    let server = await startEmbeddedPostgres({ dataDir, port: env.LINKBOARD_PG_PORT });
    const database = await openDatabase(env);
    const dataset = await loadDataset(await smallSynth());
    const reference = await startReferenceServer({
      port: 0,
      latencyMs: 150,
      familiarOf: familiarFromPairs(dataset.manifest.pairs),
    });
    let runner: ChildProcessWithoutNullStreams | undefined;
    try {
      const { benchmarkVersionId } = await publishDataset(database.db, env, dataset);
      const { submissionId, episodes } = await createSubmission(database.db, {
        modelId: await registerModel(database.db, { name: 'through-an-outage' }),
        benchmarkVersionId,
        adapterConfig: { adapter: 'openai', endpoint: reference.url, model: 'prototype' },
        shots: [2, 4],
        policies: ['lcl'],
        draws: 4,
        shardSize: 1000,
      });
      runner = spawn(process.execPath, [BIN, 'runner', '--concurrency', '2', '--gpus', 'none'], {
        env: { ...process.env, ...settings },
      }) as ChildProcessWithoutNullStreams;
      let log = '';
      runner.stderr.on('data', (chunk) => {
        log += chunk;
      });
      const count = async () =>
        (
          await database.pool.query(
            'SELECT count(*)::int AS n, count(DISTINCT episode_id)::int AS distinct_n FROM results WHERE submission_id = $1',
            [submissionId],
          )
        ).rows[0] as { n: number; distinct_n: number };
      // Some results written, the rest still to come: then the database goes away for 3 s.
      for (let i = 0; i < 300 && (await count()).n < 8; i++) await sleep(100);
      const before = (await count()).n;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(episodes);
      await server.stop();
      await expect(database.pool.query('SELECT 1')).rejects.toSatisfy(isQueueUnreachable);
      await sleep(3000);
      expect(runner.exitCode, log).toBeNull();
      server = await startEmbeddedPostgres({ dataDir, port: env.LINKBOARD_PG_PORT });

      let status = '';
      for (let i = 0; i < 600 && status !== 'done'; i++) {
        await sleep(100);
        status = (
          await database.pool
            .query('SELECT status FROM submissions WHERE id = $1', [submissionId])
            .catch(() => ({ rows: [{ status: '' }] }))
        ).rows[0].status;
      }
      expect(status).toBe('done');
      expect(runner.exitCode, log).toBeNull();
      expect(await count()).toEqual({ n: episodes, distinct_n: episodes });
      const [scores] = (
        await database.pool.query(
          `SELECT sum(n)::int AS n FROM submission_scores WHERE submission_id = $1 AND scorer = 'official'`,
          [submissionId],
        )
      ).rows;
      expect(scores.n).toBe(episodes);
      expect(log).toMatch(/heartbeat or write failed, results kept for the next one/);

      // Again while the runner waits for work: it keeps waiting, and takes the next job.
      await server.stop();
      await sleep(3000);
      expect(runner.exitCode, log).toBeNull();
      server = await startEmbeddedPostgres({ dataDir, port: env.LINKBOARD_PG_PORT });
      const next = await createSubmission(database.db, {
        modelId: await registerModel(database.db, { name: 'after-the-outage' }),
        benchmarkVersionId,
        adapterConfig: { adapter: 'openai', endpoint: reference.url, model: 'random' },
        shots: [2],
        policies: ['lcl'],
      });
      let nextStatus = '';
      for (let i = 0; i < 600 && nextStatus !== 'done'; i++) {
        await sleep(100);
        nextStatus = (
          await database.pool.query('SELECT status FROM submissions WHERE id = $1', [
            next.submissionId,
          ])
        ).rows[0].status;
      }
      expect(nextStatus).toBe('done');
      expect(runner.exitCode, log).toBeNull();
      expect(log).toMatch(/database unreachable \(.*\); retrying with backoff/);
      expect(log).toMatch(/database reachable again after \d+ s; carrying on/);
      expect(log).not.toMatch(/^\s+at /m);
    } finally {
      if (runner && runner.exitCode === null) {
        const exited = new Promise((resolve) => runner?.on('exit', resolve));
        runner.kill('SIGTERM');
        await exited;
      }
      await reference.close();
      await database.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
