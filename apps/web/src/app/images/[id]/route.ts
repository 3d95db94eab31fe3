import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { imageStoreKey } from '@linkboard/core';
import sharp from 'sharp';
import { env } from '~/env';

/**
 * Images from the content store. A content address never changes meaning, so responses are
 * cached for a year as immutable; `?w=` returns a thumbnail of that width (64–512 px).
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const key = imageStoreKey(id);
  if (!key) return new Response('not an image id', { status: 400 });
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(env.dataDir, 'images', key));
  } catch {
    return new Response('no such image', { status: 404 });
  }
  const width = Number(new URL(request.url).searchParams.get('w'));
  const headers = {
    'cache-control': 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  };
  if (width >= 64 && width <= 512) {
    const thumb = await sharp(bytes).resize(Math.round(width)).webp({ quality: 80 }).toBuffer();
    return new Response(new Uint8Array(thumb), {
      headers: { ...headers, 'content-type': 'image/webp' },
    });
  }
  const meta = await sharp(bytes).metadata();
  return new Response(new Uint8Array(bytes), {
    headers: {
      ...headers,
      'content-type': `image/${meta.format === 'jpeg' ? 'jpeg' : (meta.format ?? 'octet-stream')}`,
    },
  });
}
