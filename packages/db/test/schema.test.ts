import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/migrate';

const run = promisify(execFile);

describe('migrations', () => {
  it('match the schema: generating from src/schema.ts adds no migration', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-drift-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const before = await readdir(dir);
      const root = path.dirname(MIGRATIONS_DIR);
      // drizzle-kit reads --out relative to its working folder, and exits 0 even when it fails.
      const args = [
        'drizzle-kit',
        'generate',
        '--dialect',
        'postgresql',
        '--schema',
        './src/schema.ts',
      ];
      const { stdout } = await run('npx', [...args, '--out', path.relative(root, dir)], {
        cwd: root,
      });
      expect(stdout).toMatch(/No schema changes/);
      expect(await readdir(dir)).toEqual(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
