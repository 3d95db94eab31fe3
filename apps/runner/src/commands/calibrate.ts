import {
  accuracyBy,
  DEFAULT_POLICY,
  DEFAULT_SCORER,
  indexBenchmark,
  isPolicyName,
  POLICY_NAMES,
  type PolicyName,
  rankedSettingFor,
  verdictOf,
} from '@linkboard/core';
import { loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { builtinAdapter, familiarFromPairs } from '../adapters/builtin';
import { ImageEncoder } from '../adapters/encode';
import { BUILTIN_MODELS } from '../baselines';
import { ensureDefaultBenchmark, LOCAL_BENCHMARKS, resolveLocalBenchmark } from '../defaults';
import type { Env } from '../env';
import { CliError } from '../errors';
import { runEvaluation } from '../eval/run';
import { toScoredAnswer } from '../eval/summary';
import type { Io } from '../io';
import { parsePositiveInt, parseShots } from '../options';
import { createProgress } from '../progress';
import { datasetDirOf } from './episodes';

const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(1));

/** The interval every accuracy here carries (core's `accuracyBy`), named in the JSON. */
const INTERVAL = 'wilson-95';

function parsePolicy(value: string): PolicyName {
  if (!isPolicyName(value))
    throw new InvalidArgumentError(
      `unknown policy "${value}"; choose from ${POLICY_NAMES.join(', ')}`,
    );
  return value;
}

/** One baseline at one shot count, as `--json` prints it. */
export interface CalibrationRow {
  shots: number;
  n: number;
  correct: number;
  accuracy: number | null;
  ci_low: number | null;
  ci_high: number | null;
  novel_accuracy: number | null;
  familiar_accuracy: number | null;
}

/** What `calibrate --json` prints: one document a script can check the calibration with. */
export interface Calibration {
  benchmark: string;
  version: string;
  manifest_hash: string;
  policy: PolicyName;
  scorer: string;
  draws: number;
  shots: number[];
  interval: typeof INTERVAL;
  baselines: { name: string; per_shot: CalibrationRow[] }[];
}

/**
 * `linkboard calibrate`: every baseline on a benchmark (default: the embedded one), per shot, as a
 * Markdown table, or with `--json` as one JSON document — the check that the benchmark is
 * learnable but not solved by low-level features.
 */
export function registerCalibrate(program: Command, io: Io, env: Env): void {
  program
    .command('calibrate')
    .description(
      'run every built-in baseline per shot and print a Markdown calibration table (or --json)',
    )
    .option(
      '--benchmark <name[@version]>',
      `a benchmark built or loaded here, no database needed: ${LOCAL_BENCHMARKS.map((b) => `${b.name}@${b.version}`).join(', ')} (default: isekai-synth)`,
    )
    .option('--manifest <dir>', 'dataset folder (instead of --benchmark)')
    .option('--shots <list>', 'shot counts (default: the benchmark’s ranked setting)', parseShots)
    .option('--draws <n>', 'support sets per query', parsePositiveInt, 2)
    .addOption(
      new Option(
        '--policy <name>',
        `prompt policy: ${POLICY_NAMES.join(', ')} (flip: are the labels followed?)`,
      )
        .argParser(parsePolicy)
        .default(DEFAULT_POLICY),
    )
    .option('--json', 'print one JSON document instead of the Markdown table')
    .action(
      async (flags: {
        benchmark?: string;
        manifest?: string;
        shots?: number[];
        draws: number;
        policy: PolicyName;
        json?: boolean;
      }) => {
        if (flags.benchmark !== undefined && flags.manifest !== undefined)
          throw new CliError('give --benchmark or --manifest, not both');
        const dataset = flags.manifest
          ? await loadDataset(datasetDirOf(flags.manifest))
          : flags.benchmark !== undefined
            ? await resolveLocalBenchmark(flags.benchmark, env, io)
            : await ensureDefaultBenchmark(env, io);
        const index = indexBenchmark(dataset.manifest, { sha256Hex: nodeSha256Hex });
        // The shots the benchmark ranks on fit its pools: the sample has one image per class.
        const shots = flags.shots ?? rankedSettingFor(index).shots;
        const encoder = new ImageEncoder(dataset.store, dataset.manifest);
        const familiarOf = familiarFromPairs(dataset.manifest.pairs);
        const { benchmark, manifestHash } = dataset.manifest;
        const calibration: Calibration = {
          benchmark: benchmark.name,
          version: benchmark.version,
          manifest_hash: manifestHash,
          policy: flags.policy,
          scorer: DEFAULT_SCORER,
          draws: flags.draws,
          shots,
          interval: INTERVAL,
          baselines: [],
        };
        for (const name of BUILTIN_MODELS) {
          const progress = createProgress(io.stderr, name, !env.CI);
          const results = await runEvaluation({
            index,
            adapter: builtinAdapter(name, encoder, familiarOf),
            spec: { shots, policies: [flags.policy], draws: flags.draws },
            concurrency: 4,
            onProgress: (d, t) => progress.update(d, t),
          }).finally(() => progress.stop());
          const answers = results.map((r) =>
            toScoredAnswer(r.episode, verdictOf(r.verdicts, DEFAULT_SCORER)),
          );
          const byClass = new Map(
            accuracyBy(answers, ['shots', 'queryClass'] as const).map((r) => [
              r.key.join('|'),
              r.accuracy,
            ]),
          );
          calibration.baselines.push({
            name,
            per_shot: accuracyBy(answers, ['shots'] as const).map((row) => ({
              shots: row.key[0],
              n: row.n,
              correct: row.correct,
              accuracy: row.accuracy,
              ci_low: row.low,
              ci_high: row.high,
              novel_accuracy: byClass.get(`${row.key[0]}|novel`) ?? null,
              familiar_accuracy: byClass.get(`${row.key[0]}|familiar`) ?? null,
            })),
          });
        }
        io.stdout.write(
          flags.json ? `${JSON.stringify(calibration, null, 2)}\n` : markdown(calibration),
        );
      },
    );
}

function markdown(c: Calibration): string {
  const lines = [
    `Benchmark ${c.benchmark}@${c.version} (${c.manifest_hash.slice(0, 12)}), policy ${c.policy}, scorer ${c.scorer}, ${c.draws} draws per query; accuracy in % with Wilson 95% interval.`,
    '',
    '| baseline | shots | n | accuracy [95% CI] | novel queries | familiar queries |',
    '|---|---:|---:|---|---:|---:|',
  ];
  for (const { name, per_shot } of c.baselines)
    for (const r of per_shot)
      lines.push(
        `| ${name} | ${r.shots} | ${r.n} | ${pct(r.accuracy)} [${pct(r.ci_low)}, ${pct(r.ci_high)}] | ${pct(r.novel_accuracy)} | ${pct(r.familiar_accuracy)} |`,
      );
  return `${lines.join('\n')}\n`;
}
