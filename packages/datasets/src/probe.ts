import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { ImageEntry } from '@linkboard/core';
import sharp, { type Metadata } from 'sharp';
import { ImportError } from './errors';

export interface ProbedImage {
  id: string;
  width: number;
  height: number;
  mediaType: ImageEntry['mediaType'];
}

const MEDIA_TYPES: Record<string, ImageEntry['mediaType']> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** Larger images are refused: decoding one would take seconds and gigabytes (an image bomb). */
const MAX_PIXELS = 50_000_000;

/**
 * Hashes an image and reads its size, refusing what is not a regular file (a FIFO would block the
 * read forever) and what is not a JPEG, PNG or WebP that decodes whole: the header alone can be
 * intact in a truncated file, which would then fail every job that shows it.
 */
export async function probeImage(file: string, where: string): Promise<ProbedImage> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (!info.isFile())
      throw new ImportError(where, `${file} is not a regular file (a folder, FIFO or device)`);
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(where, `image ${file} cannot be read: ${(error as Error).message}`);
  }
  let meta: Metadata;
  try {
    const image = sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_PIXELS });
    meta = await image.metadata();
    // Every pixel, so that a truncated or corrupt body is refused here rather than at every job.
    await image.raw().toBuffer();
  } catch (error) {
    throw new ImportError(where, `${file} is not a readable image (${(error as Error).message})`);
  }
  const mediaType = meta.format ? MEDIA_TYPES[meta.format] : undefined;
  if (!mediaType || !meta.width || !meta.height) {
    throw new ImportError(
      where,
      `${file} is ${meta.format ?? 'an unknown format'}; images must be JPEG, PNG or WebP`,
    );
  }
  return {
    id: createHash('sha256').update(bytes).digest('hex'),
    width: meta.width,
    height: meta.height,
    mediaType,
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
