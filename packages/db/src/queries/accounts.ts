import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { users } from '../schema';

export async function userRole(db: Db, userId: string): Promise<'submitter' | 'admin' | null> {
  const user = await db.query.users.findFirst({
    where: eq(users.id, userId),
    columns: { role: true },
  });
  return user?.role ?? null;
}

/** What the site shows of a signed-in user. */
export async function userProfile(db: Db, userId: string) {
  const user = await db.query.users.findFirst({
    where: eq(users.id, userId),
    columns: { id: true, name: true, email: true, role: true },
  });
  return user ?? null;
}
