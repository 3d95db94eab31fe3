import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { models } from '../schema';

/** Registers a model by name, or returns the one already registered under it. */
export async function registerModel(
  db: Db,
  model: { name: string; organisation?: string; url?: string; ownerId?: string },
): Promise<number> {
  await db.insert(models).values(model).onConflictDoNothing({ target: models.name });
  const row = await db.query.models.findFirst({ where: eq(models.name, model.name) });
  return (row as { id: number }).id;
}
