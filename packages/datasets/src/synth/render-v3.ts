import { Prng } from '@linkboard/core';
import { type BaseObject, paletteFor } from './catalog';
import { TRAITS_V3, type TraitV3 } from './catalog-v3';
import { background, clutter, rasterise } from './render';
import { between, fmt, hsl, pick } from './svg';

/**
 * How often a familiar image carries an irrelevant trait (a hard negative). High, so that "has
 * something extra" is no cue; not always, so that the plain base object is still shown.
 */
export const DISTRACTOR_RATE = 0.75;
/** Of the hard negatives, how many come from the pair's own trait family (dots against stripes). */
export const SAME_FAMILY_RATE = 0.5;

export interface ImageSpecV3 {
  seed: number;
  pairKey: string;
  base: BaseObject;
  /** The pair's own trait: what the novel concept carries and the familiar one never does. */
  pairTrait: TraitV3;
  novel: boolean;
  index: number;
}

/** The traits one image carries: the pair's trait on the novel side, maybe a hard negative on the other. */
export function traitsOf(spec: ImageSpecV3, rng: Prng): TraitV3[] {
  if (spec.novel) return [spec.pairTrait];
  if (rng.nextFloat() >= DISTRACTOR_RATE) return [];
  const others = Object.values(TRAITS_V3).filter((t) => t.key !== spec.pairTrait.key);
  const kin = others.filter((t) => t.family === spec.pairTrait.family);
  return [pick(rng, kin.length > 0 && rng.nextFloat() < SAME_FAMILY_RATE ? kin : others)];
}

/**
 * The object in the local 200×200 box. The base and each trait draw from their own PRNG streams,
 * so the same object can be drawn with and without its traits (measure.ts compares the two).
 */
export function objectMarkup(
  base: BaseObject,
  colors: ReturnType<typeof paletteFor>,
  traits: readonly TraitV3[],
  key: string,
): string {
  let object = base.draw(colors, Prng.fromKey(`${key}|body`));
  for (const [i, trait] of traits.entries())
    object = trait.apply(
      object,
      base.anchors,
      colors,
      Prng.fromKey(`${key}|trait${i}|${trait.key}`),
      `t${i}`,
    );
  return object;
}

/** v3's image as SVG: v2's layout (size, pose, position, background, clutter, occluder), v3's traits. */
export function imageSvgV3(spec: ImageSpecV3): {
  svg: string;
  size: number;
  noise: number;
  rng: Prng;
  traits: TraitV3[];
} {
  const side = spec.novel ? 'novel' : 'familiar';
  const key = `isekai-synth/v3|${spec.seed}|${spec.pairKey}|${side}|${spec.index}`;
  const traits = traitsOf(spec, Prng.fromKey(`${key}|traits`));
  return { ...drawnSvg(Prng.fromKey(key), key, spec.base, traits), traits };
}

/** The side of a square v3 image, in pixels: the first thing drawn from its generator. */
const SIDE_MIN = 256;
const SIDE_STEP = 32;
const SIDE_STEPS = 5;
export const imageSide = (rng: Prng) => SIDE_MIN + SIDE_STEP * rng.nextInt(SIDE_STEPS);
/** The largest side `imageSide` draws: what an estimate of a draw not yet made counts its images at. */
export const IMAGE_SIDE_MAX = SIDE_MIN + SIDE_STEP * (SIDE_STEPS - 1);

/**
 * An image of `base` carrying `traits`, every other choice (size, palette, pose, background,
 * clutter, occluder, noise) drawn from `rng`; `key` seeds the object's and each trait's own
 * streams. What v3 and the ranked draw both render.
 */
export function drawnSvg(
  rng: Prng,
  key: string,
  base: BaseObject,
  traits: readonly TraitV3[],
): { svg: string; size: number; noise: number; rng: Prng } {
  const size = imageSide(rng);
  const colors = paletteFor(base, rng);
  // A wider range of sizes than v2's, so the object's extent is no cue either.
  const scale = (between(rng, 0.5, 0.8) * size) / 200;
  const cx = size / 2 + between(rng, -0.1, 0.1) * size;
  const cy = size / 2 + between(rng, -0.1, 0.1) * size;
  const angle = between(rng, -25, 25);
  const flip = rng.nextInt(2) === 0 ? 1 : -1;
  const object = `<g transform="translate(${fmt(cx)} ${fmt(cy)}) rotate(${fmt(angle)}) scale(${fmt(scale * flip)} ${fmt(scale)})">${objectMarkup(base, colors, traits, key)}</g>`;
  let occluder = '';
  if (rng.nextFloat() < 0.25) {
    const ox = cx + between(rng, -0.35, 0.35) * size * 0.5;
    const oy = cy + between(rng, -0.35, 0.35) * size * 0.5;
    occluder = `<ellipse cx="${fmt(ox)}" cy="${fmt(oy)}" rx="${fmt(between(rng, 0.06, 0.13) * size)}" ry="${fmt(between(rng, 0.05, 0.11) * size)}" fill="${hsl(between(rng, 0, 360), between(rng, 10, 50), between(rng, 45, 85))}"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${background(rng, size)}${clutter(rng, size, rng.nextInt(3))}${object}${clutter(rng, size, rng.nextInt(2))}${occluder}</svg>`;
  return { svg, size, noise: between(rng, 4, 14), rng };
}

/** Renders a v3 image to JPEG bytes, as v2 does: the SVG through sharp, then seeded pixel noise. */
export async function renderImageV3(
  spec: ImageSpecV3,
): Promise<{ bytes: Buffer; traits: TraitV3[] }> {
  const { svg, size, noise, rng, traits } = imageSvgV3(spec);
  const bytes = await rasterise(svg, size, noise, rng);
  return { bytes, traits };
}
