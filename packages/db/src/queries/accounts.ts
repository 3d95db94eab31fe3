import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, submissions, users } from '../schema';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Creates an API token for the CLI. The token is returned once and only its SHA-256 is stored, so
 * a leaked database does not leak tokens.
 */
export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
): Promise<{ id: number; token: string }> {
  const token = `lb_${randomBytes(24).toString('base64url')}`;
  const [row] = await db
    .insert(apiTokens)
    .values({ userId, name, tokenHash: hashToken(token) })
    .returning({ id: apiTokens.id });
  return { id: (row as { id: number }).id, token };
}

export async function listApiTokens(db: Db, userId: string) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(apiTokens.id);
}

/** Revokes one of the user's own tokens; false when it is not theirs (or not there). */
export async function revokeApiToken(db: Db, userId: string, id: number): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

/** The user a bearer token belongs to, if it is valid and not revoked. */
export async function userByApiToken(db: Db, token: string) {
  const [row] = await db
    .update(apiTokens)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
    .returning({ userId: apiTokens.userId });
  if (!row) return null;
  const user = await db.query.users.findFirst({ where: eq(users.id, row.userId) });
  return user ? { id: user.id, name: user.name, email: user.email, role: user.role } : null;
}

export async function submissionOwner(
  db: Db,
  id: number,
): Promise<{ ownerId: string | null; visibility: string; status: string } | null> {
  const row = await db.query.submissions.findFirst({
    where: eq(submissions.id, id),
    columns: { ownerId: true, visibility: true, status: true },
  });
  return row ?? null;
}

/** Publishes a private submission, or hides one (admins); returns false when nothing changed. */
export async function setVisibility(
  db: Db,
  id: number,
  visibility: 'public' | 'private' | 'hidden',
): Promise<boolean> {
  const rows = await db
    .update(submissions)
    .set({ visibility })
    .where(eq(submissions.id, id))
    .returning({ id: submissions.id });
  return rows.length > 0;
}

/** Retries a failed or cancelled submission: its unfinished jobs go back to the queue, attempts reset. */
export async function retrySubmission(db: Db, id: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.execute(
      sql`UPDATE submissions SET status = 'queued', last_error = NULL, finished_at = NULL WHERE id = ${id} AND status IN ('failed', 'cancelled') RETURNING id`,
    );
    if (rows.rows.length === 0) return false;
    await tx.execute(
      sql`UPDATE jobs SET status = 'queued', attempts = 0, run_after = now(), lease_token = NULL, last_error = NULL WHERE submission_id = ${id} AND status IN ('failed', 'cancelled')`,
    );
    await tx.execute(sql`SELECT pg_notify('linkboard_jobs', ${String(id)})`);
    return true;
  });
}

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
