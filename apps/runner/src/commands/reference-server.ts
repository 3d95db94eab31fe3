import { loadDataset } from '@linkboard/datasets';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { familiarFromPairs } from '../adapters/builtin';
import {
  answerKeyOf,
  isReferenceModel,
  REFERENCE_MODELS,
  type ReferenceModelName,
} from '../baselines';
import { ensureDefaultBenchmark } from '../defaults';
import type { Env } from '../env';
import type { Io } from '../io';
import { parsePositiveInt } from '../options';
import { startReferenceServer } from '../server/reference-server';
import { datasetDirOf } from './episodes';

function parseRate(value: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new InvalidArgumentError(`"${value}" is not a rate between 0 and 1`);
  return rate;
}

/** `NAME=BASELINE`, collected over repeated flags. */
function collectServedName(
  value: string,
  previous: Record<string, ReferenceModelName> = {},
): Record<string, ReferenceModelName> {
  const at = value.lastIndexOf('=');
  const name = value.slice(0, at).trim();
  const baseline = value.slice(at + 1).trim();
  if (at <= 0 || !name)
    throw new InvalidArgumentError(`"${value}" is not NAME=BASELINE (e.g. my-model=prototype)`);
  if (!isReferenceModel(baseline))
    throw new InvalidArgumentError(
      `"${baseline}" is not a baseline; there are ${REFERENCE_MODELS.join(', ')}`,
    );
  return { ...previous, [name]: baseline };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port`);
  return port;
}

export function registerReferenceServer(program: Command, io: Io, env: Env): void {
  program
    .command('reference-server')
    .description(
      'serve the built-in baselines as an OpenAI-compatible API (GET /v1/models, POST /v1/chat/completions)',
    )
    .option('--port <port>', 'port (0: any free one)', parsePort, 8000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--latency-ms <ms>', 'delay added to every reply', (v) => Number.parseInt(v, 10), 0)
    .option(
      '--faults <rate>',
      'fraction of requests that fail as real servers do (429, 5xx, resets, bad JSON, empty, stalls)',
      parseRate,
      0,
    )
    .option('--fault-seed <n>', 'seed of the fault sequence', parsePositiveInt, 1)
    .option('--stall-ms <ms>', 'how long a stalled request is held', parsePositiveInt, 120_000)
    .option(
      '--served-model-name <name=baseline>',
      'serve a baseline under another name too, as a model server names a checkpoint (repeatable)',
      collectServedName,
    )
    .option(
      '--max-images <n>',
      'refuse a request with more images, as vLLM does past its per-prompt limit',
      parsePositiveInt,
    )
    .option(
      '--manifest <dir...>',
      'benchmarks whose familiar labels always-familiar knows (default: the embedded one)',
    )
    .action(
      async (flags: {
        port: number;
        host: string;
        latencyMs: number;
        faults: number;
        faultSeed: number;
        stallMs: number;
        manifest?: string[];
        servedModelName?: Record<string, ReferenceModelName>;
        maxImages?: number;
      }) => {
        const datasets = flags.manifest
          ? await Promise.all(flags.manifest.map((m) => loadDataset(datasetDirOf(m))))
          : [await ensureDefaultBenchmark(env, io)];
        const server = await startReferenceServer({
          port: flags.port,
          host: flags.host,
          latencyMs: flags.latencyMs,
          faults: flags.faults,
          faultSeed: flags.faultSeed,
          stallMs: flags.stallMs,
          servedAs: flags.servedModelName,
          maxImagesPerPrompt: flags.maxImages,
          familiarOf: familiarFromPairs(datasets.flatMap((d) => d.manifest.pairs)),
          answerKey: answerKeyOf(datasets.map((d) => d.manifest)),
          log: (line) => io.stderr.write(`${line}\n`),
        });
        io.stdout.write(
          `reference server listening on ${server.url} (models: ${[...Object.keys(flags.servedModelName ?? {}), ...REFERENCE_MODELS].join(', ')})\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
      },
    );
}
