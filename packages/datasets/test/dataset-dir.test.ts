import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageStore, importDataset, loadDataset } from '../src';
import { ISEKAI_SAMPLE, listing, png, tempDir } from './helpers';

const sample = {
  format: 'isekai' as const,
  input: path.join(ISEKAI_SAMPLE, 'ISEKAI-sample.json'),
  images: path.join(ISEKAI_SAMPLE, 'images'),
};

describe('writeDataset', () => {
  it('refuses a non-empty output folder and leaves it untouched', async () => {
    const parent = await tempDir();
    const out = path.join(parent, 'out');
    await importDataset({ ...sample, out });
    await writeFile(path.join(out, 'mine.txt'), 'keep me');
    await expect(importDataset({ ...sample, out })).rejects.toThrow(/not empty; .*--force/);
    expect(await readFile(path.join(out, 'mine.txt'), 'utf8')).toBe('keep me');
    expect(await listing(parent)).toEqual(['out']);
  });

  it('replaces it with force, leaving no staging folders behind', async () => {
    const parent = await tempDir();
    const out = path.join(parent, 'out');
    await importDataset({ ...sample, out });
    await writeFile(path.join(out, 'stale.txt'), 'x');
    await importDataset({ ...sample, out, force: true });
    expect(await listing(out)).toEqual(['images', 'manifest.json']);
    expect(await listing(parent)).toEqual(['out']);
  });
});

describe('loadDataset', () => {
  it('refuses a manifest edited by hand', async () => {
    const out = path.join(await tempDir(), 'out');
    await importDataset({ ...sample, out });
    const file = path.join(out, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.pairs[0].familiar.name = 'porcupine';
    await writeFile(file, JSON.stringify(manifest));
    await expect(loadDataset(out)).rejects.toThrow(/manifest\.json: manifest hash mismatch/);
  });

  it('says what is wrong with a folder that is not a dataset', async () => {
    const dir = await tempDir();
    await expect(loadDataset(dir)).rejects.toThrow(/no manifest here/);
  });
});

describe('ImageStore', () => {
  it('stores bytes under their SHA-256 in a two-level folder, once', async () => {
    const store = new ImageStore(await tempDir());
    const bytes = await png(5);
    const id = await store.put(bytes);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(store.pathOf(id)).toBe(path.join(store.root, id.slice(0, 2), id.slice(2)));
    expect(await store.put(bytes)).toBe(id);
    expect(await store.read(id)).toEqual(bytes);
    expect(await store.has('0'.repeat(64))).toBe(false);
  });

  it('refuses an id that could name a path outside the store', () => {
    expect(() => new ImageStore('/tmp/x').pathOf('../../etc/passwd')).toThrow(/not an image id/);
  });
});
