import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import { ISEKAI_SAMPLE as SHIPPED_SAMPLE } from '../src/samples';

/** The real ISEKAI sample that ships in this package (`samples/isekai-sample`). */
export const ISEKAI_SAMPLE = path.dirname(SHIPPED_SAMPLE.records);

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary folder removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-datasets-'));
  made.push(dir);
  return dir;
}

/** A writable copy of the ISEKAI sample. */
export async function isekaiCopy(): Promise<string> {
  const dir = await tempDir();
  await cp(ISEKAI_SAMPLE, dir, { recursive: true });
  return dir;
}

/** A small PNG whose bytes are unique to `seed`. */
export function png(seed: number): Promise<Buffer> {
  return sharp({
    create: {
      width: 8,
      height: 8,
      channels: 3,
      background: { r: seed % 256, g: Math.floor(seed / 256) % 256, b: 7 },
    },
  })
    .png()
    .toBuffer();
}

/** Everything in `dir` (one level), to check that a refused import left nothing behind. */
export async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Two records of the bundled sample (pairs cactihog/hedgehog and icemic/ice cream), to vary. */
export const SAMPLE_RECORDS = {
  good: {
    image_name: 'cactihog/infer1.jpg',
    positive_list: ['cactihog/pos1.jpg'],
    negative_list: ['cactihog/neg1.jpg'],
    positive_promt: 'cactihog',
    negative_promt: 'hedgehog',
    label_name: 'cactihog',
  },
  other: {
    image_name: 'icemic/infer1.jpg',
    positive_list: ['icemic/pos1.jpg'],
    negative_list: ['icemic/neg1.jpg'],
    positive_promt: 'icemic',
    negative_promt: 'ice cream',
    label_name: 'icemic',
  },
};
