import type { Database } from '@linkboard/db';
import { createTestDatabase } from '@linkboard/db/testing';
import { afterEach, inject } from 'vitest';

const open: (Database & { drop: () => Promise<void> })[] = [];

/** A database of its own for one test, cloned from the migrated template, dropped afterwards. */
export async function freshDatabase(options: { max?: number } = {}): Promise<Database> {
  const database = await createTestDatabase(inject('pgUrl'), options);
  open.push(database);
  return database;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.drop()));
});
