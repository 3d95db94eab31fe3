import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { USER_ROLES, type UserRole, users } from '../schema';
import { liveKeyCount } from './api-keys';

export async function userRole(db: Db, userId: string): Promise<UserRole | null> {
  const user = await db.query.users.findFirst({
    where: eq(users.id, userId),
    columns: { role: true },
  });
  return user?.role ?? null;
}

/**
 * What an account may do now: its role, and whether a ban holds (a ban whose end has passed does
 * not, though the row says banned until its next sign-in clears it). Null when there is no account.
 */
export async function accountAccess(
  db: Db,
  userId: string,
): Promise<{ role: UserRole; banned: boolean } | null> {
  const [row] = await db
    .select({
      role: users.role,
      banned: sql<boolean>`${users.banned} AND (${users.banExpires} IS NULL OR ${users.banExpires} > now())`,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row ?? null;
}

/** An account as the admin page lists it. */
export interface AdminAccount {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  banned: boolean;
  banReason: string | null;
  banExpires: Date | null;
  createdAt: Date;
  /** Keys that still work (enabled, not expired). */
  liveKeys: number;
}

/** Every account, by email, with what an admin acts on: role, ban, working keys. */
export async function accountsForAdmin(db: Db): Promise<AdminAccount[]> {
  return db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      banned: users.banned,
      banReason: users.banReason,
      banExpires: users.banExpires,
      createdAt: users.createdAt,
      liveKeys: liveKeyCount,
    })
    .from(users)
    .orderBy(asc(users.email));
}

/** What the site shows of a signed-in user. */
export async function userProfile(db: Db, userId: string) {
  const user = await db.query.users.findFirst({
    where: eq(users.id, userId),
    columns: { id: true, name: true, email: true, role: true },
  });
  return user ?? null;
}

/** The account with this email (how an operator names a user), or null. */
export async function accountByEmail(db: Db, email: string) {
  const user = await db.query.users.findFirst({
    where: eq(users.email, email.trim().toLowerCase()),
    columns: { id: true, email: true, role: true },
  });
  return user ?? null;
}

/** A role asked for that does not exist, or an account that is not there: names which. */
export class AccountError extends Error {
  override name = 'AccountError';
}

/**
 * Sets an account's role, found by its email (what an operator knows of a user): `participant`
 * may submit ranked runs, `admin` may do everything. Returns the role it had before.
 */
export async function setUserRole(
  db: Db,
  email: string,
  role: string,
): Promise<{ id: string; email: string; previous: UserRole }> {
  if (!(USER_ROLES as readonly string[]).includes(role))
    throw new AccountError(`no role "${role}": roles are ${USER_ROLES.join(', ')}`);
  const user = await db.query.users.findFirst({
    where: eq(users.email, email.trim().toLowerCase()),
    columns: { id: true, email: true, role: true },
  });
  if (!user) throw new AccountError(`no account with the email ${email}`);
  await db
    .update(users)
    .set({ role: role as UserRole })
    .where(eq(users.id, user.id));
  return { id: user.id, email: user.email, previous: user.role };
}

/** Every account with a role beyond submitting, for the operator's list. */
export async function privilegedUsers(db: Db) {
  const rows = await db.query.users.findMany({
    columns: { email: true, name: true, role: true, createdAt: true },
  });
  return rows.filter((u) => u.role !== 'submitter').sort((a, b) => a.email.localeCompare(b.email));
}
