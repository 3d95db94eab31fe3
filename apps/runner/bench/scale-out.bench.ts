/**
 * Scale-out: one, then four runner processes on the site's runner API (HTTP, a runner token, no
 * database credentials), each working one job at a time with 4 requests in flight, against the
 * reference server with 500 ms latency per request. The endpoint bounds each runner (4 requests
 * per 500 ms), not its CPU, so four runners should finish the same submission about four times as
 * fast; the ratio measures what the queue over HTTP (claims, heartbeats, batched writes, the
 * site's scoring) takes away from that.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { printFigure } from '@linkboard/core/testing';
import { createSubmission, registerModel } from '@linkboard/db';
import { freePort, startRunnerApi, synthDirs, testPlatform } from '../test/platform';
import { benchEnv } from './env';
import { BIN, Cleanup, startReferenceServer } from './harness';

const quick = benchEnv.quick;
const LATENCY_MS = 500;
const CONCURRENCY = 4;
const SHARD = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanup = new Cleanup();
try {
  // Undone last first: the platform's database stops before its folders go; the small synth
  // it is made from goes however far its setup got.
  cleanup.defer(() => {
    for (const dir of synthDirs()) rmSync(dir, { recursive: true, force: true });
  });
  const platform = await testPlatform();
  cleanup.dir(platform.env.dataDir);
  cleanup.defer(() => platform.shutdown());
  const api = await startRunnerApi(platform, { tokenName: 'bench-lab' });
  cleanup.defer(() => api.close());
  const referencePort = await freePort();
  await startReferenceServer(cleanup, {
    port: referencePort,
    latencyMs: LATENCY_MS,
    manifestDir: platform.dataset.dir,
  });
  const endpoint = `http://127.0.0.1:${referencePort}/v1`;

  /** `linkboard runner --site` as a host without database credentials would run it. */
  async function startRunner(): Promise<ChildProcess> {
    const cacheDir = cleanup.dir(await mkdtemp(path.join(tmpdir(), 'linkboard-bench-runner-')));
    const { DATABASE_URL: _, ...inherited } = benchEnv.inherited;
    const child = cleanup.child(
      spawn(
        process.execPath,
        [
          BIN,
          'runner',
          '--site',
          api.url,
          '--token-env',
          'LB_RUNNER_TOKEN',
          '--jobs',
          '1',
          '--concurrency',
          String(CONCURRENCY),
          '--gpus',
          'none',
        ],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: {
            ...inherited,
            CI: 'true',
            LINKBOARD_DATA_DIR: cacheDir,
            LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
            LB_RUNNER_TOKEN: api.token,
          },
        },
      ),
    );
    // Ready once it says where it works: process start-up is not what is measured.
    let said = '';
    await new Promise<void>((resolve, reject) => {
      const hear = (chunk: Buffer) => {
        said += chunk;
        if (!said.includes('working on')) return;
        child.stderr?.off('data', hear);
        resolve();
      };
      child.stderr?.on('data', hear);
      child.once('exit', (code) =>
        reject(new Error(`a runner exited (${code}) before it was ready:\n${said}`)),
      );
      setTimeout(
        () => reject(new Error(`a runner was not ready in 60 s:\n${said}`)),
        60_000,
      ).unref();
    });
    child.stderr?.resume();
    return child;
  }

  const status = async (id: number) =>
    (await platform.database.pool.query('SELECT status FROM submissions WHERE id = $1', [id]))
      .rows[0]?.status as string;

  /** Episodes per second for `runners` processes, from the submission's creation to its end. */
  async function round(runners: number): Promise<{ rate: number; episodes: number }> {
    // Runners are up (and polling) before the clock starts: what is measured is the work.
    const children = await Promise.all(Array.from({ length: runners }, () => startRunner()));
    const modelId = await registerModel(platform.database.db, { name: `scale-${runners}` });
    const started = performance.now();
    const { submissionId, episodes } = await createSubmission(platform.database.db, {
      modelId,
      benchmarkVersionId: platform.benchmarkVersionId,
      adapterConfig: { adapter: 'openai', endpoint, model: 'random' },
      shots: [2, 4],
      policies: ['lcl'],
      draws: quick ? 10 : 30,
      shardSize: SHARD,
    });
    let state = await status(submissionId);
    while (state !== 'done') {
      if (state === 'failed' || state === 'cancelled')
        throw new Error(`submission ${submissionId} ended ${state}`);
      await sleep(100);
      state = await status(submissionId);
    }
    const seconds = (performance.now() - started) / 1000;
    // Stopped here when the round ends well; a round that throws leaves them to the cleanup.
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    return { rate: episodes / seconds, episodes };
  }

  const one = await round(1);
  const four = await round(4);
  const ideal = (CONCURRENCY * 1000) / LATENCY_MS;
  const sizes = {
    episodes: one.episodes,
    shard: SHARD,
    concurrency_per_runner: CONCURRENCY,
    server_latency_ms: LATENCY_MS,
  };
  printFigure('runners_1_episodes_per_s', one.rate, {
    baseline: true,
    sizes,
    extra: {
      ideal_per_runner_per_s: ideal,
      share_of_endpoint_bound: (one.rate / ideal).toFixed(2),
    },
  });
  printFigure('runners_4_episodes_per_s', four.rate, { sizes });
  printFigure('runners_4_vs_1_ratio', four.rate / one.rate, {
    target: { atLeast: 3.5 },
    sizes,
    extra: { ideal: 4 },
  });
} finally {
  await cleanup.run();
}
