import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { imageStoreKey } from '@linkboard/core';
import {
  rankedImageOf as rankedImageSpec,
  renderRankedImage,
} from '@linkboard/datasets/ranked-draw';
import { readableRankedImage } from '@linkboard/platform';
import sharp from 'sharp';
import { env } from '~/env';
import { createContext, keyScopeProblem } from '~/server/trpc';

/**
 * Thumbnail widths: a requested width is rounded up to one of these, so that no one can make
 * the server resize an image 449 different ways (and caches hold a few copies, not hundreds).
 */
const WIDTHS = [64, 96, 128, 192, 256, 384, 512];
/** What the store holds (see the importers); anything else is served as bytes, never sniffed. */
const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

/**
 * A thumbnail from <data>/thumbs, rendered on first request: the concepts page alone shows 144
 * of them, and re-encoding each per request would make every visit cost seconds of CPU. Written
 * under a temporary name and renamed, so a reader never sees half a file.
 */
async function thumbnail(key: string, bytes: Buffer, width: number): Promise<Buffer> {
  const file = path.join(env.dataDir, 'thumbs', `${key}.w${width}.webp`);
  try {
    return await readFile(file);
  } catch {
    const thumb = await sharp(bytes).resize(width).webp({ quality: 80 }).toBuffer();
    const partial = `${file}.${randomUUID()}.partial`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(partial, thumb);
      await rename(partial, file);
    } catch {
      // A read-only or full disk costs the cache, not the image.
      await rm(partial, { force: true }).catch(() => {});
    }
    return thumb;
  }
}

/**
 * An image of a ranked run's draw, rendered from its manifest entry, where the platform's rule
 * shows its episode to this request's viewer (`readableRankedImage`); null otherwise, answered as
 * a missing image, so that ids cannot be probed.
 */
async function rankedImage(request: Request, id: string): Promise<Buffer | null> {
  const context = await createContext({ headers: request.headers });
  // A key without the read scope reads as nobody: what it is shown is what anyone is.
  const viewer = keyScopeProblem(context.viewer, 'read') ? null : context.viewer;
  const entry = await readableRankedImage(context.db, viewer, id);
  const image = entry ? rankedImageSpec(entry) : null;
  return image ? renderRankedImage(image) : null;
}

/**
 * Images from the content store. A content address never changes meaning, so responses are
 * cached for a year as immutable; `?w=` returns a thumbnail at least that wide (64–512 px).
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const key = imageStoreKey(id);
  if (!key) return new Response('not an image id', { status: 400 });
  let bytes: Buffer;
  let cacheControl = 'public, max-age=31536000, immutable';
  try {
    bytes = await readFile(path.join(env.dataDir, 'images', key));
  } catch {
    // Not in the store: an image of a ranked run's draw, rendered for whoever may see its episode.
    const rendered = await rankedImage(request, id);
    if (!rendered) return new Response('no such image', { status: 404 });
    bytes = rendered;
    // Shown to the run's viewers only (a private run's to its owner): no shared cache keeps it.
    cacheControl = 'private, max-age=3600';
  }
  const width = Number(new URL(request.url).searchParams.get('w'));
  const headers = {
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  };
  const snapped = width > 0 ? WIDTHS.find((w) => w >= width) : undefined;
  if (snapped) {
    const thumb = await thumbnail(key, bytes, snapped);
    return new Response(new Uint8Array(thumb), {
      headers: { ...headers, 'content-type': 'image/webp' },
    });
  }
  const meta = await sharp(bytes).metadata();
  return new Response(new Uint8Array(bytes), {
    headers: {
      ...headers,
      'content-type': CONTENT_TYPES[meta.format ?? ''] ?? 'application/octet-stream',
    },
  });
}
