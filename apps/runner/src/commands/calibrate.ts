import { randomUUID } from 'node:crypto';
import {
  accuracyBy,
  benchmarkName,
  DEFAULT_POLICY,
  DEFAULT_RANKED_SETTING,
  DEFAULT_SCORER,
  drawSeed,
  indexBenchmark,
  isPolicyName,
  POLICY_NAMES,
  type PolicyName,
  rankedSettingFor,
  verdictOf,
} from '@linkboard/core';
import { drawRanked, loadDataset, nodeSha256Hex, rankedFamiliarOf } from '@linkboard/datasets';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { builtinAdapter, familiarFromPairs } from '../adapters/builtin';
import { ImageEncoder } from '../adapters/encode';
import { BUILTIN_MODELS, STATEFUL_PROTOTYPE } from '../baselines';
import {
  ensureDefaultBenchmark,
  ensureRankedKey,
  LOCAL_BENCHMARKS,
  resolveLocalBenchmark,
} from '../defaults';
import type { Env } from '../env';
import { CliError } from '../errors';
import { runEvaluation } from '../eval/run';
import { toScoredAnswer } from '../eval/summary';
import type { Io } from '../io';
import { parsePositiveInt, parseShots } from '../options';
import { createProgress } from '../progress';
import {
  RANKED_HALF_WIDTH,
  type RankedResult,
  rankedPerPolicy,
  runRanked,
  warmedOn,
} from '../ranked';
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
  /** The version, `name@version`, as the site, the API and `--benchmark` name it. */
  benchmark: string;
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
    .option(
      '--ranked',
      'a fresh ranked draw (one concept per episode, half flip; score = mean of lcl and flip) from this deployment’s key, instead of a benchmark',
    )
    .option(
      '--per-policy <n>',
      `with --ranked: episodes per shot count and policy (default: a ±${100 * RANKED_HALF_WIDTH}-point interval on the score)`,
      parsePositiveInt,
    )
    .option('--json', 'print one JSON document instead of the Markdown table')
    .action(
      async (
        flags: {
          benchmark?: string;
          manifest?: string;
          shots?: number[];
          draws: number;
          policy: PolicyName;
          ranked?: boolean;
          perPolicy?: number;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (flags.ranked) {
          const conflicting = ['benchmark', 'manifest', 'draws', 'policy'].filter(
            (o) => command.getOptionValueSource(o) === 'cli',
          );
          if (conflicting.length)
            throw new CliError(
              `--ranked draws its own episodes (lcl and flip); it takes no ${conflicting.map((o) => `--${o}`).join(', ')}`,
            );
          await calibrateRanked(io, env, flags);
          return;
        }
        if (flags.perPolicy !== undefined) throw new CliError('--per-policy goes with --ranked');
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
          benchmark: benchmarkName(benchmark),
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
            episodes: { index, spec: { shots, policies: [flags.policy], draws: flags.draws } },
            adapter: builtinAdapter(name, encoder, familiarOf),
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

/** What `calibrate --ranked --json` prints. */
export interface RankedCalibration {
  draw: {
    /** A version of the ranked board's benchmark: `isekai-synth-ranked@1+<commitment's start>`. */
    name: string;
    key_id: string;
    commitment: string;
    /** Revealed: a calibration draw ranks nothing, and the seed tells nothing of the key. */
    seed: string;
    shots: number[];
    per_policy: number;
    episodes: number;
  };
  scorer: string;
  interval: 'agresti-caffo-95';
  models: {
    name: string;
    /** What it is there to show; reference models are never ranked. */
    role: 'baseline' | 'reference';
    score: number | null;
    score_low: number | null;
    score_high: number | null;
    lcl_accuracy: number | null;
    flip_accuracy: number | null;
    per_shot: {
      shots: number;
      score: number | null;
      lcl_accuracy: number | null;
      flip_accuracy: number | null;
    }[];
  }[];
}

/**
 * `calibrate --ranked`: the baselines, and stateful-prototype cold and warmed on another draw, on
 * one fresh ranked draw. Context-free answers belong at 50%; a model that reads the
 * demonstrations above it.
 */
async function calibrateRanked(
  io: Io,
  env: Env,
  flags: { shots?: number[]; perPolicy?: number; json?: boolean },
): Promise<void> {
  const { key, keyId } = await ensureRankedKey(env);
  const shots = flags.shots ?? DEFAULT_RANKED_SETTING.shots;
  const perPolicy = flags.perPolicy ?? rankedPerPolicy(shots.length);
  // A run id no one can guess: this draw is fresh, as a ranked submission's is.
  const draw = drawRanked({ seed: drawSeed(key, `calibrate|${randomUUID()}`), shots, perPolicy });
  // Warmed on another fresh draw first: what an endpoint that saw an earlier run remembers.
  const earlier = drawRanked({
    seed: drawSeed(key, `calibrate warm-up|${randomUUID()}`),
    shots,
    perPolicy: Math.max(5, Math.ceil(perPolicy / 4)),
  });
  const { encoder, warm } = await warmedOn(earlier, draw);
  const model = (name: (typeof BUILTIN_MODELS)[number] | typeof STATEFUL_PROTOTYPE) =>
    builtinAdapter(name, encoder, rankedFamiliarOf);
  const progress = createProgress(io.stderr, 'ranked draw', !env.CI);
  const results = await runRanked({
    episodes: draw.episodes,
    models: [
      ...BUILTIN_MODELS.map((name) => ({ name, adapter: model(name) })),
      { name: `${STATEFUL_PROTOTYPE} (cold)`, adapter: model(STATEFUL_PROTOTYPE) },
      { name: `${STATEFUL_PROTOTYPE} (warm)`, adapter: warm },
    ],
    concurrency: 4,
    onProgress: (d, t) => progress.update(d, t),
  }).finally(() => progress.stop());
  const calibration: RankedCalibration = {
    draw: {
      name: benchmarkName(draw.manifest.benchmark),
      key_id: keyId,
      commitment: draw.commitment,
      seed: draw.seed,
      shots: [...shots],
      per_policy: perPolicy,
      episodes: draw.episodes.length,
    },
    scorer: DEFAULT_SCORER,
    interval: 'agresti-caffo-95',
    models: results.map((r) => rankedRow(r)),
  };
  io.stdout.write(
    flags.json ? `${JSON.stringify(calibration, null, 2)}\n` : rankedMarkdown(calibration),
  );
}

function rankedRow(r: RankedResult): RankedCalibration['models'][number] {
  const all = r.byShots.find((b) => b.shots === 'all');
  return {
    name: r.name,
    role: (BUILTIN_MODELS as readonly string[]).includes(r.name) ? 'baseline' : 'reference',
    score: all?.score?.score ?? null,
    score_low: all?.score?.low ?? null,
    score_high: all?.score?.high ?? null,
    lcl_accuracy: all?.score?.lclAccuracy ?? null,
    flip_accuracy: all?.score?.flipAccuracy ?? null,
    per_shot: r.byShots
      .filter((b): b is typeof b & { shots: number } => b.shots !== 'all')
      .map((b) => ({
        shots: b.shots,
        score: b.score?.score ?? null,
        lcl_accuracy: b.score?.lclAccuracy ?? null,
        flip_accuracy: b.score?.flipAccuracy ?? null,
      })),
  };
}

function rankedMarkdown(c: RankedCalibration): string {
  const { draw } = c;
  const lines = [
    `Ranked draw ${draw.name}: ${draw.episodes} episodes (shots ${draw.shots.join(', ')}; ${draw.per_policy} lcl and ${draw.per_policy} flip each), one concept per episode, scorer ${c.scorer}. Score = mean of lcl and flip accuracy, in % with a 95% interval; an answer that ignores the demonstrations scores 50.`,
    '',
    `| model | score [95% CI] | lcl | flip | ${draw.shots.map((k) => `${k}-shot`).join(' | ')} |`,
    `|---|---|---:|---:|${draw.shots.map(() => '---:').join('|')}|`,
  ];
  for (const m of c.models)
    lines.push(
      `| ${m.name}${m.role === 'reference' ? ' (never ranked)' : ''} | ${pct(m.score)} [${pct(m.score_low)}, ${pct(m.score_high)}] | ${pct(m.lcl_accuracy)} | ${pct(m.flip_accuracy)} | ${m.per_shot.map((p) => pct(p.score)).join(' | ')} |`,
    );
  lines.push(
    '',
    `Key ${draw.key_id}; commitment ${draw.commitment}; seed ${draw.seed} (a calibration draw is revealed at once: it ranks nothing).`,
  );
  return `${lines.join('\n')}\n`;
}

function markdown(c: Calibration): string {
  const lines = [
    `Benchmark ${c.benchmark} (${c.manifest_hash.slice(0, 12)}), policy ${c.policy}, scorer ${c.scorer}, ${c.draws} draws per query; accuracy in % with Wilson 95% interval.`,
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
