import {
  buildFixedEpisode,
  createManifest,
  drawCommitment,
  type Episode,
  type ImageEntry,
  indexBenchmark,
  keyedPrf,
  keyedPrng,
  type Manifest,
  type ManifestDraft,
  Prng,
  type QueryClass,
  RANKED_BENCHMARK,
  RANKED_DRAW_GENERATOR,
  rankedDrawVersion,
  SECRET_HEX,
} from '@linkboard/core';
import { BASES, type BaseObject } from './catalog';
import {
  CATALOG_WORDS,
  CODAS,
  ONSETS,
  sharesRun,
  TRAITS_V3,
  type TraitV3,
  V2_NAMES,
  VOWELS,
} from './catalog-v3';
import { rasterise } from './render';
import { drawnSvg, imageSide } from './render-v3';
import { pick } from './svg';

/**
 * The ranked draw: a fresh set of episodes for each ranked run, drawn from the run's secret seed
 * (a keyed PRF of the deployment's key and the submission: see core's ranked-draw.ts).
 *
 * - **One concept per episode.** Each episode draws its own base object, trait and nonce name,
 *   independent of the public catalog's pairing, so nothing learned about one episode, or from the
 *   public generator, says which trait makes the novel concept in another.
 * - **Every familiar image carries a distractor trait** (a trait other than the episode's own,
 *   uniform over the rest, drawn per image), so "the object has something extra" is no cue: over
 *   episodes, the query's trait, its family, size and colours have the same distribution on both
 *   sides. Only the demonstrations say which trait the new name goes with.
 * - **Half the episodes are `flip`**, and half of each policy's queries novel: drawn the same way, with the demonstrations binding the two
 *   names the other way round. An answer that ignores the demonstrations is right on a flip
 *   episode exactly when it would be wrong on a like lcl one: the ranked score, the mean of the
 *   two accuracies, puts it at 50%.
 * - **Rendered when sent.** An episode holds render ids, not stored images: `renderRankedImage`
 *   draws each image from its id. Image ids, episode ids and the send order come from the PRF
 *   too, so they say nothing of the policy, the shots or the side.
 */

export interface RankedDrawOptions {
  /** The draw's seed: 64 hex characters (core's `drawSeed`). */
  seed: string;
  /** Shot counts (even, at least 2). */
  shots: readonly number[];
  /** Episodes per shot count and policy (as many `lcl` as `flip`). */
  perPolicy: number;
}

/** What an image of the draw shows: rendered from its id, which seeds every other choice. */
export interface RankedImage {
  id: string;
  base: string;
  traits: readonly string[];
}

/** One episode's concept, for analysis (by trait, family, base) once the run is revealed. */
export interface RankedConcept {
  base: string;
  trait: string;
  family: TraitV3['family'];
  name: string;
}

export interface RankedDraw {
  seed: string;
  /** SHA-256 commitment to the seed, shown while the run is open. */
  commitment: string;
  /** The run as a benchmark version of its own (hidden while open), its episodes fixed. */
  manifest: Manifest;
  /** In the order they are sent: core's episodes of the manifest. */
  episodes: Episode[];
  images: ReadonlyMap<string, RankedImage>;
  concepts: ReadonlyMap<string, RankedConcept>;
}

const BASE_KEYS = Object.keys(BASES);
const TRAIT_KEYS = Object.keys(TRAITS_V3);
const BASE_WORDS = new Set(Object.values(BASES).map((b) => b.word));

/**
 * Whether `name` may name a ranked novel concept: letters only, no catalog word in it or it in
 * one, and no three letters in a row shared with any catalog word. Checked against every base
 * and trait, not only its own, so that which words a name avoids says nothing of its concept.
 */
export function isNeutralName(name: string): boolean {
  if (!/^[a-z]+$/.test(name) || V2_NAMES.has(name) || BASE_WORDS.has(name)) return false;
  for (const w of CATALOG_WORDS)
    if (name.includes(w) || w.includes(name) || sharesRun(name, w, 3)) return false;
  return true;
}

/** Four consonant-vowel syllables and an optional closing consonant: some 10^7 names. */
function nonceName(rng: Prng, taken: Set<string>): string {
  for (;;) {
    let name = '';
    for (let i = 0; i < 4; i++) name += pick(rng, ONSETS) + pick(rng, VOWELS);
    name += pick(rng, CODAS);
    if (!taken.has(name) && isNeutralName(name)) {
      taken.add(name);
      return name;
    }
  }
}

/**
 * The benchmark name of every ranked draw, core's `RANKED_BENCHMARK` (`isekai-synth-ranked`); its
 * version is core's `rankedDrawVersion`, `1+` and the commitment's first 16 hex. Kept under this
 * name for the package's exports; core's is the definition.
 */
export const RANKED_BENCHMARK_NAME = RANKED_BENCHMARK;

/** The render spec an image's manifest entry keeps (`source`): `ranked:<base>+<trait>`. */
const sourceOf = (image: RankedImage) => `ranked:${image.base}+${image.traits.join('+')}`;

/**
 * Draws a ranked run from its seed: deterministic (the same seed gives the same episodes, ids,
 * names and images), so a revealed seed lets anyone regenerate and re-score the run. The run is a
 * manifest of its own: a pair per episode, its images (by render id), and its episodes fixed in
 * the order they are sent (core's `FixedEpisode`), so that the platform stores, runs and scores it
 * as any benchmark version, and core builds its episodes as it builds any.
 */
export function drawRanked(options: RankedDrawOptions): RankedDraw {
  const { seed, shots, perPolicy } = options;
  if (!SECRET_HEX.test(seed))
    throw new RangeError('drawRanked: the seed must be 64 lower-case hex characters');
  if (!Number.isInteger(perPolicy) || perPolicy < 1)
    throw new RangeError(`drawRanked: perPolicy must be a positive integer, got ${perPolicy}`);
  for (const k of shots)
    if (!Number.isInteger(k) || k < 2 || k % 2 !== 0)
      throw new RangeError(`drawRanked: shot counts must be even and at least 2, got ${k}`);
  const commitment = drawCommitment(seed);
  const images = new Map<string, RankedImage>();
  const concepts = new Map<string, RankedConcept>();
  const taken = new Set<string>();
  const draft: ManifestDraft = {
    schema: 'linkboard.manifest/1',
    // Hidden while the run is open: its manifest holds every label.
    benchmark: {
      name: RANKED_BENCHMARK,
      version: rankedDrawVersion(commitment),
      split: 'hidden',
    },
    origin: { generator: RANKED_DRAW_GENERATOR, generatorVersion: 1, commitment },
    pairs: [],
    images: [],
    episodes: [],
  };
  let index = 0;
  for (const k of shots) {
    // Exactly half of each shot count's episodes are flip, and within each policy half the
    // queries are novel (one more of either side, drawn, when the count is odd); which episodes,
    // the PRF says. Balanced sides make a one-sided answer score exactly 50%, not only in
    // expectation.
    const slots = keyedPrng(seed, 'policies', k);
    // As many novel queries under flip as under lcl: then a one-sided answer is right on exactly
    // half of the two together, whatever the count.
    const novel = Math.floor(perPolicy / 2) + (perPolicy % 2 === 1 ? slots.nextInt(2) : 0);
    const plan = slots.shuffle(
      (['lcl', 'flip'] as const).flatMap((policy) =>
        Array.from({ length: perPolicy }, (_, j) => ({
          policy,
          queryClass: (j < novel ? 'novel' : 'familiar') as QueryClass,
        })),
      ),
    );
    for (const { policy, queryClass } of plan) {
      const i = index++;
      const rng = keyedPrng(seed, 'episode', i);
      const baseKey = pick(rng, BASE_KEYS);
      const base = BASES[baseKey] as BaseObject;
      const traitKey = pick(rng, TRAIT_KEYS);
      const trait = TRAITS_V3[traitKey] as TraitV3;
      const novelName = nonceName(rng, taken);
      const id = `r${keyedPrf(seed, 'episode id', i).slice(0, 24)}`;
      const conceptOf = (side: QueryClass) => `${id}-${side}`;
      const distractors = TRAIT_KEYS.filter((t) => t !== traitKey);
      let slot = 0;
      const image = (side: QueryClass, role: 'query' | 'support'): string => {
        const imageId = keyedPrf(seed, 'image', i, slot++);
        const spec = {
          id: imageId,
          base: baseKey,
          traits: [side === 'novel' ? traitKey : pick(rng, distractors)],
        };
        images.set(imageId, spec);
        const side_ = imageSide(new Prng(imageId));
        draft.images.push({
          id: imageId,
          concept: conceptOf(side),
          role,
          width: side_,
          height: side_,
          mediaType: 'image/jpeg',
          source: sourceOf(spec),
        });
        return imageId;
      };
      const query = image(queryClass, 'query');
      const support: string[] = [];
      for (const side of ['novel', 'familiar'] as const)
        for (let j = 0; j < k / 2; j++) support.push(image(side, 'support'));
      rng.shuffle(support);
      draft.pairs.push({
        id,
        novel: { id: conceptOf('novel'), name: novelName, description: trait.describe(base.word) },
        familiar: { id: conceptOf('familiar'), name: base.word, description: base.description },
      });
      draft.episodes?.push({ id, pair: id, policy, query, support });
      concepts.set(id, { base: baseKey, trait: traitKey, family: trait.family, name: novelName });
    }
  }
  // The send order: drawn, so that position says nothing of shots, policy or side.
  keyedPrng(seed, 'send order').shuffle(draft.episodes ?? []);
  const manifest = createManifest(draft);
  const built = indexBenchmark(manifest);
  const episodes = (manifest.episodes ?? []).map((e) => buildFixedEpisode(built, e));
  // By the episodes' ids as core gives them (the manifest hash in front of the drawn id).
  const prefix = `${manifest.manifestHash.slice(0, 16)}-`;
  const byEpisode = new Map([...concepts].map(([id, concept]) => [prefix + id, concept]));
  return { seed, commitment, manifest, episodes, images, concepts: byEpisode };
}

/** The render spec of an image of a ranked manifest (its `source`), or null for any other image. */
export function rankedImageOf(image: Pick<ImageEntry, 'id' | 'source'>): RankedImage | null {
  const match = /^ranked:([a-z-]+)\+([a-z+-]+)$/.exec(image.source ?? '');
  if (!match) return null;
  return { id: image.id, base: match[1] as string, traits: (match[2] as string).split('+') };
}

/** A ranked manifest's images by id, as `rankedImageStore` renders them. */
export function rankedImagesOf(manifest: Pick<Manifest, 'images'>): Map<string, RankedImage> {
  const out = new Map<string, RankedImage>();
  for (const entry of manifest.images) {
    const image = rankedImageOf(entry);
    if (image) out.set(image.id, image);
  }
  return out;
}

/** An image of the draw as JPEG bytes, drawn from its id: nothing of the run is stored. */
export async function renderRankedImage(image: RankedImage): Promise<Buffer> {
  const base = BASES[image.base];
  if (!base) throw new Error(`ranked image ${image.id.slice(0, 12)}: unknown base ${image.base}`);
  const traits = image.traits.map((t) => {
    const trait = TRAITS_V3[t];
    if (!trait) throw new Error(`ranked image ${image.id.slice(0, 12)}: unknown trait ${t}`);
    return trait;
  });
  const { svg, size, noise, rng } = drawnSvg(new Prng(image.id), image.id, base, traits);
  return rasterise(svg, size, noise, rng);
}

/** An image store over a draw: `read` renders the image (an encoder that keeps none). */
export function rankedImageStore(draw: Pick<RankedDraw, 'images'>) {
  return {
    read(imageId: string): Promise<Buffer> {
      const image = draw.images.get(imageId);
      if (!image)
        return Promise.reject(
          new Error(`image ${imageId.slice(0, 12)} is not in this ranked draw`),
        );
      return renderRankedImage(image);
    },
  };
}

/** Which of two candidate names is the familiar one (a catalog base word), for the baselines. */
export const rankedFamiliarOf = (candidates: readonly string[]) =>
  candidates.find((c) => BASE_WORDS.has(c));
