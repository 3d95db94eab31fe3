/**
 * Throughput of the protocol's hot paths on one core: episodes built and rendered, and answers
 * scored. Figures are printed as key=value lines, each with its ratio to a baseline measured in the
 * same run (these machines are shared and noisy; a ratio survives that, an absolute number not).
 */
import { execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEpisode, indexBenchmark, officialScorer, strictScorer } from '../src';
import { fixtureManifest } from '../src/testing';

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

// Baseline: a JSON round trip of a typical episode, the least work anything handling it must do.
const sample = buildEpisode(index, { queryImageId: queries[0]!, shots: 8, draw: 0, policy: 'lcl' });
const sampleJson = JSON.stringify(sample);
const baseline = rate(() => JSON.parse(sampleJson));

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

const fmt = (n: number) => Math.round(n).toString();
console.log(`json_roundtrip_per_s=${fmt(baseline)} (baseline)`);
console.log(
  `episodes_built_rendered_per_s=${fmt(episodes)} ratio_to_baseline=${(episodes / baseline).toFixed(3)} target>=200000`,
);
console.log(`substring_check_per_s=${fmt(scoreBaseline)} (baseline)`);
console.log(
  `answers_scored_per_s=${fmt(official)} scorer=official ratio_to_baseline=${(official / scoreBaseline).toFixed(3)} target>=2000000`,
);
console.log(
  `answers_scored_strict_per_s=${fmt(strict)} scorer=strict ratio_to_baseline=${(strict / scoreBaseline).toFixed(3)}`,
);

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
console.log(
  `last_job_slice_ms=${small.ms.toFixed(2)} episodes=${small.episodes} (baseline, fresh process, median of ${quick ? 1 : 3})`,
);
console.log(
  `last_job_slice_ms=${large.ms.toFixed(2)} episodes=${large.episodes} ratio_to_baseline=${(large.ms / small.ms).toFixed(3)} (its slice is all 16-shot)`,
);
console.log(
  `last_job_slice_16shot_ms=${small16.ms.toFixed(2)} episodes=${small16.episodes} large_ratio_to_it=${(large.ms / small16.ms).toFixed(3)} target<=2 (same shots: size alone)`,
);
