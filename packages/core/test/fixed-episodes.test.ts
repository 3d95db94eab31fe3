import { describe, expect, it } from 'vitest';
import {
  buildEpisodes,
  countEpisodes,
  episodeOrder,
  episodeRange,
  indexBenchmark,
  maxShots,
} from '../src/episode';
import { sha256Hex } from '../src/hash';
import { createManifest, type ManifestDraft, parseManifest } from '../src/manifest';
import { rankedSettingFor } from '../src/ranked-setting';

const img = (name: string) => sha256Hex(name);

/**
 * Two episodes, each a pair of its own, sharing the familiar name "rocket" (as the ranked draw's
 * bases do): a 2-shot lcl episode and a 4-shot flip one.
 */
function draft(): ManifestDraft {
  const images: ManifestDraft['images'] = [];
  const add = (name: string, concept: string, role: 'query' | 'support') => {
    images.push({ id: img(name), concept, role, width: 8, height: 8, mediaType: 'image/jpeg' });
    return img(name);
  };
  const pairs = ['e1', 'e2'].map((e, i) => ({
    id: e,
    novel: { id: `${e}-novel`, name: i === 0 ? 'komarivel' : 'zutapenor' },
    familiar: { id: `${e}-familiar`, name: 'rocket' },
  }));
  const q1 = add('q1', 'e1-novel', 'query');
  const s1 = [add('a1', 'e1-novel', 'support'), add('b1', 'e1-familiar', 'support')];
  const q2 = add('q2', 'e2-familiar', 'query');
  const s2 = [
    add('a2', 'e2-novel', 'support'),
    add('b2', 'e2-familiar', 'support'),
    add('c2', 'e2-familiar', 'support'),
    add('d2', 'e2-novel', 'support'),
  ];
  return {
    schema: 'linkboard.manifest/1',
    benchmark: { name: 'drawn', version: '1', split: 'hidden' },
    pairs,
    images,
    episodes: [
      { id: 'e2', pair: 'e2', policy: 'flip', query: q2, support: s2 },
      { id: 'e1', pair: 'e1', policy: 'lcl', query: q1, support: s1 },
    ],
  };
}

describe('a benchmark that fixes its episodes', () => {
  it('builds exactly its episodes, in its order, with labels from the concepts and the policy', () => {
    const manifest = createManifest(draft());
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
    const index = indexBenchmark(manifest);
    const spec = { shots: [2, 4], policies: ['lcl', 'flip'] as const, draws: 1 };
    const episodes = [...buildEpisodes(index, { ...spec, policies: [...spec.policies] })];
    // Ids are the manifest's own, kept apart from other versions' by the manifest hash.
    const prefix = manifest.manifestHash.slice(0, 16);
    expect(episodes.map((e) => e.id)).toEqual([`${prefix}-e2`, `${prefix}-e1`]);
    const [flip, lcl] = episodes as [(typeof episodes)[0], (typeof episodes)[0]];
    expect(lcl).toMatchObject({
      pairId: 'e1',
      shots: 2,
      draw: 0,
      policy: 'lcl',
      benchmark: manifest.manifestHash,
      query: { imageId: img('q1'), queryClass: 'novel', label: 'komarivel', other: 'rocket' },
    });
    expect(lcl.support.map((s) => [s.imageId, s.label])).toEqual([
      [img('a1'), 'komarivel'],
      [img('b1'), 'rocket'],
    ]);
    expect(lcl.prompt.text).toContain('there is "komarivel" in the image');
    // Flip: each side named as its partner; the familiar query's answer is the new name.
    expect(flip.query).toMatchObject({
      queryClass: 'familiar',
      label: 'zutapenor',
      other: 'rocket',
    });
    expect(flip.support.map((s) => s.label)).toEqual([
      'rocket',
      'zutapenor',
      'zutapenor',
      'rocket',
    ]);
    expect(countEpisodes(index, { shots: [2, 4], policies: ['lcl', 'flip'], draws: 1 })).toBe(2);
    expect(countEpisodes(index, { shots: [4], policies: ['flip'], draws: 1 })).toBe(1);
    expect(maxShots(index)).toBe(4);
    expect(rankedSettingFor(index)).toMatchObject({
      shots: [2, 4],
      draws: 1,
      clusterUnit: 'episode',
    });
  });

  it('cuts jobs from it as from any benchmark: a range of the seeded order', () => {
    const index = indexBenchmark(createManifest(draft()));
    const spec = {
      shots: [2, 4],
      policies: ['lcl' as const, 'flip' as const],
      draws: 1,
      orderSeed: 9,
    };
    const all = [...buildEpisodes(index, spec)];
    const order = episodeOrder(2, 9);
    const ranged = [...episodeRange(index, spec, 0, 1), ...episodeRange(index, spec, 1, 5)];
    expect(ranged.map((e) => e.id)).toEqual([...order].map((i) => all[i]?.id));
  });

  it('refuses what it cannot supply: other draws, shots or policies it fixes none of', () => {
    const index = indexBenchmark(createManifest(draft()));
    expect(() => countEpisodes(index, { shots: [2], policies: ['lcl'], draws: 2 })).toThrow(
      /fixes its episodes: it runs one draw of each/,
    );
    expect(() => countEpisodes(index, { shots: [8], policies: ['lcl'], draws: 1 })).toThrow(
      /fixes no 8-shot episodes/,
    );
    expect(() => countEpisodes(index, { shots: [2], policies: ['icl'], draws: 1 })).toThrow(
      /fixes no icl episodes/,
    );
  });

  it('checks every episode against its pair and images, naming the episode', () => {
    const bad = (change: (d: ManifestDraft) => void) => {
      const d = draft();
      change(d);
      return () => createManifest(d);
    };
    const episodes = (d: ManifestDraft) => d.episodes as NonNullable<ManifestDraft['episodes']>;
    expect(
      bad((d) => {
        episodes(d)[0]!.pair = 'nope';
      }),
    ).toThrow(/episodes\.0 \(e2\): names unknown pair "nope"/);
    expect(
      bad((d) => {
        episodes(d)[0]!.query = img('q1');
      }),
    ).toThrow(/episodes\.0 \(e2\): the query must be a query image of pair "e2"/);
    expect(
      bad((d) => {
        episodes(d)[1]!.support = [img('a1'), img('a1')];
      }),
    ).toThrow(/a support image is shown twice/);
    expect(
      bad((d) => {
        episodes(d)[0]!.support = [img('a2'), img('d2')];
      }),
    ).toThrow(/as many images of each concept/);
    expect(
      bad((d) => {
        episodes(d)[1]!.support = [img('a1'), img('b2')];
      }),
    ).toThrow(/support image [0-9a-f]{12} is not a support image of pair "e1"/);
    expect(
      bad((d) => {
        episodes(d)[1]!.id = 'e2';
      }),
    ).toThrow(/episode id is used twice/);
    expect(
      bad((d) => {
        d.episodes = [];
      }),
    ).toThrow(/fixes at least one/);
    // Without fixed episodes, a name still names one concept only.
    expect(
      bad((d) => {
        d.episodes = undefined;
      }),
    ).toThrow(/label "rocket" is also used in pair "e1"/);
    // Within a pair the two names differ, fixed episodes or not.
    expect(
      bad((d) => {
        d.pairs[0]!.novel.name = 'Rocket';
      }),
    ).toThrow(/pairs\.e1: both concepts are named "Rocket"/);
  });
});
