import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ImportError } from './errors';

function inside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves a path from a data file against its image folder, refusing anything that would read
 * outside it: absolute paths, `..` escapes, and symlinks whose target lies outside.
 */
export async function resolveInside(
  root: string,
  relative: string,
  where: string,
): Promise<string> {
  if (relative.trim() === '') throw new ImportError(where, 'empty image path');
  if (path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative)) {
    throw new ImportError(
      where,
      `image path "${relative}" is absolute; paths must be relative to the image folder`,
    );
  }
  const candidate = path.resolve(root, relative);
  if (!inside(path.resolve(root), candidate)) {
    throw new ImportError(where, `image path "${relative}" escapes the image folder ${root}`);
  }
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ImportError(where, `image "${relative}" is missing (looked for ${candidate})`);
    }
    throw new ImportError(where, `image "${relative}" cannot be read: ${(error as Error).message}`);
  }
  if (!inside(await realpath(root), real)) {
    throw new ImportError(
      where,
      `image path "${relative}" is a symlink to ${real}, outside the image folder`,
    );
  }
  return real;
}
