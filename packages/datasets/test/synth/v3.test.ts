import { describe, expect, it } from 'vitest';
import { BASES, generateSynth, MIN_TRAIT_SHARE, PAIRS, PAIRS_V3, TRAITS_V3 } from '../../src';
import { isCleanNonce, nonceNames } from '../../src/synth/catalog-v3';
import { traitShare } from '../../src/synth/measure';
import { imageSvgV3 } from '../../src/synth/render-v3';

const small = { version: 3 as const, pairs: 2, perConcept: 6, queriesPerConcept: 2 };

describe('isekai-synth v3', () => {
  it('is deterministic: the same seed gives the same manifest hash and image bytes', async () => {
    const a = await generateSynth({ ...small, seed: 5 });
    const b = await generateSynth({ ...small, seed: 5 });
    expect(a.manifest.manifestHash).toBe(b.manifest.manifestHash);
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
    expect(a.manifest.benchmark).toEqual({ name: 'isekai-synth', version: '3.5' });
    const c = await generateSynth({ ...small, seed: 6 });
    expect(c.manifest.manifestHash).not.toBe(a.manifest.manifestHash);
  });

  it('is not v2: other images, other names, for the same seed', async () => {
    const v2 = await generateSynth({ ...small, version: 2 });
    const v3 = await generateSynth(small);
    expect(v2.manifest.benchmark.version).toBe('2.1');
    expect(v3.manifest.benchmark.version).toBe('3.1');
    expect([...v3.files.keys()].filter((id) => v2.files.has(id))).toEqual([]);
    expect(v3.manifest.pairs.map((p) => p.novel.name)).not.toEqual(
      v2.manifest.pairs.map((p) => p.novel.name),
    );
  });

  it('keeps the descriptive names as an option, under their own version', async () => {
    const d = await generateSynth({ ...small, names: 'descriptive' });
    expect(d.manifest.benchmark.version).toBe('3.1+descriptive');
    // The manifest lists pairs sorted by id.
    expect(d.manifest.pairs.map((p) => p.novel.name).sort()).toEqual(['hornushroom', 'stripeish']);
    await expect(generateSynth({ names: 'nonce' })).rejects.toThrow(/--names needs v3/);
  });

  it('puts hard negatives on familiar images: other traits, never the pair’s own', () => {
    for (const pair of PAIRS_V3) {
      const base = BASES[pair.base]!;
      const pairTrait = TRAITS_V3[pair.trait]!;
      const drawn = Array.from(
        { length: 32 },
        (_, index) =>
          imageSvgV3({ seed: 1, pairKey: base.word, base, pairTrait, novel: false, index }).traits,
      );
      const negatives = drawn.filter((t) => t.length > 0);
      // DISTRACTOR_RATE is 0.75: of 32 familiar images, far more than a few carry one.
      expect(negatives.length, pair.base).toBeGreaterThanOrEqual(16);
      expect(negatives.length, pair.base).toBeLessThan(32);
      for (const t of negatives.flat()) expect(t.key).not.toBe(pairTrait.key);
      // And from the pair's own family too, so "has a texture" is no cue either.
      const kin = Object.values(TRAITS_V3).filter(
        (t) => t.family === pairTrait.family && t !== pairTrait,
      );
      if (kin.length > 0)
        expect(
          negatives.flat().some((t) => t.family === pairTrait.family),
          pair.base,
        ).toBe(true);
      for (let index = 0; index < 8; index++)
        expect(
          imageSvgV3({ seed: 1, pairKey: base.word, base, pairTrait, novel: true, index }).traits,
        ).toEqual([pairTrait]);
    }
  });

  it('records the traits drawn in each image’s source', async () => {
    const { manifest } = await generateSynth(small);
    const familiar = manifest.images.filter((i) => i.source?.includes('/familiar/'));
    expect(familiar.some((i) => /\+[a-z]+$/.test(i.source ?? ''))).toBe(true);
    for (const i of manifest.images.filter((i) => i.source?.includes('/novel/')))
      expect(i.source).toMatch(/\/novel\/\d+\+stripes$|\/novel\/\d+\+horns$/);
  });
});

describe('v3 traits', () => {
  it('covers four families', () => {
    expect(new Set(Object.values(TRAITS_V3).map((t) => t.family))).toEqual(
      new Set(['add-on', 'shape', 'texture', 'count']),
    );
  });

  // Every trait on every base, two drawings each: the trait changes at least MIN_TRAIT_SHARE of
  // the object. Slow-ish (480 small renders), so one test per trait.
  it.each(Object.keys(TRAITS_V3))(
    '%s changes at least the minimum share of every base',
    async (key) => {
      const trait = TRAITS_V3[key]!;
      for (const [name, base] of Object.entries(BASES))
        for (let i = 0; i < 2; i++) {
          const share = await traitShare(base, trait, `test|${name}|${i}`);
          expect(share, `${key} on ${name} #${i}`).toBeGreaterThanOrEqual(MIN_TRAIT_SHARE);
        }
    },
  );

  it('measures nothing for a trait that draws nothing, so the check can fail', async () => {
    const none = { ...TRAITS_V3.horns!, apply: (object: string) => object };
    expect(await traitShare(BASES.fish!, none, 'test|none')).toBe(0);
  });
});

describe('v3 nonce names', () => {
  const words = [
    ...Object.values(BASES).map((b) => b.word),
    ...Object.values(TRAITS_V3).flatMap((t) => [t.key, ...t.words]),
  ];

  it.each([1, 2, 3, 42])(
    'seed %i: pronounceable non-words, clear of base and trait words',
    (seed) => {
      const names = nonceNames(seed, PAIRS_V3);
      expect(new Set(names).size).toBe(names.length);
      const v2 = new Set(PAIRS.map((p) => p.novel));
      for (const name of names) {
        expect(name).toMatch(/^([bdfgklmnprstvz][aeiou]){3}[nrlm]?$/);
        expect(v2.has(name), name).toBe(false);
        for (const w of words) {
          expect(name.includes(w), `${name} holds ${w}`).toBe(false);
          expect(w.includes(name), `${w} holds ${name}`).toBe(false);
        }
      }
    },
  );

  it('refuses a name that spells its base or trait', () => {
    expect(isCleanNonce('stripefin', 'fish', TRAITS_V3.stripes!)).toBe(false);
    expect(isCleanNonce('kofisu', 'fish', TRAITS_V3.dots!)).toBe(false);
    expect(isCleanNonce('hornelu', 'mushroom', TRAITS_V3.horns!)).toBe(false);
    expect(isCleanNonce('spinnafin', 'fish', TRAITS_V3.dots!)).toBe(false);
    expect(isCleanNonce('kabuto', 'fish', TRAITS_V3.dots!)).toBe(true);
  });

  it('names the pairs of a smaller set as the full set does', async () => {
    const { manifest } = await generateSynth(small);
    expect(manifest.pairs.map((p) => p.novel.name).sort()).toEqual(
      nonceNames(1, PAIRS_V3).slice(0, 2).sort(),
    );
  });
});
