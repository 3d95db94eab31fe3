/**
 * Throughput of the protocol's hot paths on one core: episodes built and rendered, answers scored,
 * a board ranked, a job's slice built. Each figure is one `printFigure` line, beside a baseline
 * measured in the same run (these machines are shared and noisy; a ratio survives that, an absolute
 * number not).
 */
import { execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  buildEpisode,
  indexBenchmark,
  officialScorer,
  Prng,
  rankWithUncertainty,
  strictScorer,
} from '../src';
import { fixtureManifest, printFigure } from '../src/testing';

const quick = process.env.BENCH_QUICK === '1';

/** Runs `fn` for about `ms` milliseconds after a warm-up; returns calls per second. */
function rate(fn: (i: number) => unknown, ms = quick ? 300 : 2000): number {
  let sink = 0;
  const warmUntil = performance.now() + ms / 4;
  for (let i = 0; performance.now() < warmUntil; i++) if (fn(i)) sink++;
  let calls = 0;
  const start = performance.now();
  const until = start + ms;
  while (performance.now() < until) {
    for (let j = 0; j < 1000; j++, calls++) if (fn(calls)) sink++;
  }
  const elapsed = (performance.now() - start) / 1000;
  if (sink < 0) console.log(sink); // keeps the calls from being optimised away
  return calls / elapsed;
}

const manifest = fixtureManifest({ pairs: 20, supportPerConcept: 24, queriesPerConcept: 8 });
// Node's native SHA-256, as the runner and the CLI pass it (see IndexOptions).
const index = indexBenchmark(manifest, { sha256Hex: (data) => hash('sha256', data, 'hex') });
const queries = index.queries.map((q) => q.id);
const shotsCycle = [2, 4, 8, 16];

// Baseline: a JSON round trip of a typical episode (serialised and read back, each call), the least
// work anything handling it must do.
const sample = buildEpisode(index, { queryImageId: queries[0]!, shots: 8, draw: 0, policy: 'lcl' });
const baseline = rate(() => JSON.parse(JSON.stringify(sample)));

const episodes = rate((i) =>
  buildEpisode(index, {
    queryImageId: queries[i % queries.length]!,
    shots: shotsCycle[i % 4]!,
    draw: i % 3,
    policy: i % 2 ? 'lcl' : 'icl',
  }),
);

const answers = [
  'there is "cactihog" in the image.',
  'there is "hedgehog" in the image.',
  'It looks like a Cactihog, not a hedgehog',
  'I cannot tell.',
  '',
];
const scoreBaseline = rate((i) => answers[i % 5]!.includes('cactihog'));
const official = rate((i) => officialScorer.score(answers[i % 5]!, 'cactihog', 'hedgehog'));
const strict = rate((i) => strictScorer.score(answers[i % 5]!, 'cactihog', 'hedgehog'));

printFigure('json_roundtrip_per_s', baseline, { baseline: true, sizes: { shots: 8 } });
printFigure('episodes_built_rendered_per_s', episodes, {
  target: { atLeast: 200_000 },
  sizes: { shots: '2,4,8,16', policies: 'lcl,icl' },
  extra: { ratio_to_baseline: episodes / baseline },
});
printFigure('substring_check_per_s', scoreBaseline, { baseline: true });
printFigure('answers_scored_per_s', official, {
  target: { atLeast: 2_000_000 },
  sizes: { scorer: 'official', answers: answers.length },
  extra: { ratio_to_baseline: official / scoreBaseline },
});
printFigure('answers_scored_strict_per_s', strict, {
  sizes: { scorer: 'strict', answers: answers.length },
  extra: { ratio_to_baseline: strict / scoreBaseline },
});

// Ranking a board with its joint bootstrap: each replicate is sorted once, so ten times the models
// should cost about ten times as much (a little more: M log M), not a hundred (pairwise, M²).
const replicates = 2000;
const clusters = 24;
const answersPerCluster = 16;
const board = (models: number) => {
  const rng = Prng.fromKey(`bench board|${models}`);
  const names = Array.from({ length: clusters }, (_, c) => `concept ${c}`);
  return Array.from({ length: models }, (_, i) => {
    const skill = rng.nextFloat();
    return {
      model: i,
      clusters: names.map((cluster) => {
        let correct = 0;
        for (let a = 0; a < answersPerCluster; a++) if (rng.nextFloat() < skill) correct++;
        return { cluster, n: answersPerCluster, correct };
      }),
    };
  });
};
const boards = { small: board(1000), large: board(10_000) };
const rankMs = (input: ReturnType<typeof board>) => {
  const start = performance.now();
  rankWithUncertainty(input, { replicates, seed: 'bench' });
  return performance.now() - start;
};
rankMs(boards.small); // warms the JIT, so the smaller board is not charged for it
const rankRuns = quick ? 1 : 3;
// The sizes alternate, so that a burst of load on this shared machine falls on both alike.
const rankTimes = { small: [] as number[], large: [] as number[] };
for (let run = 0; run < rankRuns; run++) {
  rankTimes.small.push(rankMs(boards.small));
  rankTimes.large.push(rankMs(boards.large));
}
const median = (values: number[]) =>
  values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const rank1k = median(rankTimes.small);
const rank10k = median(rankTimes.large);
const rankSizes = (models: number) => ({
  models,
  replicates,
  clusters,
  answers_per_cluster: answersPerCluster,
  runs: rankRuns,
});
printFigure('rank_board_ms', rank1k, { baseline: true, sizes: rankSizes(1000) });
printFigure('rank_board_ms', rank10k, {
  sizes: rankSizes(10_000),
  extra: { ratio_to_baseline: rank10k / rank1k },
});
printFigure('rank_board_growth_10k_vs_1k', rank10k / rank1k, {
  target: { atMost: 15 },
  sizes: { models: '10000/1000', replicates, clusters },
});

// A job builds only its own slice (index arithmetic, no walk over the episodes before it): the last
// slice of a 250,000-episode submission should cost about what the last of a 2,500-episode one
// does. Each measurement runs in a fresh process, so neither gains from the other's warm JIT.
const sliceScript = fileURLToPath(new URL('./job-slice.ts', import.meta.url));
const lastSlice = (draws: number, shots = '2,4,8,16') => {
  const runs = Array.from({ length: quick ? 1 : 3 }, () =>
    execFileSync(process.execPath, ['--import', 'tsx', sliceScript, String(draws), shots], {
      encoding: 'utf8',
    })
      .trim()
      .split(' ')
      .map(Number),
  );
  const ms = runs.map(([, t]) => t as number).sort((a, b) => a - b);
  return { episodes: runs[0]![0] as number, ms: ms[Math.floor(ms.length / 2)] as number };
};
const small = lastSlice(1);
const large = lastSlice(98);
// The large submission's last slice is all 16-shot episodes (draws vary fastest), the small one's
// mixes 2 to 16 shots; a small submission of 16-shot episodes only separates size from shots.
const small16 = lastSlice(4, '16');
const sliceSizes = (run: { episodes: number }, shots: string) => ({
  episodes: run.episodes,
  shots,
  runs: quick ? 1 : 3,
  process: 'fresh',
});
printFigure('last_job_slice_ms', small.ms, {
  baseline: true,
  sizes: sliceSizes(small, '2,4,8,16'),
});
printFigure('last_job_slice_16shot_ms', small16.ms, {
  baseline: true,
  sizes: sliceSizes(small16, '16'),
});
printFigure('last_job_slice_ms', large.ms, {
  sizes: sliceSizes(large, '16'),
  extra: { ratio_to_baseline: large.ms / small.ms },
});
// Against the small submission of the same shots: size alone.
printFigure('last_job_slice_large_vs_16shot', large.ms / small16.ms, {
  target: { atMost: 2 },
  sizes: { episodes: `${large.episodes}/${small16.episodes}`, shots: '16' },
});
