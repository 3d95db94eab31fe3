import { type ModelCard, modelNameKey, nameProblem, type Weights } from '@linkboard/core';
import { eq, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { models } from '../schema';
import { ConflictError } from './benchmarks';
import type { Executor } from './rows';

/**
 * A model as a submission names it: its name, and the model's part of its card (core's
 * `ModelCard` less `revision`, which is the submission's).
 */
export interface NewModel {
  name: string;
  organisation?: string;
  /** Its page (the card's `modelUrl`). */
  url?: string;
  paramsB?: number;
  weights?: Weights;
  licence?: string;
  baseModel?: string;
  ownerId?: string;
}

/** The model's part of a card as `NewModel` fields (its `revision` is the submission's). */
export function modelOfCard(card: ModelCard): Omit<NewModel, 'name' | 'ownerId'> {
  return {
    organisation: card.organisation,
    url: card.modelUrl,
    paramsB: card.paramsB,
    weights: card.weights,
    licence: card.licence,
    baseModel: card.baseModel,
  };
}

/** The card fields a submission stated (a blank one states nothing). */
function statedCard(model: NewModel) {
  const card = {
    organisation: model.organisation,
    url: model.url,
    paramsB: model.paramsB,
    weights: model.weights,
    licence: model.licence,
    baseModel: model.baseModel,
  };
  return Object.fromEntries(
    Object.entries(card).filter(([, value]) => value !== undefined && value !== ''),
  ) as Partial<typeof card>;
}

/**
 * A model name refused for what it holds (control, invisible or bidi characters). A kind of
 * conflict for callers that only tell input errors from others.
 */
export class ModelNameError extends ConflictError {
  override name = 'ModelNameError';
}

/**
 * Registers a model by name, or returns the one already registered under it. With an `ownerId`
 * (a submission through the site) the name must be that owner's: model names are what the
 * leaderboard shows, so one account cannot post results under another's model (or a baseline's).
 * Names are compared by their look-alike key (core's `modelNameKey`), so `а-model` in Cyrillic or
 * `A-Model` cannot stand beside `a-model`; the unique index on the key settles races.
 *
 * The card fields it states replace the model's (the latest statement wins; a field left out
 * keeps what the model had), once the name is known to be the caller's: another account's
 * submission never reaches the card.
 */
export async function registerModel(db: Executor, model: NewModel): Promise<number> {
  const problem = nameProblem(model.name, { visible: true });
  if (problem) throw new ModelNameError(`the model name "${model.name}" ${problem}`);
  const nameKey = modelNameKey(model.name);
  if (nameKey === '') throw new ModelNameError('the model name is empty');
  const card = statedCard(model);
  const inserted = await db
    .insert(models)
    .values({ name: model.name, ownerId: model.ownerId, ...card, nameKey })
    .onConflictDoNothing()
    .returning({ id: models.id });
  if (inserted[0]) return inserted[0].id;
  const rows = await db
    .select({ id: models.id, name: models.name, ownerId: models.ownerId })
    .from(models)
    .where(or(eq(models.nameKey, nameKey), eq(models.name, model.name)))
    .orderBy(sql`${models.name} = ${model.name} DESC`)
    .limit(1);
  const found = rows[0];
  if (!found) throw new Error(`model "${model.name}" was neither inserted nor found`);
  const mine = model.ownerId === undefined || found.ownerId === model.ownerId;
  if (found.name !== model.name)
    throw new ConflictError(
      `the model name "${model.name}" looks like "${found.name}", already registered${mine ? '; submit under that name' : ' by another account; pick another'}`,
    );
  if (!mine)
    throw new ConflictError(
      `the model name "${model.name}" belongs to another account; pick another`,
    );
  if (Object.keys(card).length > 0)
    await db.update(models).set(card).where(eq(models.id, found.id));
  return found.id;
}

/**
 * Brings every model's look-alike key up to date with core's `modelNameKey` (rows that predate
 * the key, or a key computed by an older version of it). A row whose key would collide with
 * another's keeps the one it has: two look-alike names registered before keys existed both stay.
 */
export async function refreshModelNameKeys(db: Db): Promise<{ updated: number; kept: string[] }> {
  const rows = await db
    .select({ id: models.id, name: models.name, nameKey: models.nameKey })
    .from(models)
    .orderBy(models.id);
  let updated = 0;
  const kept: string[] = [];
  for (const row of rows) {
    const key = modelNameKey(row.name);
    if (key === row.nameKey) continue;
    const { rowCount } = await db.execute(sql`
      UPDATE models SET name_key = ${key}
      WHERE id = ${row.id} AND NOT EXISTS (SELECT 1 FROM models WHERE name_key = ${key})`);
    if (rowCount) updated += 1;
    else kept.push(row.name);
  }
  return { updated, kept };
}
