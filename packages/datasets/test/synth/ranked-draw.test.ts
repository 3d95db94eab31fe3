import { createHash } from 'node:crypto';
import {
  buildEpisodes,
  drawSeed,
  indexBenchmark,
  isRankedDraw,
  parseManifest,
  RANKED_BOARD,
  rankedScore,
} from '@linkboard/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BASES } from '../../src/synth/catalog';
import { CATALOG_WORDS, PAIRS_V3, TRAITS_V3 } from '../../src/synth/catalog-v3';
import {
  drawRanked,
  isNeutralName,
  type RankedDraw,
  rankedFamiliarOf,
  rankedImageOf,
  rankedImageStore,
  rankedImagesOf,
} from '../../src/synth/ranked-draw';

const KEY = '5e'.repeat(32);
const big = drawRanked({ seed: drawSeed(KEY, 1), shots: [2, 4, 8, 16], perPolicy: 300 });

/** The trait an image of the draw carries. */
const traitOf = (draw: RankedDraw, imageId: string) =>
  draw.images.get(imageId)?.traits[0] as string;

/** Accuracy per policy of an answer function over a draw. */
function scoreOf(draw: RankedDraw, answer: (e: RankedDraw['episodes'][number]) => string) {
  const counts = { lcl: { correct: 0, n: 0 }, flip: { correct: 0, n: 0 } };
  for (const e of draw.episodes) {
    const c = counts[e.policy as 'lcl' | 'flip'];
    c.n++;
    if (answer(e) === e.query.label) c.correct++;
  }
  return rankedScore(counts.lcl, counts.flip);
}

describe('the ranked draw', () => {
  it('is the same for the same seed and shares nothing with another seed', () => {
    const seed = drawSeed(KEY, 2);
    const a = drawRanked({ seed, shots: [2, 8], perPolicy: 20 });
    const b = drawRanked({ seed, shots: [2, 8], perPolicy: 20 });
    expect(b.episodes).toEqual(a.episodes);
    expect([...b.images.values()]).toEqual([...a.images.values()]);
    const other = drawRanked({ seed: drawSeed(KEY, 3), shots: [2, 8], perPolicy: 20 });
    const ids = new Set(a.episodes.map((e) => e.id));
    expect(other.episodes.filter((e) => ids.has(e.id))).toEqual([]);
    expect([...other.images.keys()].filter((id) => a.images.has(id))).toEqual([]);
    const names = new Set([...a.concepts.values()].map((c) => c.name));
    expect([...other.concepts.values()].filter((c) => names.has(c.name))).toEqual([]);
    expect(a.commitment).not.toBe(other.commitment);
    expect(() => drawRanked({ seed: '12', shots: [2], perPolicy: 1 })).toThrow(/64 lower-case hex/);
    expect(() => drawRanked({ seed, shots: [3], perPolicy: 1 })).toThrow(/even/);
  });

  it('is a benchmark version of its own: a hidden manifest whose fixed episodes core builds as drawn', () => {
    const draw = drawRanked({ seed: drawSeed(KEY, 4), shots: [2, 16], perPolicy: 6 });
    const { manifest } = draw;
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
    // A version of the ranked board's benchmark: isekai-synth-ranked@1+<the commitment's start>.
    expect(manifest.benchmark).toEqual({
      name: 'isekai-synth-ranked',
      version: `1+${draw.commitment.slice(0, 16)}`,
      split: 'hidden',
    });
    expect(`${manifest.benchmark.name}@${manifest.benchmark.version}`).toBe(
      `${RANKED_BOARD}+${draw.commitment.slice(0, 16)}`,
    );
    expect(isRankedDraw(manifest)).toBe(true);
    expect(rankedImagesOf(manifest)).toEqual(draw.images);
    expect(manifest.pairs).toHaveLength(24);
    // Built again from the manifest alone (as a runner does from the stored version): the same.
    const rebuilt = [
      ...buildEpisodes(indexBenchmark(manifest), {
        shots: [2, 16],
        policies: ['lcl', 'flip'],
        draws: 1,
      }),
    ];
    expect(rebuilt).toEqual(draw.episodes);
    // Each image's render spec is in its entry, and its size is the one it renders at.
    for (const entry of manifest.images)
      expect(rankedImageOf(entry)).toEqual(draw.images.get(entry.id));
    expect(rankedImageOf({ id: 'x', source: 'fish/novel/3' })).toBeNull();
  });

  it('has one concept per episode, as many flip as lcl per shot count, and opaque ids', () => {
    expect(big.episodes).toHaveLength(2400);
    for (const k of [2, 4, 8, 16])
      for (const policy of ['lcl', 'flip']) {
        const group = big.episodes.filter((e) => e.shots === k && e.policy === policy);
        expect(group).toHaveLength(300);
        // Half the queries novel: a one-sided answer is exactly 50% right on each.
        expect(group.filter((e) => e.query.queryClass === 'novel')).toHaveLength(150);
      }
    // An odd count: one more novel query or one more familiar one, the same under both policies,
    // so that a one-sided answer is still exactly 50% right over the two.
    const odd = drawRanked({ seed: drawSeed(KEY, 'odd'), shots: [2, 4], perPolicy: 7 });
    for (const k of [2, 4]) {
      const novel = (policy: string) =>
        odd.episodes.filter(
          (e) => e.shots === k && e.policy === policy && e.query.queryClass === 'novel',
        ).length;
      expect([3, 4]).toContain(novel('lcl'));
      expect(novel('flip')).toBe(novel('lcl'));
    }
    expect(new Set(big.episodes.map((e) => e.pairId)).size).toBe(2400);
    for (const e of big.episodes.slice(0, 50)) {
      expect(e.id).toMatch(/^[0-9a-f]{16}-r[0-9a-f]{24}$/);
      expect(e.support).toHaveLength(e.shots);
      expect(e.query.imageId).toMatch(/^[0-9a-f]{64}$/);
    }
    // The send order is not the drawing order: shot counts are mixed from the start.
    expect(new Set(big.episodes.slice(0, 20).map((e) => e.shots)).size).toBeGreaterThan(1);
  });

  it('gives each episode a name of its own that says nothing of any concept', () => {
    const names = [...big.concepts.values()].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(isNeutralName(name), name).toBe(true);
      expect(name.length).toBeGreaterThanOrEqual(8);
    }
    for (const w of CATALOG_WORDS) expect(isNeutralName(`zu${w}ko`)).toBe(false);
  });

  it('binds the trait to the novel name on lcl and to the familiar one on flip; every familiar image carries another trait', () => {
    for (const e of big.episodes) {
      const concept = big.concepts.get(e.id);
      const base = BASES[concept?.base as string]?.word as string;
      const [novelName, familiarName] =
        e.policy === 'flip' ? [base, concept?.name] : [concept?.name, base];
      for (const s of e.support) {
        const trait = traitOf(big, s.imageId);
        if (s.conceptId.endsWith('-novel')) {
          expect(trait).toBe(concept?.trait);
          expect(s.label).toBe(novelName);
        } else {
          expect(trait).not.toBe(concept?.trait);
          expect(Object.keys(TRAITS_V3)).toContain(trait);
          expect(s.label).toBe(familiarName);
        }
      }
      const queryTrait = traitOf(big, e.query.imageId);
      expect(queryTrait === concept?.trait).toBe(e.query.queryClass === 'novel');
      expect(e.query.label).toBe(e.query.queryClass === 'novel' ? novelName : familiarName);
      expect(rankedFamiliarOf([e.query.label, e.query.other])).toBe(base);
    }
  });

  it('leaves nothing in the query alone to tell its side: traits and families alike on both', () => {
    const share = (side: string, key: (trait: string) => string) => {
      const queries = big.episodes.filter((e) => e.query.queryClass === side);
      const counts = new Map<string, number>();
      for (const e of queries) {
        const k = key(traitOf(big, e.query.imageId));
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return (k: string) => (counts.get(k) ?? 0) / queries.length;
    };
    for (const key of [(t: string) => t, (t: string) => TRAITS_V3[t]?.family as string]) {
      const novel = share('novel', key);
      const familiar = share('familiar', key);
      for (const t of new Set(Object.keys(TRAITS_V3).map(key)))
        expect(Math.abs(novel(t) - familiar(t)), t).toBeLessThan(0.05);
    }
  });

  it('puts every answer that ignores the demonstrations at 50%, and one that reads them near 100%', () => {
    const novelOf = (e: RankedDraw['episodes'][number]) =>
      rankedFamiliarOf([e.query.label, e.query.other]) === e.query.label
        ? e.query.other
        : e.query.label;
    const familiarOf = (e: RankedDraw['episodes'][number]) =>
      rankedFamiliarOf([e.query.label, e.query.other]) as string;
    // The public catalog's pairing: "this base with its public trait is the novel concept".
    const publicPair = new Set(PAIRS_V3.map((p) => `${p.base}|${p.trait}`));
    const contextFree = {
      'always the new name': novelOf,
      'always the familiar name': familiarOf,
      'the public pairing': (e: RankedDraw['episodes'][number]) => {
        const image = big.images.get(e.query.imageId);
        return publicPair.has(`${image?.base}|${image?.traits[0]}`) ? novelOf(e) : familiarOf(e);
      },
      'a texture means new': (e: RankedDraw['episodes'][number]) =>
        TRAITS_V3[traitOf(big, e.query.imageId)]?.family === 'texture' ? novelOf(e) : familiarOf(e),
    };
    for (const [name, answer] of Object.entries(contextFree)) {
      const s = scoreOf(big, answer);
      expect(s?.low, name).toBeLessThanOrEqual(0.5);
      expect(s?.high, name).toBeGreaterThanOrEqual(0.5);
    }
    // Reading the demonstrations: the name shown with the query's trait.
    const reader = scoreOf(big, (e) => {
      const trait = traitOf(big, e.query.imageId);
      const same = e.support.find((s) => traitOf(big, s.imageId) === trait);
      const novelSide = e.support.find((s) => s.conceptId.endsWith('-novel'));
      // Not shown: then it is a familiar image, named as the non-novel side is.
      return same?.label ?? e.support.find((s) => s.label !== novelSide?.label)?.label ?? '';
    });
    expect(reader?.score).toBeGreaterThan(0.97);
  });

  it('renders each image when asked, from its id alone; two draws share no image bytes', async () => {
    const a = drawRanked({ seed: drawSeed(KEY, 10), shots: [2], perPolicy: 2 });
    const b = drawRanked({ seed: drawSeed(KEY, 11), shots: [2], perPolicy: 2 });
    const hashes = async (draw: RankedDraw) => {
      const store = rankedImageStore(draw);
      const out: string[] = [];
      for (const id of draw.images.keys()) {
        const bytes = await store.read(id);
        out.push(createHash('sha256').update(bytes).digest('hex'));
        // At the size its manifest entry says.
        const entry = draw.manifest.images.find((i) => i.id === id);
        expect((await sharp(bytes).metadata()).width).toBe(entry?.width);
      }
      return out;
    };
    const [ha, hb] = [await hashes(a), await hashes(b)];
    expect(ha).toHaveLength(12);
    expect(new Set(ha).size).toBe(12);
    expect(hb.filter((h) => ha.includes(h))).toEqual([]);
    // The same id renders the same bytes.
    expect(await hashes(a)).toEqual(ha);
    await expect(rankedImageStore(a).read('0'.repeat(64))).rejects.toThrow(
      /not in this ranked draw/,
    );
  });
});
