import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { describe, expect, inject, it } from 'vitest';
import { ConflictError, connect, registerModel } from '../src';
import { MIGRATIONS_DIR, migrateDatabase } from '../src/migrate';

/** The committed migrations up to (not including) `tag`, in a folder of their own. */
async function migrationsBefore(tag: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalFile, JSON.stringify(journal));
  return dir;
}

describe('migration 0004 (model name keys)', () => {
  it('keys models that were there before it, keeping old look-alikes apart', async () => {
    const server = inject('pgUrl');
    const name = `m_${randomBytes(6).toString('hex')}`;
    const admin = connect(server.replace(/\/linkboard$/, '/postgres'), { max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const database = connect(server.replace(/\/linkboard$/, `/${name}`), { max: 2 });
    const before = await migrationsBefore('0004_model_name_keys');
    try {
      await migrate(database.db, { migrationsFolder: before });
      await database.pool.query(
        `INSERT INTO models (name) VALUES ('Shared'), ('shared'), ('\u0421at'), ('plain')`,
      );
      await migrateDatabase(database.db);
      const { rows } = await database.pool.query('SELECT name, name_key FROM models ORDER BY id');
      expect(rows).toEqual([
        { name: 'Shared', name_key: 'shared' },
        { name: 'shared', name_key: expect.stringMatching(/^shared #\d+$/) },
        { name: '\u0421at', name_key: 'cat' },
        { name: 'plain', name_key: 'plain' },
      ]);
      await expect(registerModel(database.db, { name: 'CAT' })).rejects.toBeInstanceOf(
        ConflictError,
      );
    } finally {
      await database.close();
      await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});
