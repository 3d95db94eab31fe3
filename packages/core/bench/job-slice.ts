/**
 * One measurement, in a process of its own (core.bench.ts spawns it): the time to build the last
 * 200-episode job slice of a submission of `draws` draws (and shot counts), cold, as a runner's job does. Prints
 * `<episodes> <milliseconds>`.
 */
import { hash } from 'node:crypto';
import { countEpisodes, episodeRange, indexBenchmark } from '../src';
import { fixtureManifest } from '../src/testing';

const draws = Number(process.argv[2]);
const shots = (process.argv[3] ?? '2,4,8,16').split(',').map(Number);
const manifest = fixtureManifest({ pairs: 20, supportPerConcept: 24, queriesPerConcept: 8 });
const index = indexBenchmark(manifest, { sha256Hex: (data) => hash('sha256', data, 'hex') });
const spec = { shots, policies: ['lcl' as const, 'icl' as const], draws };
const total = countEpisodes(index, spec);
const start = performance.now();
// A seeded order, as every submission's jobs are cut now (the permutation is part of the cost).
const slice = episodeRange(index, { ...spec, orderSeed: 1 }, total - 200, 200);
const ms = performance.now() - start;
if (slice.length !== 200) throw new Error(`built ${slice.length} episodes, not 200`);
console.log(`${total} ${ms.toFixed(2)}`);
