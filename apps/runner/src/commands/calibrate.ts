import {
  accuracyBy,
  DEFAULT_POLICY,
  DEFAULT_SCORER,
  indexBenchmark,
  verdictOf,
} from '@linkboard/core';
import { loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import type { Command } from 'commander';
import { builtinAdapter, familiarFromPairs } from '../adapters/builtin';
import { ImageEncoder } from '../adapters/encode';
import { BUILTIN_MODELS } from '../baselines';
import { ensureDefaultBenchmark } from '../defaults';
import type { Env } from '../env';
import { runEvaluation } from '../eval/run';
import { toScoredAnswer } from '../eval/summary';
import type { Io } from '../io';
import { parsePositiveInt, parseShots } from '../options';
import { createProgress } from '../progress';
import { datasetDirOf } from './episodes';

const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(1));

/**
 * `linkboard calibrate`: every baseline on a benchmark (default: the embedded one), per shot, as a
 * Markdown table — the check that the benchmark is learnable but not solved by low-level features.
 */
export function registerCalibrate(program: Command, io: Io, env: Env): void {
  program
    .command('calibrate')
    .description('run every built-in baseline per shot and print a Markdown calibration table')
    .option('--manifest <dir>', 'dataset folder (default: the embedded isekai-synth)')
    .option('--shots <list>', 'shot counts', parseShots, [2, 4, 8, 16])
    .option('--draws <n>', 'support sets per query', parsePositiveInt, 2)
    .action(async (flags: { manifest?: string; shots: number[]; draws: number }) => {
      const dataset = flags.manifest
        ? await loadDataset(datasetDirOf(flags.manifest))
        : await ensureDefaultBenchmark(env, io);
      const index = indexBenchmark(dataset.manifest, { sha256Hex: nodeSha256Hex });
      const encoder = new ImageEncoder(dataset.store, dataset.manifest);
      const familiarOf = familiarFromPairs(dataset.manifest.pairs);
      const lines = [
        `Benchmark ${dataset.manifest.benchmark.name}@${dataset.manifest.benchmark.version} (${dataset.manifest.manifestHash.slice(0, 12)}), policy lcl, scorer official, ${flags.draws} draws per query; accuracy in % with Wilson 95% interval.`,
        '',
        '| baseline | shots | n | accuracy [95% CI] | novel queries | familiar queries |',
        '|---|---:|---:|---|---:|---:|',
      ];
      for (const name of BUILTIN_MODELS) {
        const progress = createProgress(io.stderr, name, !env.CI);
        const results = await runEvaluation({
          index,
          adapter: builtinAdapter(name, encoder, familiarOf),
          spec: { shots: flags.shots, policies: [DEFAULT_POLICY], draws: flags.draws },
          concurrency: 4,
          onProgress: (d, t) => progress.update(d, t),
        });
        progress.stop();
        const answers = results.map((r) =>
          toScoredAnswer(r.episode, verdictOf(r.verdicts, DEFAULT_SCORER)),
        );
        const byClass = new Map(
          accuracyBy(answers, ['shots', 'queryClass'] as const).map((r) => [
            r.key.join('|'),
            r.accuracy,
          ]),
        );
        for (const row of accuracyBy(answers, ['shots'] as const)) {
          const [shots] = row.key;
          lines.push(
            `| ${name} | ${shots} | ${row.n} | ${pct(row.accuracy)} [${pct(row.low)}, ${pct(row.high)}] | ${pct(byClass.get(`${shots}|novel`) ?? null)} | ${pct(byClass.get(`${shots}|familiar`) ?? null)} |`,
          );
        }
      }
      io.stdout.write(`${lines.join('\n')}\n`);
    });
}
