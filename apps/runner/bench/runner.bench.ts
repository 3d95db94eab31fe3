/**
 * Runner throughput against the reference server (a separate process, --latency-ms 50), beside a
 * bare HTTP client at the same concurrency in the same run: how much the runner's own work
 * (claiming, the preflight, encoding, retries, scoring, batched writes to PostgreSQL, heartbeats,
 * completing the submission) costs on top of the requests. Also the request bytes per episode
 * against the sum of its images' sizes.
 *
 * Both sides are warmed up first (JIT, connections, the episodes table, which only the first run
 * on a benchmark fills), then run in ABBA order (raw, runner, runner, raw, …) so that drift on
 * this shared machine falls on both alike. Each side's rate is its requests over its time, summed
 * over its rounds. Beside the rates: where the runner's time goes (its job's setup, its requests,
 * its completion, from its log lines) and where the CPU goes per request (this process, which is
 * the client side; the reference server; PostgreSQL; the machine, other work on it included).
 * BENCH_PROFILE=<folder> adds a CPU profile of one round of each side (see harness.ts).
 */
import { rmSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildEpisodes, indexBenchmark } from '@linkboard/core';
import { printFigure } from '@linkboard/core/testing';
import { createSubmission, registerModel } from '@linkboard/db';
import { Agent, request } from 'undici';
import { ImageEncoder, toChatMessages } from '../src/adapters/encode';
import { runRunner } from '../src/worker/runner';
import { freePort, synthDirs, testPlatform } from '../test/platform';
import { benchEnv } from './env';
import {
  Cleanup,
  cpuProfile,
  descendantsCpu,
  descendantsCpuSince,
  gcPauses,
  machineBusyMs,
  startReferenceServer,
} from './harness';

const quick = benchEnv.quick;
const CONCURRENCY = 64;
const LATENCY_MS = 50;
/** Timed rounds per side, in ABBA order. */
const ROUNDS = quick ? 2 : 4;
/** The event loop's delay is read off a timer of this period. */
const LOOP_TIMER_MS = 10;

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
  const port = await freePort();
  await startReferenceServer(cleanup, {
    port,
    latencyMs: LATENCY_MS,
    manifestDir: platform.dataset.dir,
  });
  const url = `http://127.0.0.1:${port}/v1`;

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

  // Baseline: the same requests, serialised beforehand as Buffers (as the runner sends its
  // bodies), sent by a bare undici client, 64 in flight, reading each reply whole.
  const buffers: Buffer[] = [];
  for (const episode of episodes) {
    buffers.push(
      Buffer.from(
        JSON.stringify({
          model: 'random',
          messages: await toChatMessages(episode, encoder),
          temperature: 0,
          max_tokens: 32,
        }),
      ),
    );
  }
  const rawRound = async () => {
    const agent = new Agent({ connections: CONCURRENCY });
    let sent = 0;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < buffers.length) {
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
    } finally {
      await agent.close();
    }
  };

  // The runner: a real submission through the queue, the openai adapter, scoring, batched writes
  // and heartbeats; its submission is created before the clock starts, as the bodies above are.
  // Its job's phases are told by its log lines: `started:` before the first request, `finished:`
  // after the last write; completing the job (and so the submission) comes after.
  const phases = { setupMs: 0, askingMs: 0, completionMs: 0 };
  let submissions = 0;
  const runnerRound = async () => {
    const modelId = await registerModel(platform.database.db, {
      name: `bench-${submissions++}`,
    });
    await createSubmission(platform.database.db, {
      modelId,
      benchmarkVersionId: platform.benchmarkVersionId,
      adapterConfig: { adapter: 'openai', endpoint: url, model: 'random' },
      ...spec,
      shardSize: episodes.length,
    });
    return async () => {
      const at: Record<'start' | 'started' | 'finished', number> = {
        start: performance.now(),
        started: Number.NaN,
        finished: Number.NaN,
      };
      const log = (line: string) => {
        if (/^job \d+: started:/.test(line)) at.started = performance.now();
        else if (/^job \d+: finished:/.test(line)) at.finished = performance.now();
      };
      await runRunner(
        platform.database,
        platform.env,
        { concurrency: CONCURRENCY, gpus: 'none', once: true, log },
        new AbortController().signal,
      );
      phases.setupMs += at.started - at.start;
      phases.askingMs += at.finished - at.started;
      phases.completionMs += performance.now() - at.finished;
    };
  };

  interface Side {
    requests: number;
    ms: number;
    /** This process's CPU time (user and system). */
    cpuMs: number;
    /** Of this process, in garbage collection pauses. */
    gcMs: number;
    /** Of this process's children, by command: `node` is the reference server. */
    childCpuMs: Map<string, number>;
    /** The whole machine's busy time, other work on it included. */
    machineMs: number;
    /** How late this process's event loop ran a timer: each round's mean and 99th percentile. */
    loopDelayMs: { mean: number; p99: number }[];
    rounds: number[];
  }
  const side = (): Side => ({
    requests: 0,
    ms: 0,
    cpuMs: 0,
    gcMs: 0,
    childCpuMs: new Map(),
    machineMs: 0,
    loopDelayMs: [],
    rounds: [],
  });
  const gc = gcPauses();
  cleanup.defer(() => gc.stop());
  const raw = side();
  const runner = side();
  /** Times one round into `into`; `prepare` runs before the clock starts and gives the work. */
  const timed = async (into: Side, prepare: () => Promise<() => Promise<void>>) => {
    const work = await prepare();
    const cpu = process.cpuUsage();
    const children = descendantsCpu();
    const gcBefore = gc.ms();
    const machine = machineBusyMs();
    const loop = monitorEventLoopDelay({ resolution: LOOP_TIMER_MS });
    loop.enable();
    const started = performance.now();
    await work();
    const ms = performance.now() - started;
    loop.disable();
    into.loopDelayMs.push({
      mean: loop.mean / 1e6 - LOOP_TIMER_MS,
      p99: loop.percentile(99) / 1e6 - LOOP_TIMER_MS,
    });
    const used = process.cpuUsage(cpu);
    into.requests += episodes.length;
    into.ms += ms;
    into.cpuMs += (used.user + used.system) / 1000;
    into.gcMs += gc.ms() - gcBefore;
    for (const [command, cpuMs] of descendantsCpuSince(children))
      into.childCpuMs.set(command, (into.childCpuMs.get(command) ?? 0) + cpuMs);
    into.machineMs += (machineBusyMs() ?? Number.NaN) - (machine ?? Number.NaN);
    into.rounds.push(episodes.length / (ms / 1000));
  };
  const rawSide = () => timed(raw, async () => rawRound);
  const runnerSide = () => timed(runner, runnerRound);

  // Warm-up, untimed: both sides once; the phases are counted from the timed rounds only.
  await rawRound();
  await (await runnerRound())();
  Object.assign(phases, { setupMs: 0, askingMs: 0, completionMs: 0 });
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await rawSide();
      await runnerSide();
    } else {
      await runnerSide();
      await rawSide();
    }
  }

  const sizes = { episodes: episodes.length, concurrency: CONCURRENCY, rounds: ROUNDS };
  const rate = (s: Side) => s.requests / (s.ms / 1000);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const perRequest = (ms: number, s: Side) => (ms / s.requests).toFixed(3);
  const roundRates = (s: Side) => s.rounds.map((r) => r.toFixed(0)).join('/');
  printFigure('raw_client_requests_per_s', rate(raw), {
    baseline: true,
    sizes,
    extra: {
      server_latency_ms: LATENCY_MS,
      ideal_per_s: (CONCURRENCY * 1000) / LATENCY_MS,
      round_rates: roundRates(raw),
    },
  });
  printFigure('runner_requests_per_s', rate(runner), {
    sizes,
    extra: { round_rates: roundRates(runner) },
  });
  printFigure('runner_vs_raw', rate(runner) / rate(raw), {
    target: { atLeast: 0.95 },
    sizes,
    digits: 3,
  });
  // The runner's time per job: setup (claim, begin, provenance, the preflight request), asking
  // (the requests, scoring and writes), completion (the job's and submission's: aggregates and
  // the exposure check, in packages/db).
  const perJob = (ms: number) => ms / ROUNDS;
  printFigure('runner_asking_requests_per_s', runner.requests / (phases.askingMs / 1000), {
    sizes,
    extra: {
      vs_raw: (runner.requests / (phases.askingMs / 1000) / rate(raw)).toFixed(3),
      setup_ms_per_job: perJob(phases.setupMs).toFixed(0),
      asking_ms_per_job: perJob(phases.askingMs).toFixed(0),
      completion_ms_per_job: perJob(phases.completionMs).toFixed(0),
    },
  });
  // Where the CPU goes, per request.
  for (const [name, s] of [
    ['raw', raw],
    ['runner', runner],
  ] as const) {
    printFigure(`${name}_client_cpu_ms_per_request`, s.cpuMs / s.requests, {
      sizes,
      digits: 3,
      extra: {
        gc_ms_per_request: perRequest(s.gcMs, s),
        loop_delay_ms_mean: mean(s.loopDelayMs.map((d) => d.mean)).toFixed(1),
        loop_delay_ms_p99: mean(s.loopDelayMs.map((d) => d.p99)).toFixed(1),
        ...Object.fromEntries(
          [...s.childCpuMs]
            .filter(([command]) => command === 'node' || command === 'postgres')
            .map(([command, ms]) => [
              `${command === 'node' ? 'reference_server' : command}_cpu_ms_per_request`,
              perRequest(ms, s),
            ]),
        ),
        machine_cpu_ms_per_request: perRequest(s.machineMs, s),
        machine_busy_cores: (s.machineMs / s.ms).toFixed(2),
      },
    });
  }
  printFigure('request_bytes_per_episode', requestBytes / 200, {
    sizes: { episodes: 200 },
    extra: {
      image_bytes_per_episode: Math.round(imageBytes / 200),
      ratio: (requestBytes / imageBytes).toFixed(3),
      base64_alone: 1.333,
    },
  });

  // Profiles after the figures, so the profiler's own cost is in none: one round of each side,
  // whole (the runner's job from its claim to its completion).
  if (benchEnv.profileDir) {
    await mkdir(benchEnv.profileDir, { recursive: true });
    for (const [name, run] of [
      ['raw', rawRound],
      ['runner', await runnerRound()],
    ] as const) {
      const file = path.join(benchEnv.profileDir, `${name}.cpuprofile`);
      const { busyMs, idleMs, top } = await cpuProfile(run, file);
      console.log(
        `${name} round: busy ${busyMs.toFixed(0)} ms (${((1000 * busyMs) / episodes.length).toFixed(0)} us per request), idle ${idleMs.toFixed(0)} ms; top self time (${file}):`,
      );
      for (const f of top)
        console.log(
          `  ${(100 * f.share).toFixed(1).padStart(5)}% ${f.ms.toFixed(0).padStart(6)} ms  ${f.name} ${f.where}`,
        );
    }
  }
} finally {
  await cleanup.run();
}
