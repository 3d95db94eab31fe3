import path from 'node:path';
import {
  buildEpisodes,
  indexBenchmark,
  maxShots,
  officialScorer,
  type PolicyName,
} from '@linkboard/core';
import { ISEKAI_SAMPLE, importDataset, loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import type { Command } from 'commander';
import { randomAnswer } from '../baselines/random';
import type { Env } from '../env';
import { perShotTable, toScoredAnswer } from '../eval/summary';
import type { Io } from '../io';

/**
 * `linkboard start` for now: makes sure the ISEKAI sample is imported under the data folder and
 * prints how the seeded `random` baseline does on it. The database, runner and site that make
 * this the whole platform come with their own issues.
 */
export function registerStart(program: Command, io: Io, env: Env): void {
  program
    .command('start')
    .description('start linkboard on its embedded defaults')
    .action(async () => {
      const dir = path.join(env.dataDir, 'benchmarks', 'isekai-sample');
      let dataset = await loadDataset(dir).catch(() => null);
      if (!dataset) {
        io.stdout.write(`importing the ISEKAI sample into ${dir}\n`);
        dataset = await importDataset({
          format: 'isekai',
          input: ISEKAI_SAMPLE.records,
          images: ISEKAI_SAMPLE.images,
          out: dir,
          force: true,
        });
      }
      const index = indexBenchmark(dataset.manifest, { sha256Hex: nodeSha256Hex });
      const largest = maxShots(index);
      const shots = [2, 4, 8, 16].filter((n) => n <= largest);
      const policies: PolicyName[] = ['lcl', 'icl'];
      const answers = [];
      for (const episode of buildEpisodes(index, { shots, policies, draws: 4 })) {
        const answer = randomAnswer(episode);
        answers.push(
          toScoredAnswer(
            episode,
            officialScorer.score(answer, episode.query.label, episode.query.other),
          ),
        );
      }
      const { benchmark, manifestHash } = dataset.manifest;
      io.stdout.write(
        [
          `benchmark ${benchmark.name}@${benchmark.version} (${manifestHash.slice(0, 12)}): ${dataset.manifest.pairs.length} pairs, ${index.queries.length} queries, up to ${largest} shots`,
          'model builtin:random, scorer official, 4 draws per query',
          '',
          perShotTable(answers),
          '',
          `episodes: npx linkboard episodes --manifest ${path.relative(process.cwd(), dir) || '.'} --shots ${shots.join(',')} --policy lcl`,
          '',
        ].join('\n'),
      );
    });
}
