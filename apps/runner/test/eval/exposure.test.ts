import {
  countEpisodes,
  type Episode,
  type ExposureSend,
  episodeRange,
  exposureCells,
  exposureCheck,
  exposureStratum,
  getScorer,
  indexBenchmark,
} from '@linkboard/core';
import { generateSynth, nodeSha256Hex } from '@linkboard/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBaseline, FeatureCache, type ReferenceModelName } from '../../src/baselines';
import type { ModelInput } from '../../src/baselines/request';
import { EXPOSURE_SETTING, EXPOSURE_SYNTH } from './exposure-setting';

/**
 * The exposure check against the planted cheat, in-process, over order seeds 1–20: each model
 * answers every episode in the send order the seed gives, one at a time, and core's exposure check
 * reads the answers. The cheat is made afresh per seed, as a new submission's endpoint would be.
 * The baselines are called on the episode directly rather than through the chat encoding (which
 * the reference server's tests show gives the same input): 90,000 requests through base64 would
 * take minutes.
 */

const strict = getScorer('strict');
let episodes: (seed: number) => Episode[];
let files: Map<string, string | Uint8Array>;
beforeAll(async () => {
  const synth = await generateSynth(EXPOSURE_SYNTH);
  files = synth.files;
  const index = indexBenchmark(synth.manifest, { sha256Hex: nodeSha256Hex });
  const total = countEpisodes(index, EXPOSURE_SETTING);
  episodes = (orderSeed) => episodeRange(index, { ...EXPOSURE_SETTING, orderSeed }, 0, total);
}, 300_000);

const bytes = (imageId: string) => files.get(imageId) as Uint8Array;

function inputOf(episode: Episode): ModelInput {
  return {
    support: episode.support.map((s) => ({ image: bytes(s.imageId), label: s.label })),
    query: bytes(episode.query.imageId),
    candidates: [...new Set(episode.support.map((s) => s.label))],
    fingerprint: episode.id,
  };
}

const cache = new FeatureCache();
async function runSeed(model: ReferenceModelName, orderSeed: number) {
  const baseline = createBaseline(model, () => undefined, cache);
  const sends: ExposureSend[] = [];
  let correct = 0;
  for (const [position, episode] of episodes(orderSeed).entries()) {
    const answer = await baseline.answer(inputOf(episode));
    const right = strict.score(answer, episode.query.label, episode.query.other).correct;
    if (right) correct++;
    sends.push({
      episodeId: episode.id,
      cluster: episode.pairId,
      stratum: exposureStratum(
        { shots: episode.shots, policy: episode.policy, queryImageId: episode.query.imageId },
        EXPOSURE_SETTING.draws,
      ),
      sentAt: position,
      correct: right,
    });
  }
  return { accuracy: correct / sends.length, check: exposureCheck(exposureCells(sends)) };
}

describe('the exposure check over order seeds 1–20', () => {
  it('flags stateful-prototype in at least 19 seeds, and random and prototype at most once', async () => {
    const lines: string[] = [];
    const flags: Record<string, number> = {};
    const ps: Record<string, number[]> = {};
    for (const model of ['stateful-prototype', 'prototype', 'random'] as const) {
      ps[model] = [];
      let accuracy = 0;
      flags[model] = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const { accuracy: a, check } = await runSeed(model, seed);
        accuracy += a / 20;
        ps[model].push(check.pValue ?? 1);
        if (check.flagged) flags[model]++;
      }
      lines.push(
        `${model}: flagged ${flags[model]}/20, mean accuracy ${(100 * accuracy).toFixed(1)}%, p by seed ${ps[model].map((p) => p.toExponential(1)).join(' ')}`,
      );
    }
    // The measurement, for the record (the report quotes it).
    console.log(lines.join('\n'));
    // The target at the board's significance, on a deterministic run (fixed seeds and
    // images). Measured: 20 of 20, every p at the test's floor of 1e-4; the honest models none,
    // their smallest p 0.017 (prototype) and 0.018 (random).
    expect(flags['stateful-prototype']).toBeGreaterThanOrEqual(19);
    expect(flags.prototype).toBeLessThanOrEqual(1);
    expect(flags.random).toBeLessThanOrEqual(1);
  }, 600_000);
});
