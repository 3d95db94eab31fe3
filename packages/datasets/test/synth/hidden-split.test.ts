import {
  buildEpisodes,
  DEFAULT_SCORER,
  indexBenchmark,
  type Manifest,
  scoreEpisode,
  splitOf,
  verdictOf,
  wilsonInterval,
} from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { generateHiddenSplit, generateSynth, HIDDEN_SPLIT_VERSION } from '../../src';

const sizes = { pairs: 6, perConcept: 8, queriesPerConcept: 3 };
const SECRET = 730_412_977;

/**
 * The attack the hidden split exists for: rebuild the public benchmark from its published seed,
 * read every image's label off its manifest, and answer by lookup.
 */
function lookupFrom(published: Manifest) {
  const names = new Map(
    published.pairs.flatMap((p) => [
      [p.novel.id, p.novel.name],
      [p.familiar.id, p.familiar.name],
    ]),
  );
  const labelOf = new Map(published.images.map((i) => [i.id, names.get(i.concept)]));
  return (queryImageId: string, options: [string, string]) =>
    // Where the key has no entry, the best a lookup can do is a fixed guess.
    labelOf.get(queryImageId) ?? options[0];
}

function accuracy(manifest: Manifest, answer: ReturnType<typeof lookupFrom>) {
  let correct = 0;
  let n = 0;
  const index = indexBenchmark(manifest);
  for (const episode of buildEpisodes(index, { shots: [2], policies: ['lcl'], draws: 4 })) {
    const options = [episode.query.label, episode.query.other].sort() as [string, string];
    const verdict = verdictOf(
      scoreEpisode(episode, answer(episode.query.imageId, options)),
      DEFAULT_SCORER,
    );
    n += 1;
    if (verdict.correct) correct += 1;
  }
  return { correct, n };
}

describe('isekai-synth hidden test split', () => {
  it('names no seed, says it is hidden, and is drawn again identically from the same secret', async () => {
    const hidden = await generateHiddenSplit({ ...sizes, secretSeed: SECRET });
    const again = await generateHiddenSplit({ ...sizes, secretSeed: SECRET });
    expect(again.manifest.manifestHash).toBe(hidden.manifest.manifestHash);
    expect(hidden.manifest.benchmark).toEqual({
      name: 'isekai-synth',
      version: HIDDEN_SPLIT_VERSION,
      split: 'hidden',
    });
    expect(splitOf(hidden.manifest)).toBe('hidden');
    expect(JSON.stringify(hidden.manifest)).not.toContain(String(SECRET));
    expect(hidden.manifest.origin).not.toHaveProperty('seed');
    // No contact sheets: they would show query images beside their concept names.
    expect(hidden.extras?.size ?? 0).toBe(0);
  });

  it('defeats a lookup built from the public generator: chance on it, 100% on the public split', async () => {
    const published = await generateSynth({ ...sizes, version: 3, seed: 1 });
    const hidden = await generateHiddenSplit({ ...sizes, secretSeed: SECRET });
    const lookup = lookupFrom(published.manifest);

    // The lookup is a real attack: on the public split it knows every answer.
    const onPublic = accuracy(published.manifest, lookup);
    expect(onPublic.correct).toBe(onPublic.n);

    const publicIds = new Set(published.manifest.images.map((i) => i.id));
    expect(hidden.manifest.images.filter((i) => publicIds.has(i.id))).toEqual([]);
    const publicNames = new Set(published.manifest.pairs.map((p) => p.novel.name));
    expect(hidden.manifest.pairs.filter((p) => publicNames.has(p.novel.name))).toEqual([]);

    const onHidden = accuracy(hidden.manifest, lookup);
    expect(onHidden.n).toBeGreaterThan(100);
    const interval = wilsonInterval(onHidden.correct, onHidden.n);
    expect(interval?.low).toBeLessThanOrEqual(0.5);
    expect(interval?.high).toBeGreaterThanOrEqual(0.5);
  });
});
