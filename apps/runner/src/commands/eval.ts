import { writeFile } from 'node:fs/promises';
import {
  AdapterConfigError,
  DEFAULT_POLICY,
  DEFAULT_SCORER,
  type EndpointApi,
  generationOf,
  indexBenchmark,
  type PolicyName,
  parseAdapterConfig,
  type ScorerName,
  verdictOf,
} from '@linkboard/core';
import { type DatasetDir, loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import { type Command, Option } from 'commander';
import { builtinAdapter, familiarFromPairs } from '../adapters/builtin';
import { ImageEncoder } from '../adapters/encode';
import { endpointAdapter } from '../adapters/endpoint';
import type { Adapter } from '../adapters/types';
import { EVAL_MODELS } from '../baselines';
import type { Env } from '../env';
import { CliError } from '../errors';
import { evalSummary, resultLine } from '../eval/report';
import { type EpisodeResult, runEvaluation } from '../eval/run';
import { perShotTable, toScoredAnswer } from '../eval/summary';
import type { Io } from '../io';
import {
  adapterOption,
  addGenerationOptions,
  type GenerationFlags,
  generationFromFlags,
  POLICY_HELP,
  parsePolicies,
  parsePositiveInt,
  parseScorer,
  parseShots,
  parseWholeNumber,
  scorerHelp,
  secretFromEnv,
} from '../options';
import { createProgress } from '../progress';
import { datasetDirOf } from './episodes';

export interface EvalFlags extends GenerationFlags {
  manifest: string;
  model: string;
  adapter: EndpointApi;
  endpoint?: string;
  apiKeyEnv?: string;
  shots: number[];
  policy: PolicyName[];
  draws: number;
  concurrency: number;
  scorer: ScorerName;
  timeoutMs: number;
  retries: number;
  maxImageSide?: number;
  json?: boolean;
  out?: string;
}

/**
 * The adapter a `--model` / `--endpoint` pair names (`--adapter`, given, names an endpoint of that
 * API even without a URL: Anthropic's and Google's have a default one).
 */
export function adapterFor(
  flags: EvalFlags,
  dataset: DatasetDir,
  env: Env,
  namedApi = false,
): Adapter {
  const encoder = new ImageEncoder(dataset.store, dataset.manifest, flags.maxImageSide);
  const atEndpoint = Boolean(flags.endpoint) || namedApi;
  const generation = generationFromFlags(flags, atEndpoint);
  if (atEndpoint) {
    const apiKey = flags.apiKeyEnv
      ? secretFromEnv(env.secrets, '--api-key-env', flags.apiKeyEnv)
      : undefined;
    // A local evaluation reaches whatever the person running it can: only the URL's form is
    // checked (the address policy guards the platform's shared runners); the generation settings
    // as the API takes them (core's schema: a thinking budget only where the API has one).
    let config: ReturnType<typeof parseAdapterConfig>;
    try {
      config = parseAdapterConfig(
        { adapter: flags.adapter, endpoint: flags.endpoint, model: flags.model, ...generation },
        `--adapter ${flags.adapter}`,
      );
    } catch (error) {
      if (error instanceof AdapterConfigError) throw new CliError(error.message);
      throw error;
    }
    if (
      config.adapter !== 'openai' &&
      config.adapter !== 'anthropic' &&
      config.adapter !== 'gemini'
    )
      throw new CliError(`--adapter ${flags.adapter} is not an endpoint API`);
    return endpointAdapter(
      config.adapter,
      {
        endpoint: config.endpoint as string,
        model: flags.model,
        apiKey,
        timeoutMs: flags.timeoutMs,
        retries: flags.retries,
        ...generationOf(config),
      },
      encoder,
    );
  }
  const match = /^builtin:(.+)$/.exec(flags.model);
  const name = match?.[1] as string;
  if (!match || !(EVAL_MODELS as readonly string[]).includes(name)) {
    throw new CliError(
      `--model "${flags.model}": without --endpoint, name a built-in model (${EVAL_MODELS.map((b) => `builtin:${b}`).join(', ')})`,
    );
  }
  return builtinAdapter(
    name as (typeof EVAL_MODELS)[number],
    encoder,
    familiarFromPairs(dataset.manifest.pairs),
  );
}

export function registerEval(program: Command, io: Io, env: Env): void {
  const evaluate = program
    .command('eval')
    .description(
      'evaluate a model on a benchmark locally (no database): per-shot accuracy with intervals',
    )
    .requiredOption('--manifest <dir>', 'dataset folder (or its manifest.json)')
    .requiredOption(
      '--model <name>',
      'builtin:random|always-familiar|prototype|query-only, or the model name at --endpoint',
    )
    .addOption(adapterOption())
    .option(
      '--endpoint <url>',
      'the API base URL, e.g. http://127.0.0.1:8000/v1 (optional with --adapter anthropic or gemini)',
    )
    .option(
      '--api-key-env <var>',
      'read the API key from this environment variable (never from the command line)',
    )
    .option('--shots <list>', 'shot counts', parseShots, [2, 4, 8, 16])
    .addOption(
      new Option('--policy <list>', POLICY_HELP)
        .argParser(parsePolicies)
        .default([DEFAULT_POLICY], DEFAULT_POLICY),
    )
    .option('--draws <n>', 'independent support sets per query', parsePositiveInt, 1)
    .option('--concurrency <n>', 'requests in flight', parsePositiveInt, 8)
    .option(
      '--scorer <name>',
      `${scorerHelp()}; for the table and summary`,
      parseScorer,
      DEFAULT_SCORER,
    )
    .option('--timeout-ms <ms>', 'per-request timeout', parsePositiveInt, 60_000)
    .option(
      '--retries <n>',
      'retries per request on 429, 5xx, network errors and unreadable replies',
      parseWholeNumber,
      6,
    )
    .option('--max-image-side <px>', 'shrink larger images before sending', parsePositiveInt);
  addGenerationOptions(evaluate)
    .option('--json', 'print a JSON summary instead of the table')
    .option('--out <file>', 'write every episode’s raw answer and verdicts as JSONL')
    .action(async (flags: EvalFlags, command: Command) => {
      const dataset = await loadDataset(datasetDirOf(flags.manifest));
      const adapter = adapterFor(
        flags,
        dataset,
        env,
        command.getOptionValueSource('adapter') === 'cli',
      );
      const index = indexBenchmark(dataset.manifest, { sha256Hex: nodeSha256Hex });
      const progress = createProgress(io.stderr, 'episodes', !env.CI);
      const controller = new AbortController();
      const stop = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      let results: EpisodeResult[];
      try {
        results = await runEvaluation({
          episodes: {
            index,
            spec: { shots: flags.shots, policies: flags.policy, draws: flags.draws },
          },
          adapter,
          concurrency: flags.concurrency,
          onProgress: (done, total) => progress.update(done, total),
          signal: controller.signal,
        });
      } finally {
        progress.stop();
        process.off('SIGINT', stop);
      }
      if (flags.out)
        await writeFile(
          flags.out,
          results.map((r) => `${JSON.stringify(resultLine(r))}\n`).join(''),
        );
      const summary = evalSummary(results, dataset.manifest, adapter.label, flags.scorer);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } else {
        const { benchmark, manifestHash } = dataset.manifest;
        io.stdout.write(
          [
            `benchmark ${benchmark.name}@${benchmark.version} (${manifestHash.slice(0, 12)}) · model ${adapter.label} · scorer ${flags.scorer} · ${results.length} episodes`,
            '',
            perShotTable(
              results.map((r) => toScoredAnswer(r.episode, verdictOf(r.verdicts, flags.scorer))),
            ),
            '',
          ].join('\n'),
        );
        if (summary.reasoning_answers > 0)
          io.stderr.write(
            `${summary.reasoning_answers} answer(s) came with reasoning; only the reply's content was scored\n`,
          );
        const errors = Object.entries(summary.errors_by_class);
        if (errors.length > 0)
          io.stderr.write(`errors: ${errors.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
      }
      if (controller.signal.aborted)
        throw new CliError('interrupted: the results above cover the episodes finished so far');
      // A run where nothing answered measured nothing: its 0% table is not a result. Say why,
      // in the server's own words, and fail.
      const answered = results.filter((r) => r.result.answer !== null).length;
      if (results.length > 0 && answered === 0) {
        const first = results[0]?.result;
        throw new CliError(
          `no episode got an answer (${results.length} asked): ${first?.errorClass ?? 'error'}${first?.error ? `: ${first.error}` : ''}`,
        );
      }
    });
}
