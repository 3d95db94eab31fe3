import { createHash, randomBytes } from 'node:crypto';
import { asc, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { runnerTokens } from '../schema';
import { col, queryRows } from './rows';

/** Runner tokens are stored as their SHA-256 only: a leaked database does not leak tokens. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Runner tokens start with this, so a token pasted in the wrong place is recognisable. */
export const RUNNER_TOKEN_PREFIX = 'lbr_';

export class RunnerTokenError extends Error {
  override name = 'RunnerTokenError';
}

/**
 * Creates a runner token: returned once, stored as its SHA-256. Its name says which host or lab
 * holds it, appears in the lease owner of every job it runs, and is what `revoke` takes.
 */
export async function createRunnerToken(
  db: Db,
  name: string,
): Promise<{ id: number; name: string; token: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new RunnerTokenError(
      `runner token name "${name}": use 1–64 letters, digits, dots, hyphens or underscores`,
    );
  const token = `${RUNNER_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  const [row] = await db
    .insert(runnerTokens)
    .values({ name, tokenHash: hashToken(token) })
    .onConflictDoNothing({ target: runnerTokens.name })
    .returning({ id: runnerTokens.id });
  if (!row)
    throw new RunnerTokenError(
      `a runner token named "${name}" exists already (names stay taken after a revoke, so that leases stay attributable)`,
    );
  return { id: row.id, name, token };
}

export async function listRunnerTokens(db: Db) {
  return db
    .select({
      id: runnerTokens.id,
      name: runnerTokens.name,
      createdAt: runnerTokens.createdAt,
      lastUsedAt: runnerTokens.lastUsedAt,
      revokedAt: runnerTokens.revokedAt,
    })
    .from(runnerTokens)
    .orderBy(asc(runnerTokens.id));
}

/** Revokes a runner token by name: its next request is refused. False when none is active. */
export async function revokeRunnerToken(db: Db, name: string): Promise<boolean> {
  const rows = await db
    .update(runnerTokens)
    .set({ revokedAt: new Date() })
    .where(sql`${runnerTokens.name} = ${name} AND ${runnerTokens.revokedAt} IS NULL`)
    .returning({ id: runnerTokens.id });
  return rows.length > 0;
}

/**
 * The runner a bearer token belongs to, if it is valid and not revoked. Runners call several
 * times a second, so `last_used_at` is written at most once a minute, in the same statement.
 */
export async function runnerByToken(
  db: Db,
  token: string,
): Promise<{ id: number; name: string } | null> {
  if (!token.startsWith(RUNNER_TOKEN_PREFIX)) return null;
  const [row] = await queryRows(
    db,
    z.object({ id: col.number, name: col.text }),
    sql`WITH t AS (SELECT id, name, last_used_at FROM runner_tokens WHERE token_hash = ${hashToken(token)} AND revoked_at IS NULL),
         touched AS (UPDATE runner_tokens SET last_used_at = now()
                     WHERE id IN (SELECT id FROM t WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
        SELECT id, name FROM t`,
  );
  return row ? { id: row.id, name: row.name } : null;
}
