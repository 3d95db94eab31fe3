import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Manifest, ManifestError, parseManifest } from '@linkboard/core';
import type { ImportedDataset } from './builder';
import { ImportError } from './errors';
import { ImageStore } from './image-store';

/** A benchmark on disk: `<dir>/manifest.json` and its images in `<dir>/images/ab/cdef…`. */
export interface DatasetDir {
  dir: string;
  manifest: Manifest;
  store: ImageStore;
}

export const MANIFEST_FILE = 'manifest.json';

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new ImportError(dir, 'the output path is a file, not a folder');
    }
    throw error;
  }
}

/**
 * Whether `out` can take a dataset: refused when it holds something (unless `force`) or its
 * parent cannot be made. Callers that spend a while drawing a dataset check before they start.
 */
export async function checkDatasetOutput(
  out: string,
  options: { force?: boolean } = {},
): Promise<void> {
  const target = path.resolve(out);
  if (!options.force && (await isNonEmptyDir(target))) {
    throw new ImportError(
      target,
      'the output folder is not empty; choose another or pass --force to replace it',
    );
  }
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ImportError(
      parent,
      `cannot make the output's folder (${error.code ?? error.message})`,
    );
  });
}

/**
 * Writes a dataset as one step: everything goes into a hidden folder beside `out`, which is then
 * renamed into place. A crash or a refused image leaves `out` as it was.
 */
export async function writeDataset(
  out: string,
  dataset: ImportedDataset,
  options: { force?: boolean } = {},
): Promise<DatasetDir> {
  const target = path.resolve(out);
  await checkDatasetOutput(target, options);
  const parent = path.dirname(target);
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const staging = path.join(parent, `.${path.basename(target)}.partial-${suffix}`);
  const old = path.join(parent, `.${path.basename(target)}.old-${suffix}`);
  try {
    const store = new ImageStore(path.join(staging, 'images'));
    await mkdir(store.root, { recursive: true });
    for (const [id, file] of dataset.files) {
      if (typeof file === 'string') await store.putFile(id, file);
      else if ((await store.put(file)) !== id) throw new Error(`image bytes do not hash to ${id}`);
    }
    for (const [relative, bytes] of dataset.extras ?? []) {
      const file = path.join(staging, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
    }
    await writeFile(
      path.join(staging, MANIFEST_FILE),
      `${JSON.stringify(dataset.manifest, null, 2)}\n`,
    );
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) await rename(target, old);
    await rename(staging, target);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return {
    dir: target,
    manifest: dataset.manifest,
    store: new ImageStore(path.join(target, 'images')),
  };
}

/** Opens a dataset folder, checking the manifest's schema and hash. */
export async function loadDataset(dir: string): Promise<DatasetDir> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ImportError(
      file,
      `no manifest here; is ${dir} a folder made by "linkboard dataset import"?`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ImportError(file, `malformed JSON: ${(error as Error).message}`);
  }
  try {
    return {
      dir: path.resolve(dir),
      manifest: parseManifest(json),
      store: new ImageStore(path.join(dir, 'images')),
    };
  } catch (error) {
    if (error instanceof ManifestError) throw new ImportError(file, error.message);
    throw error;
  }
}
