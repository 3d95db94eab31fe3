import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { isSafeModelName } from '@linkboard/core';
import { z } from 'zod';
import { CliError } from '../errors';
import { type GpuState, listGpus } from './gpu';

/**
 * Serve profiles are registered by the operator, never by submitters: a submitter picks a profile
 * and a model name, and the command is the operator's. Arguments are an array (no shell), with
 * {model} and {port} filled in.
 */
const ProfileSchema = z.object({
  command: z.array(z.string().min(1)).min(1),
  gpus: z.number().int().min(0).default(1),
  health: z.string().default('/v1/models'),
  startupTimeoutS: z.number().positive().default(900),
  env: z.record(z.string(), z.string()).default({}),
});
const ProfilesSchema = z.object({ profiles: z.record(z.string(), ProfileSchema) });
export type ServeProfile = z.infer<typeof ProfileSchema>;

export async function loadServeProfiles(
  file: string | undefined,
): Promise<Record<string, ServeProfile>> {
  if (!file) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${file}: cannot read serve profiles: ${(error as Error).message}`);
  }
  const parsed = ProfilesSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data.profiles;
}

/** Model names go into a command line: letters, digits and . _ - / : only. */
export function checkModelName(model: string): string {
  if (!isSafeModelName(model)) {
    throw new CliError(`model name "${model}" may hold only letters, digits and . _ - / :`);
  }
  return model;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface GpuTelemetry {
  gpus: { index: number; name: string }[];
  samples: number;
  peakMemoryMiB: number;
  meanUtilizationPct: number;
}

export interface ServedModel {
  /** Base URL of the server's OpenAI-compatible API. */
  url: string;
  telemetry(): GpuTelemetry;
  /** Stops the server and its children (the whole process group). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Launches a model server from a profile on the given GPUs (CUDA_VISIBLE_DEVICES), waits for its
 * health endpoint, and samples the GPUs' memory and utilisation while it runs.
 */
export async function startServedModel(
  profile: ServeProfile,
  model: string,
  gpus: readonly number[],
  options: {
    log: (line: string) => void;
    /** The environment the server inherits (the runner's own, from env.ts). */
    baseEnv: Readonly<Record<string, string | undefined>>;
    signal?: AbortSignal;
    sampleMs?: number;
  },
): Promise<ServedModel> {
  const port = await freePort();
  const args = profile.command.map((part) =>
    part.replaceAll('{model}', checkModelName(model)).replaceAll('{port}', String(port)),
  );
  const [command, ...rest] = args as [string, ...string[]];
  const child: ChildProcess = spawn(command, rest, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...options.baseEnv, ...profile.env, CUDA_VISIBLE_DEVICES: gpus.join(',') },
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const spawnError = new Promise<never>((_, reject) => child.on('error', reject));
  spawnError.catch(() => {});
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopped = false;
  const stop = async () => {
    if (stopped || child.pid === undefined) return;
    stopped = true;
    clearInterval(sampler);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    const gone = new Promise((resolve) =>
      exited !== undefined ? resolve(null) : child.once('exit', resolve),
    );
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, 10_000);
    await gone;
    clearTimeout(timer);
  };

  const samples: GpuState[][] = [];
  const sampler = setInterval(() => {
    void listGpus().then((all) => samples.push(all.filter((g) => gpus.includes(g.index))));
  }, options.sampleMs ?? 5_000);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + profile.startupTimeoutS * 1000;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new Error('cancelled while the model server was starting');
      if (exited !== undefined)
        throw new Error(
          `the model server exited (code ${exited}) before it was healthy: ${tail.slice(-5).join(' | ')}`,
        );
      const healthy = await fetch(`${url}${profile.health}`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline)
        throw new Error(`the model server was not healthy after ${profile.startupTimeoutS} s`);
      await Promise.race([new Promise((r) => setTimeout(r, 500)), spawnError]);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  options.log(
    `model server for ${model} healthy on port ${port} (GPUs: ${gpus.join(',') || 'none'})`,
  );
  return {
    url: `${url}/v1`,
    telemetry() {
      const flat = samples.flat();
      const names = new Map<number, string>();
      for (const g of flat) names.set(g.index, g.name);
      return {
        gpus: gpus.map((index) => ({ index, name: names.get(index) ?? 'unknown' })),
        samples: samples.length,
        peakMemoryMiB: flat.reduce((m, g) => Math.max(m, g.memoryUsedMiB), 0),
        meanUtilizationPct: flat.length
          ? flat.reduce((s, g) => s + g.utilizationPct, 0) / flat.length
          : 0,
      };
    },
    stop,
  };
}
