/**
 * Ranks a board of 10,000 models over 2,000 replicates and prints how many were ranked: run by
 * ranking.test.ts in a process of its own whose heap is too small for the ranks as JS numbers.
 */
import { Prng, rankWithUncertainty } from '../../src';

const rng = Prng.fromKey('ranking memory');
const names = Array.from({ length: 24 }, (_, c) => `c${c}`);
const models = Array.from({ length: 10_000 }, (_, i) => ({
  model: i,
  clusters: names.map((cluster) => ({ cluster, n: 16, correct: rng.nextInt(17) })),
}));
const ranked = rankWithUncertainty(models, { replicates: 2000, seed: 'memory' });
console.log(ranked.filter((r) => r.rankLow !== null).length);
