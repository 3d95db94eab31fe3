/**
 * Runner throughput against the reference server (a separate process, --latency-ms 50), beside a
 * bare HTTP client at the same concurrency in the same run: how much the runner's own work
 * (episodes, encoding, retries, scoring, batched writes to PostgreSQL) costs on top of the
 * requests. Also the request bytes per episode against the sum of its images' sizes.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildEpisodes, indexBenchmark } from '@linkboard/core';
import { createSubmission, registerModel } from '@linkboard/db';
import { Agent, request } from 'undici';
import { ImageEncoder, toChatMessages } from '../src/adapters/encode';
import { runRunner } from '../src/worker/runner';
import { freePort, testPlatform } from '../test/platform';
import { benchEnv } from './env';

const quick = benchEnv.quick;
const CONCURRENCY = 64;
const LATENCY_MS = 50;
const BIN = fileURLToPath(new URL('../bin/linkboard.js', import.meta.url));

const platform = await testPlatform();
const port = await freePort();
const server = spawn(
  process.execPath,
  [
    BIN,
    'reference-server',
    '--port',
    String(port),
    '--latency-ms',
    String(LATENCY_MS),
    '--manifest',
    platform.dataset.dir,
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...benchEnv.inherited, CI: 'true' },
  },
);
await new Promise<void>((resolve) =>
  server.stdout?.on('data', (c) => String(c).includes('listening') && resolve()),
);
const url = `http://127.0.0.1:${port}/v1`;

try {
  const spec = {
    shots: [2, 4, 8],
    policies: ['lcl' as const, 'icl' as const],
    draws: quick ? 8 : 40,
  };
  const episodes = [...buildEpisodes(indexBenchmark(platform.dataset.manifest), spec)];

  // Request size: the chat request of each episode against the bytes of the images it shows.
  const encoder = new ImageEncoder(platform.dataset.store, platform.dataset.manifest);
  let requestBytes = 0;
  let imageBytes = 0;
  for (const episode of episodes.slice(0, 200)) {
    requestBytes += Buffer.byteLength(
      JSON.stringify({
        model: 'random',
        messages: await toChatMessages(episode, encoder),
        temperature: 0,
        max_tokens: 32,
      }),
    );
    for (const id of [...episode.support.map((s) => s.imageId), episode.query.imageId])
      imageBytes += (await stat(platform.dataset.store.pathOf(id))).size;
  }

  // Baseline: the same requests, serialised beforehand, sent by a bare undici client, 64 in flight.
  const bodies: string[] = [];
  for (const episode of episodes) {
    bodies.push(
      JSON.stringify({
        model: 'random',
        messages: await toChatMessages(episode, encoder),
        temperature: 0,
        max_tokens: 32,
      }),
    );
  }
  // Baseline bodies are prepared as Buffers, as the runner's are.
  const buffers = bodies.map((b) => Buffer.from(b));
  const rawRound = async () => {
    const agent = new Agent({ connections: CONCURRENCY });
    let sent = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < episodes.length) {
          const body = buffers[sent++] as Buffer;
          const response = await request(`${url}/chat/completions`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
            dispatcher: agent,
          });
          await response.body.text();
        }
      }),
    );
    await agent.close();
    return episodes.length / ((performance.now() - started) / 1000);
  };

  // The runner: a real submission through the queue, the openai adapter and batched writes.
  const runnerRound = async (round: number) => {
    const modelId = await registerModel(platform.database.db, { name: `bench-${round}` });
    await createSubmission(platform.database.db, {
      modelId,
      benchmarkVersionId: platform.benchmarkVersionId,
      adapterConfig: { adapter: 'openai', endpoint: url, model: 'random' },
      ...spec,
      shardSize: episodes.length,
    });
    const started = performance.now();
    await runRunner(
      platform.database,
      platform.env,
      { concurrency: CONCURRENCY, gpus: 'none', once: true, log: () => {} },
      new AbortController().signal,
    );
    return episodes.length / ((performance.now() - started) / 1000);
  };

  // Alternating rounds, so that a noisy neighbour on this shared machine hits both sides alike.
  const raws: number[] = [];
  const runs: number[] = [];
  for (let round = 0; round < 3; round++) {
    raws.push(await rawRound());
    runs.push(await runnerRound(round));
  }
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const rawRate = mean(raws);
  const runnerRate = mean(runs);

  console.log(
    `episodes=${episodes.length} concurrency=${CONCURRENCY} server_latency_ms=${LATENCY_MS} ideal_per_s=${Math.round((CONCURRENCY * 1000) / LATENCY_MS)}`,
  );
  console.log(
    `raw_client_requests_per_s=${rawRate.toFixed(0)} (baseline: undici, the same request bodies prepared beforehand; mean of 3 alternating rounds: ${raws.map((r) => r.toFixed(0)).join(', ')})`,
  );
  console.log(
    `runner_requests_per_s=${runnerRate.toFixed(0)} ratio_to_raw=${(runnerRate / rawRate).toFixed(3)} target>=0.95 (rounds: ${runs.map((r) => r.toFixed(0)).join(', ')})`,
  );
  console.log(
    `request_bytes_per_episode=${Math.round(requestBytes / 200)} image_bytes_per_episode=${Math.round(imageBytes / 200)} ratio=${(requestBytes / imageBytes).toFixed(3)} (base64 alone is 1.333)`,
  );
} finally {
  server.kill('SIGTERM');
  await platform.shutdown();
}
