import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiKeys, users } from '../schema';

/**
 * What an API key may do. `read`: what its owner may see (their private submissions, answers);
 * `submit`: anything that changes something (submit, cancel, publish). The site checks them on
 * every request a key makes, in one place (the site's tRPC middleware); better-auth's API-key
 * plugin stores them as the key's `permissions`, `{"linkboard": [...]}`.
 */
export const API_KEY_SCOPES = ['read', 'submit'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The scopes a key's stored permissions grant (unknown words dropped; none for none). */
export function scopesOfPermissions(permissions: unknown): ApiKeyScope[] {
  let parsed = permissions;
  if (typeof permissions === 'string') {
    try {
      parsed = JSON.parse(permissions);
    } catch {
      return [];
    }
  }
  const granted = (parsed as { linkboard?: unknown } | null)?.linkboard;
  if (!Array.isArray(granted)) return [];
  return API_KEY_SCOPES.filter((scope) => granted.includes(scope));
}

/** A key as its owner and the admins see it: never its hash. */
export interface ApiKeyListing {
  id: string;
  name: string | null;
  /** The key's first characters (`lb_` and a few more), to tell keys apart. */
  start: string | null;
  scopes: ApiKeyScope[];
  enabled: boolean;
  expiresAt: Date | null;
  createdAt: Date;
  lastRequest: Date | null;
}

const listing = {
  id: apiKeys.id,
  name: apiKeys.name,
  start: apiKeys.start,
  prefix: apiKeys.prefix,
  permissions: apiKeys.permissions,
  enabled: apiKeys.enabled,
  expiresAt: apiKeys.expiresAt,
  createdAt: apiKeys.createdAt,
  lastRequest: apiKeys.lastRequest,
};

function toListing(row: {
  id: string;
  name: string | null;
  start: string | null;
  prefix: string | null;
  permissions: string | null;
  enabled: boolean;
  expiresAt: Date | null;
  createdAt: Date;
  lastRequest: Date | null;
}): ApiKeyListing {
  const { permissions, prefix, ...rest } = row;
  // Keys moved from the old token table have no stored start: their prefix is all that is known.
  return { ...rest, start: row.start ?? prefix, scopes: scopesOfPermissions(permissions) };
}

/** A user's keys, newest first. */
export async function apiKeysOf(db: Db, userId: string): Promise<ApiKeyListing[]> {
  const rows = await db
    .select(listing)
    .from(apiKeys)
    .where(eq(apiKeys.referenceId, userId))
    .orderBy(desc(apiKeys.createdAt), apiKeys.id);
  return rows.map(toListing);
}

/** Every key, with its owner's email, newest first: the admin page's list. */
export async function apiKeysForAdmin(
  db: Db,
): Promise<(ApiKeyListing & { ownerId: string; ownerEmail: string })[]> {
  const rows = await db
    .select({ ...listing, ownerId: users.id, ownerEmail: users.email })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.referenceId))
    .orderBy(desc(apiKeys.createdAt), apiKeys.id);
  return rows.map(({ ownerId, ownerEmail, ...row }) => ({
    ...toListing(row),
    ownerId,
    ownerEmail,
  }));
}

/** Who owns the key with this id, or null when there is none. */
export async function apiKeyOwner(db: Db, keyId: string): Promise<string | null> {
  const [row] = await db
    .select({ ownerId: apiKeys.referenceId })
    .from(apiKeys)
    .where(eq(apiKeys.id, keyId));
  return row?.ownerId ?? null;
}

/** How many keys each user holds that still work (enabled, not expired). */
export const liveKeyCount = sql<number>`(SELECT count(*)::int FROM ${apiKeys} k WHERE k.reference_id = ${users.id} AND k.enabled AND (k.expires_at IS NULL OR k.expires_at > now()))`;
