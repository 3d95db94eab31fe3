import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { models } from '../schema';
import { ConflictError } from './benchmarks';

/**
 * Registers a model by name, or returns the one already registered under it. With an `ownerId`
 * (a submission through the site) the name must be that owner's: model names are what the
 * leaderboard shows, so one account cannot post results under another's model (or a baseline's).
 */
export async function registerModel(
  db: Db,
  model: { name: string; organisation?: string; url?: string; ownerId?: string },
): Promise<number> {
  await db.insert(models).values(model).onConflictDoNothing({ target: models.name });
  const row = await db.query.models.findFirst({ where: eq(models.name, model.name) });
  const found = row as { id: number; ownerId: string | null };
  if (model.ownerId !== undefined && found.ownerId !== model.ownerId)
    throw new ConflictError(
      `the model name "${model.name}" belongs to another account; pick another`,
    );
  return found.id;
}
