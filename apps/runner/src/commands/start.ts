import path from 'node:path';
import {
  accuracyBy,
  indexBenchmark,
  type Manifest,
  maxShots,
  rankTiers,
  type ScoredAnswer,
  summarize,
} from '@linkboard/core';
import { ISEKAI_SAMPLE, importDataset, loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import { embeddedUrl, importBenchmark } from '@linkboard/db';
import type { Command } from 'commander';
import { builtinAdapter, familiarFromPairs } from '../adapters/builtin';
import { ImageEncoder } from '../adapters/encode';
import { BUILTIN_MODELS } from '../baselines';
import { openDatabase } from '../database';
import { ensureDefaultBenchmark } from '../defaults';
import type { Env } from '../env';
import { CliError } from '../errors';
import { runEvaluation } from '../eval/run';
import { formatTable, toScoredAnswer } from '../eval/summary';
import type { Io } from '../io';
import { createProgress } from '../progress';
import { untilSignal } from './db';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

/** A leaderboard of models on one benchmark: tiers, pooled accuracy with interval, per-shot columns. */
export function leaderboardTable(rows: { model: string; answers: ScoredAnswer[] }[]): string {
  const shots = [...new Set(rows.flatMap((r) => r.answers.map((a) => a.shots)))].sort(
    (a, b) => a - b,
  );
  const summaries = rows.map((r) => ({ id: r.model, answers: r.answers, ...summarize(r.answers) }));
  return formatTable(
    ['tier', 'model', 'accuracy [95% CI]', ...shots.map((s) => `${s}-shot`), 'novel'],
    rankTiers(summaries).map(({ row, tier }) => {
      const perShot = new Map(
        accuracyBy(row.answers, ['shots'] as const).map((g) => [g.key[0], g.accuracy]),
      );
      const novel = summarize(row.answers.filter((a) => a.queryClass === 'novel'));
      return [
        String(tier ?? '–'),
        row.id,
        `${pct(row.accuracy)} [${pct(row.low)}, ${pct(row.high)}]`,
        ...shots.map((s) => pct(perShot.get(s) ?? null)),
        pct(novel.accuracy),
      ];
    }),
  );
}

/**
 * `linkboard start`, until the database, runner and site land: makes sure the embedded default
 * benchmark (isekai-synth) and the ISEKAI sample are under the data folder, runs the built-in
 * baselines on the default benchmark and prints their leaderboard.
 */
export function registerStart(program: Command, io: Io, env: Env): void {
  program
    .command('start')
    .description('start linkboard on its embedded defaults')
    .action(async () => {
      if (!env.DATABASE_URL && (await embeddedUrl(env.dataDir))) {
        throw new CliError(
          `linkboard is already running on ${env.dataDir} (its PostgreSQL is up); use that one, or stop it with Ctrl-C in its terminal first`,
        );
      }
      const sampleDir = path.join(env.dataDir, 'benchmarks', 'isekai-sample');
      let sample = await loadDataset(sampleDir).catch(() => null);
      if (!sample) {
        io.stdout.write(`importing the ISEKAI sample into ${sampleDir}\n`);
        sample = await importDataset({
          format: 'isekai',
          input: ISEKAI_SAMPLE.records,
          images: ISEKAI_SAMPLE.images,
          out: sampleDir,
          force: true,
        });
      }
      const dataset = await ensureDefaultBenchmark(env, io);
      const manifest: Manifest = dataset.manifest;
      const index = indexBenchmark(manifest, { sha256Hex: nodeSha256Hex });
      const shots = [2, 4, 8, 16].filter((n) => n <= maxShots(index));
      const encoder = new ImageEncoder(dataset.store, manifest);
      const rows = [];
      for (const name of BUILTIN_MODELS) {
        const progress = createProgress(io.stderr, `builtin:${name}`, !env.CI);
        const results = await runEvaluation({
          index,
          adapter: builtinAdapter(name, encoder, familiarFromPairs(manifest.pairs)),
          spec: { shots, policies: ['lcl'], draws: 1 },
          concurrency: 4,
          onProgress: (d, t) => progress.update(d, t),
        });
        progress.stop();
        rows.push({
          model: `builtin:${name}`,
          answers: results.map((r) => toScoredAnswer(r.episode, r.verdicts.official)),
        });
      }
      io.stdout.write(
        [
          `benchmark ${manifest.benchmark.name}@${manifest.benchmark.version} (${manifest.manifestHash.slice(0, 12)}): ${manifest.pairs.length} pairs, ${index.queries.length} queries; policy lcl, scorer official`,
          '',
          leaderboardTable(rows),
          '',
          `contact sheets: ${path.join(dataset.dir, 'sheets')}`,
          `evaluate your own model: npx linkboard eval --manifest ${path.relative(process.cwd(), dataset.dir) || '.'} --endpoint http://127.0.0.1:8000/v1 --model <name>`,
          '',
        ].join('\n'),
      );
      const database = await openDatabase(env);
      try {
        for (const { manifest: m } of [dataset, sample]) await importBenchmark(database.db, m);
        io.stdout.write(
          `linkboard is running: database ${database.where}, data in ${env.dataDir}. Ctrl-C stops it.\n`,
        );
        const signal = await untilSignal();
        io.stdout.write(`stopping (${signal})\n`);
      } finally {
        await database.shutdown();
      }
    });
}
