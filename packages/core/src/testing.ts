import { sha256Hex } from './hash';
import { createManifest, type Manifest, type ManifestDraft } from './manifest';
import { PROVENANCE_SCHEMA, type ProvenanceFacts } from './provenance';

/** Test support shared by the packages: benchmarks made of names, with no image bytes. */

export interface FixtureOptions {
  name?: string;
  version?: string;
  pairs?: number;
  supportPerConcept?: number;
  queriesPerConcept?: number;
}

/** A small benchmark whose image ids are hashes of names (no image bytes needed by core). */
export function fixtureManifest(options: FixtureOptions = {}): Manifest {
  const {
    name = 'fixture',
    version = '1',
    pairs = 2,
    supportPerConcept = 8,
    queriesPerConcept = 2,
  } = options;
  const draft: ManifestDraft = {
    schema: 'linkboard.manifest/1',
    benchmark: { name, version },
    pairs: [],
    images: [],
  };
  for (let p = 0; p < pairs; p++) {
    const novel = { id: `novel-${p}`, name: `novelthing${p}` };
    const familiar = { id: `familiar-${p}`, name: `plainthing${p}` };
    draft.pairs.push({ id: `pair-${p}`, novel, familiar });
    for (const concept of [novel, familiar]) {
      const counts = [
        ['support', supportPerConcept],
        ['query', queriesPerConcept],
      ] as const;
      for (const [role, count] of counts) {
        for (let i = 0; i < count; i++) {
          draft.images.push({
            id: sha256Hex(`${concept.id}/${role}/${i}`),
            concept: concept.id,
            role,
            width: 256,
            height: 256,
            mediaType: 'image/png',
          });
        }
      }
    }
  }
  return createManifest(draft);
}

/**
 * A ranked draw's manifest in miniature (core's `isRankedDraw`): a pair per episode, its episodes
 * fixed, lcl and flip in turn, novel and familiar queries in turn within each policy; image ids
 * hashes of names. What the platform stores and guards for a ranked run, without the renderer:
 * `perPolicy` episodes per shot count and policy (default: `episodes` 2-shot episodes in all).
 */
export function rankedFixtureManifest(
  options: { episodes?: number; perPolicy?: number; shots?: readonly number[]; tag?: string } = {},
): Manifest {
  const { tag = 'a', shots = [2] } = options;
  const perPolicy = options.perPolicy ?? Math.ceil((options.episodes ?? 8) / 2 / shots.length);
  const draft: ManifestDraft = {
    schema: 'linkboard.manifest/1',
    benchmark: { name: 'isekai-synth-ranked', version: `1+fixture-${tag}`, split: 'hidden' },
    origin: { generator: 'isekai-synth-ranked', generatorVersion: 1, commitment: sha256Hex(tag) },
    pairs: [],
    images: [],
    episodes: [],
  };
  let i = 0;
  for (const k of shots)
    for (let j = 0; j < 2 * perPolicy; j++, i++) {
      const id = `r${sha256Hex(`${tag}/${i}`).slice(0, 24)}`;
      const side = (s: 'novel' | 'familiar') => `${id}-${s}`;
      draft.pairs.push({
        id,
        novel: { id: side('novel'), name: `nonce${i}` },
        familiar: { id: side('familiar'), name: `thing${i}` },
      });
      let slot = 0;
      const image = (s: 'novel' | 'familiar', role: 'support' | 'query') => {
        const imageId = sha256Hex(`${tag}/${i}/${slot++}`);
        draft.images.push({
          id: imageId,
          concept: side(s),
          role,
          width: 64,
          height: 64,
          mediaType: 'image/jpeg',
        });
        return imageId;
      };
      const query = image(j % 4 < 2 ? 'novel' : 'familiar', 'query');
      const support = (['novel', 'familiar'] as const).flatMap((s) =>
        Array.from({ length: k / 2 }, () => image(s, 'support')),
      );
      draft.episodes?.push({ id, pair: id, policy: j % 2 === 0 ? 'lcl' : 'flip', query, support });
    }
  return createManifest(draft);
}

/**
 * A job's provenance as a runner records it (a built-in baseline's run of the manifest), for
 * tests of what carries or stores it.
 */
export function fixtureProvenanceFacts(
  manifest: Pick<Manifest, 'benchmark' | 'manifestHash'> = fixtureManifest(),
): ProvenanceFacts {
  return {
    schema: PROVENANCE_SCHEMA,
    benchmark: {
      name: manifest.benchmark.name,
      version: manifest.benchmark.version,
      manifestHash: manifest.manifestHash,
    },
    shots: [2, 4],
    policies: ['lcl', 'flip'],
    draws: 1,
    scorers: { official: 1, strict: 1 },
    episodeSeed: 'SHA-256("<manifest hash>|<query image id>|<shots>|<draw>")',
    runner: { version: '0.1.0', commit: null, host: 'test-host', node: 'v20.0.0' },
    adapter: 'builtin',
    name: 'prototype',
  };
}

export { type FigureOptions, figureLine, figureMet, percentile, printFigure } from './bench-figure';
