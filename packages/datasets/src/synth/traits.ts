import type { Manifest } from '@linkboard/core';
import { BASES } from './catalog';
import { PAIRS_V3, TRAITS_V3, type TraitFamily } from './catalog-v3';

/** What changes a pair's novel concept from its familiar look-alike, in isekai-synth v3's catalog. */
export interface PairTrait {
  trait: string;
  family: TraitFamily;
}

/** The trait of each v3 pair, by its familiar concept's id (the base's word, as the generator names it). */
const BY_FAMILIAR = new Map(
  PAIRS_V3.map((spec) => {
    const trait = TRAITS_V3[spec.trait];
    const word = BASES[spec.base]?.word ?? spec.base;
    return [word.replace(/\s+/g, '-'), { trait: spec.trait, family: trait?.family }] as const;
  }),
);

/**
 * The trait and trait family of each pair of an isekai-synth v3 manifest (its origin says so),
 * by pair id; null for any other benchmark, whose pairs have no trait on record. The manifest does
 * not carry traits itself: they come from the generator's catalog, which pairs each base with one
 * trait whatever the seed.
 */
export function synthTraits(
  manifest: Pick<Manifest, 'origin' | 'pairs'>,
): Map<string, PairTrait> | null {
  const origin = manifest.origin;
  if (origin?.generator !== 'isekai-synth' || Number(origin.generatorVersion) !== 3) return null;
  const traits = new Map<string, PairTrait>();
  for (const pair of manifest.pairs) {
    const found = BY_FAMILIAR.get(pair.familiar.id);
    if (found?.family) traits.set(pair.id, { trait: found.trait, family: found.family });
  }
  return traits;
}
