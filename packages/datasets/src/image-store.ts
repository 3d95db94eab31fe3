import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { imageStoreKey } from '@linkboard/core';

/**
 * A content-addressed folder of images: `<root>/ab/cdef…` holds the image whose SHA-256 is
 * `abcdef…`. Content addressing makes writes idempotent and lets any number of benchmarks share
 * one store; the two-character fan-out keeps folders small.
 */
export class ImageStore {
  constructor(readonly root: string) {}

  pathOf(id: string): string {
    const key = imageStoreKey(id);
    if (!key) throw new Error(`not an image id (a lower-case hex SHA-256): "${id}"`);
    return path.join(this.root, key);
  }

  async has(id: string): Promise<boolean> {
    try {
      await stat(this.pathOf(id));
      return true;
    } catch {
      return false;
    }
  }

  read(id: string): Promise<Buffer> {
    return readFile(this.pathOf(id));
  }

  /** Stores bytes under their hash; returns the id. Written to a temporary name, then renamed. */
  async put(bytes: Uint8Array): Promise<string> {
    const id = createHash('sha256').update(bytes).digest('hex');
    if (await this.has(id)) return id;
    const target = this.pathOf(id);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(temp, bytes);
    await rename(temp, target);
    return id;
  }

  /** Copies a file already known to hash to `id` (the importers hashed it while probing). */
  async putFile(id: string, source: string): Promise<void> {
    if (await this.has(id)) return;
    const target = this.pathOf(id);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    await copyFile(source, temp);
    await rename(temp, target);
  }
}
