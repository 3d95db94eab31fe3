import { Prng } from '@linkboard/core';
import sharp from 'sharp';
import type { BaseObject } from './catalog';
import { paletteFor } from './catalog';
import type { TraitV3 } from './catalog-v3';
import { objectMarkup } from './render-v3';

/** The local box, drawn at 2 px a unit with room around it for traits that reach out. */
const BOX = 400;
const ZOOM = 1.5;

async function rgba(markup: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${BOX * ZOOM}" height="${BOX * ZOOM}" viewBox="${-BOX / 2} ${-BOX / 2} ${BOX} ${BOX}">${markup}</svg>`;
  return sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
}

/**
 * The share of a base object's area that a trait changes: the object drawn alone (no background,
 * pose or noise) with and without the trait, the pixels that differ counted over the pixels of the
 * plain object. `key` picks the drawing, as an image's key does.
 */
export async function traitShare(base: BaseObject, trait: TraitV3, key: string): Promise<number> {
  const colors = paletteFor(base, Prng.fromKey(`${key}|palette`));
  const [plain, withTrait] = await Promise.all([
    rgba(objectMarkup(base, colors, [], key)),
    // The trait in slot 0 draws from the stream it would in an image.
    rgba(objectMarkup(base, colors, [trait], key)),
  ]);
  let area = 0;
  let changed = 0;
  for (let i = 0; i < plain.length; i += 4) {
    if ((plain[i + 3] as number) > 127) area++;
    let d = Math.abs((plain[i + 3] as number) - (withTrait[i + 3] as number));
    for (let k = 0; k < 3; k++)
      d = Math.max(d, Math.abs((plain[i + k] as number) - (withTrait[i + k] as number)));
    if (d > 24) changed++;
  }
  return changed / area;
}
