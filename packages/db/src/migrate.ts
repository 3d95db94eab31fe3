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
