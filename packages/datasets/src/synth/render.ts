import { Prng } from '@linkboard/core';
import sharp from 'sharp';
import { type BaseObject, paletteFor, type Trait } from './catalog';
import { between, fmt, hsl, pick } from './svg';

/** Bumped whenever a drawing or the renderer changes, so that a seed names one set of images. */
export const GENERATOR_VERSION = 2;

export interface ImageSpec {
  seed: number;
  pairKey: string;
  base: BaseObject;
  /** The trait when drawing the novel concept; null for its familiar partner. */
  trait: Trait | null;
  index: number;
}

export function background(rng: Prng, size: number): string {
  const h = between(rng, 0, 360);
  const a = hsl(h, between(rng, 10, 30), between(rng, 80, 94));
  const b = hsl(h + between(rng, 30, 150), between(rng, 10, 30), between(rng, 74, 90));
  const kind = rng.nextInt(4);
  if (kind === 0) return `<rect width="${size}" height="${size}" fill="${a}"/>`;
  if (kind === 1) {
    return `<defs><linearGradient id="bg" x1="0" y1="0" x2="${fmt(rng.nextFloat())}" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient></defs><rect width="${size}" height="${size}" fill="url(#bg)"/>`;
  }
  if (kind === 2) {
    const w = between(rng, 14, 30);
    const stripes = Array.from(
      { length: Math.ceil((size * 2) / w / 2) },
      (_, i) =>
        `<rect x="${fmt(i * 2 * w - size / 2)}" y="-${size}" width="${fmt(w)}" height="${size * 3}" fill="${b}"/>`,
    );
    return `<rect width="${size}" height="${size}" fill="${a}"/><g transform="rotate(${fmt(between(rng, 0, 180))} ${size / 2} ${size / 2})" opacity="0.6">${stripes.join('')}</g>`;
  }
  const horizon = between(rng, 0.45, 0.75) * size;
  return `<rect width="${size}" height="${size}" fill="${a}"/><rect y="${fmt(horizon)}" width="${size}" height="${fmt(size - horizon)}" fill="${b}"/>`;
}

export function clutter(rng: Prng, size: number, count: number): string {
  const shapes: string[] = [];
  for (let i = 0; i < count; i++) {
    const x = between(rng, 0, size);
    const y = between(rng, 0, size);
    const r = between(rng, 5, size / 14);
    const fill = hsl(between(rng, 0, 360), between(rng, 20, 60), between(rng, 40, 80));
    const kind = rng.nextInt(3);
    if (kind === 0)
      shapes.push(`<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${fmt(r)}" fill="${fill}"/>`);
    else if (kind === 1)
      shapes.push(
        `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(r * 1.6)}" height="${fmt(r)}" fill="${fill}" transform="rotate(${fmt(between(rng, 0, 90))} ${fmt(x)} ${fmt(y)})"/>`,
      );
    else
      shapes.push(
        `<line x1="${fmt(x)}" y1="${fmt(y)}" x2="${fmt(x + between(rng, -40, 40))}" y2="${fmt(y + between(rng, -40, 40))}" stroke="${fill}" stroke-width="${fmt(between(rng, 2, 5))}" stroke-linecap="round"/>`,
      );
  }
  return shapes.join('');
}

/**
 * One image as SVG. Every random choice comes from a PRNG keyed by (seed, pair, concept, index),
 * and the base object's palette and all variation are drawn the same way for both concepts of a
 * pair, so the trait is the only systematic difference.
 */
export function imageSvg(spec: ImageSpec): { svg: string; size: number; noise: number; rng: Prng } {
  const side = spec.trait ? 'novel' : 'familiar';
  const rng = Prng.fromKey(
    `isekai-synth/v${GENERATOR_VERSION}|${spec.seed}|${spec.pairKey}|${side}|${spec.index}`,
  );
  const size = 256 + 32 * rng.nextInt(5);
  const colors = paletteFor(spec.base, rng);
  const scale = (between(rng, 0.6, 0.85) * size) / 200;
  const cx = size / 2 + between(rng, -0.08, 0.08) * size;
  const cy = size / 2 + between(rng, -0.08, 0.08) * size;
  const angle = between(rng, -20, 20);
  const flip = rng.nextInt(2) === 0 ? 1 : -1;
  const body = spec.base.draw(colors, rng);
  const trait = spec.trait
    ? spec.trait.draw(spec.base.anchors, colors, rng)
    : { behind: '', front: '' };
  const object = `<g transform="translate(${fmt(cx)} ${fmt(cy)}) rotate(${fmt(angle)}) scale(${fmt(scale * flip)} ${fmt(scale)})">${trait.behind}${body}${trait.front}</g>`;
  let occluder = '';
  if (rng.nextFloat() < 0.25) {
    const ox = cx + between(rng, -0.35, 0.35) * size * 0.5;
    const oy = cy + between(rng, -0.35, 0.35) * size * 0.5;
    occluder = `<ellipse cx="${fmt(ox)}" cy="${fmt(oy)}" rx="${fmt(between(rng, 0.06, 0.13) * size)}" ry="${fmt(between(rng, 0.05, 0.11) * size)}" fill="${hsl(between(rng, 0, 360), between(rng, 10, 50), between(rng, 45, 85))}"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${background(rng, size)}${clutter(rng, size, rng.nextInt(3))}${object}${clutter(rng, size, rng.nextInt(2))}${occluder}</svg>`;
  return { svg, size, noise: between(rng, 4, 14), rng };
}

/** Renders an image to JPEG bytes: the SVG through sharp, then seeded pixel noise. */
export async function renderImage(spec: ImageSpec): Promise<Buffer> {
  const { svg, size, noise, rng } = imageSvg(spec);
  return rasterise(svg, size, noise, rng);
}

/**
 * An image's SVG as JPEG bytes, with seeded noise on every pixel (so no two images share pixel
 * statistics exactly): every generator version draws through this, byte for byte.
 */
export async function rasterise(
  svg: string,
  size: number,
  noise: number,
  rng: Prng,
): Promise<Buffer> {
  const { data } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let i = 0; i < data.length; i += 3) {
    const n = (rng.nextFloat() - 0.5) * 2 * noise;
    data[i] = Math.max(0, Math.min(255, (data[i] as number) + n));
    data[i + 1] = Math.max(0, Math.min(255, (data[i + 1] as number) + n));
    data[i + 2] = Math.max(0, Math.min(255, (data[i + 2] as number) + n));
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export { pick };
