import { sha256Hex } from './hash';
import { createManifest, type Manifest, type ManifestDraft } from './manifest';

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
