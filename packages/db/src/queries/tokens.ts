import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, users } from '../schema';

/** Tokens are stored as their SHA-256 only (user and runner tokens alike). */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

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
