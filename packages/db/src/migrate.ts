import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Db } from './client';
import { refreshModelNameKeys } from './queries/models';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * Applies the committed migrations (idempotent: applied ones are recorded and skipped), then
 * brings the models' look-alike keys up to date: they are computed in TypeScript (core), which a
 * SQL migration cannot call.
 */
export async function migrateDatabase(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  await refreshModelNameKeys(db);
}

/**
 * The committed migrations (tags, in order) that the database has not applied: what `/readyz`
 * checks. drizzle records each applied migration in `drizzle.__drizzle_migrations` with its
 * journal timestamp (`created_at` = the journal entry's `when`); a database that never ran a
 * migration has no such table, and every migration is pending.
 */
export async function pendingMigrations(db: Db, folder = MIGRATIONS_DIR): Promise<string[]> {
  const journal = JSON.parse(
    await readFile(path.join(folder, 'meta', '_journal.json'), 'utf8'),
  ) as { entries: { tag: string; when: number }[] };
  const { rows } = await db.$client.query<{ present: boolean }>(
    `SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`,
  );
  if (!rows[0]?.present) return journal.entries.map((e) => e.tag);
  const applied = await db.$client.query<{ created_at: string }>(
    'SELECT created_at::text AS created_at FROM drizzle.__drizzle_migrations',
  );
  const done = new Set(applied.rows.map((r) => Number(r.created_at)));
  return journal.entries.filter((e) => !done.has(e.when)).map((e) => e.tag);
}
